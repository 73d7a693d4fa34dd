/**
 * Composition root: loads configuration and flows, opens storage, builds the engine and the
 * HTTP server with its channel adapters. `src/index.ts` runs it as a process.
 */
import { registerWebChat } from './adapters/web/chat-api';
import { registerSlack } from './adapters/slack/slack-channel';
import { registerTeams } from './adapters/teams/teams-adapter';
import { createStorage } from './adapters/storage';
import { SupportDesk } from './bot/desk';
import { TriageEngine } from './bot/engine';
import type { ChannelName } from './bot/messages';
import { OutboxDispatcher, type Deliverer } from './bot/outbox';
import type { Logger, Storage } from './bot/ports';
import { createRouter } from './bot/router';
import type { Config } from './config';
import { loadCatalogue, type Catalogue } from './flows/catalogue';
import { createHttpServer, type HttpServer } from './server';

export interface App {
  readonly engine: TriageEngine;
  readonly desk: SupportDesk;
  readonly outbox: OutboxDispatcher;
  readonly storage: Storage;
  readonly http: HttpServer;
  /** Graceful stop: refuse new requests, finish turns in flight, close storage. */
  stop(): Promise<void>;
}

export interface AppOptions {
  /** Defaults to the catalogue in src/flows/catalogue. */
  readonly catalogue?: Catalogue;
  /** Defaults to the store named by DATABASE_URL. */
  readonly storage?: Storage;
}

export async function createApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<App> {
  const catalogue = options.catalogue ?? loadCatalogue();
  const storage = options.storage ?? createStorage(config.databaseUrl);
  try {
    await storage.migrate();
  } catch (err) {
    await storage.close().catch(() => undefined);
    throw err;
  }
  // Channel adapters that can post on their own (Teams, Slack) add their deliverer here.
  const deliverers: Partial<Record<ChannelName, Deliverer>> = {};
  const outbox = new OutboxDispatcher({ storage, deliverers, logger: logger.child({ component: 'outbox' }) });
  const desk = new SupportDesk({ storage, logger, configured: config.support, onQueued: () => outbox.kick() });
  const engine = new TriageEngine({ catalogue, storage, router: createRouter(catalogue), logger, desk, onQueued: () => outbox.kick() });
  const http = createHttpServer({ logger, storage, flowCount: catalogue.flows.size });
  if (config.webChatEnabled) registerWebChat(http.server, { engine, logger });
  const slack = await registerSlack(http.server, { engine, logger, storage, config: config.slack, desk, flowTitle: (id) => catalogue.flows.get(id)?.definition.title });
  if (slack?.deliverer) deliverers.slack = slack.deliverer;
  deliverers.teams = registerTeams(http.server, { engine, logger, storage, config: config.teams, desk }).deliverer;
  outbox.start();
  logger.info({ flows: catalogue.flows.size, storage: storage.backend, webChat: config.webChatEnabled }, 'bot ready');

  let stopped: Promise<void> | undefined;
  return {
    engine,
    desk,
    outbox,
    storage,
    http,
    stop: () =>
      (stopped ??= (async () => {
        http.markStopping();
        const closing = http.stopAccepting();
        await slack?.stop();
        await engine.drain();
        await outbox.stop();
        await closing;
        await storage.close();
      })()),
  };
}
