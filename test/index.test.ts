/** The real process: `node src/index.ts` as `npm start` runs it, with signals and startup errors. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startBot(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

async function waitForHealth(base: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('bot did not become healthy');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the bot process', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'helpdesk-process-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts, answers, and on SIGTERM finishes the turns in flight and exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const bot = startBot({ PORT: String(port), DATABASE_URL: `sqlite:${path.join(dir, 'bot.db')}`, LOG_LEVEL: 'info' });
    try {
      await waitForHealth(base);
      const turns = Array.from({ length: 20 }, (_, i) =>
        fetch(`${base}/api/chat/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ conversationId: `c-${i}`, user: { id: 'u' }, text: 'Outlook keeps asking for my password' }),
        }).then((r) => r.status),
      );
      await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      bot.child.kill('SIGTERM');
      const statuses = await Promise.allSettled(turns);
      const code = await bot.exit;
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      // Every request the server accepted was answered; none was cut off half-way.
      for (const s of statuses) {
        if (s.status === 'fulfilled') expect(s.value).toBe(200);
      }
      const logs = bot.output();
      expect(logs).toMatch(/"msg":"shutting down"/);
      expect(logs).toMatch(/"msg":"stopped"/);
      // Info logs never contain message bodies.
      expect(logs).not.toContain('keeps asking for my password');
    } finally {
      bot.child.kill('SIGKILL');
    }
  });

  it('refuses to start with a clear message for bad configuration', async () => {
    const bot = startBot({ PORT: 'abc', DATABASE_URL: `sqlite:${path.join(dir, 'bot.db')}` });
    expect(await bot.exit).toBe(1);
    expect(bot.output()).toContain('PORT: must be a whole number from 1 to 65535 (got "abc")');
  });
});
