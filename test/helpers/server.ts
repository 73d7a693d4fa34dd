import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Catalogue } from '../../src/flows/catalogue';
import type { Storage } from '../../src/bot/ports';
import { silentLogger } from '../../src/logger';
import { fixtureCatalogue, memoryStorage } from './fixtures';

export interface RunningApp {
  readonly app: App;
  readonly base: string;
  stop(): Promise<void>;
}

/** Starts the real server on a free loopback port. */
export async function startApp(options: { catalogue?: Catalogue; storage?: Storage; env?: NodeJS.ProcessEnv } = {}): Promise<RunningApp> {
  const config = loadConfig({ PORT: '3978', ...options.env });
  const app = await createApp(config, silentLogger, {
    catalogue: options.catalogue ?? fixtureCatalogue(),
    storage: options.storage ?? (await memoryStorage()),
  });
  const address = await app.http.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${address.port}`, stop: () => app.stop() };
}

export async function postJson(base: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/api/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
