/**
 * `npm run bench`: drives whole conversations through POST /api/chat/messages on a loopback
 * server and prints turns per second and p50/p99 turn latency for the bot on SQLite and on
 * PostgreSQL, beside a bare restify route that parses the same JSON and answers a fixed reply
 * (the framework floor), all in one run.
 *
 * Settings: BENCH_CONVERSATIONS (default 300), BENCH_CONCURRENCY (default 8),
 * BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import restify from 'restify';
import { createApp } from '../src/app';
import { PostgresStorage } from '../src/adapters/storage/postgres';
import { SqliteStorage } from '../src/adapters/storage/sqlite';
import type { Reply } from '../src/bot/messages';
import type { Storage } from '../src/bot/ports';
import { loadConfig } from '../src/config';
import { silentLogger } from '../src/logger';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MAX_TURNS = 12;
const OPENERS = [
  'Outlook keeps asking for my password',
  'Since MFA was turned on Lync keeps asking for my Exchange password',
  'my teams status is stuck on away',
  'I lost my phone and cannot do MFA',
  'my account is locked out',
  'hello',
];

interface Result {
  readonly name: string;
  readonly turns: number;
  readonly seconds: number;
  readonly latencies: number[];
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(base: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/chat/messages`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One scripted user: opens with a problem, then always picks the first option, until the bot stops asking. */
async function converse(base: string, id: number, latencies: number[], fixedTurns?: number): Promise<number> {
  const conversationId = `bench-${id}-${randomBytes(4).toString('hex')}`;
  let payload: object = { text: OPENERS[id % OPENERS.length] };
  let turns = 0;
  for (; turns < (fixedTurns ?? MAX_TURNS); ) {
    const body = JSON.stringify({ conversationId, user: { id: `user-${id}` }, ...payload });
    const started = performance.now();
    const res = await post(base, body);
    latencies.push(performance.now() - started);
    turns++;
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text}`);
    const replies = (JSON.parse(res.text) as { replies: Reply[] }).replies;
    const question = [...replies].reverse().find((r) => r.kind === 'question');
    if (!question || question.kind !== 'question') {
      if (fixedTurns === undefined) break;
      payload = { text: 'again' };
      continue;
    }
    // Escalations end the conversation; prefer "not fixed" once to see more remediations.
    const option = question.options.find((o) => o.id === 'not-fixed') ?? question.options[0]!;
    payload = { choice: { nodeId: question.nodeId, optionId: option.id } };
  }
  return turns;
}

async function drive(name: string, base: string, fixedTurns?: number): Promise<Result> {
  const latencies: number[] = [];
  // Warm-up, not measured.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => converse(base, 1_000_000 + i, [], fixedTurns)));
  let next = 0;
  let turns = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CONVERSATIONS) {
        // Await first: `turns += await …` would read `turns` before the await and lose other workers' counts.
        const done = await converse(base, next++, latencies, fixedTurns);
        turns += done;
      }
    }),
  );
  return { name, turns, seconds: (performance.now() - started) / 1000, latencies };
}

async function benchBot(name: string, storage: Storage): Promise<Result> {
  const app = await createApp(loadConfig({ LOG_LEVEL: 'silent' }), silentLogger, { storage });
  const { port } = await app.http.listen(0, '127.0.0.1');
  try {
    return await drive(name, `http://127.0.0.1:${port}`);
  } finally {
    await app.stop();
  }
}

async function benchFloor(turnsPerConversation: number): Promise<Result> {
  const server = restify.createServer();
  const reply = JSON.stringify({ conversationId: 'x', replies: [{ kind: 'text', text: 'ok' }] });
  server.post('/api/chat/messages', async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { conversationId: string };
    if (typeof body.conversationId !== 'string') throw new Error('bad body');
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(reply) });
    res.end(reply);
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address();
  try {
    return await drive('bare restify route (floor)', `http://127.0.0.1:${port}`, turnsPerConversation);
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  console.log(`bench: ${CONVERSATIONS} conversations, ${CONCURRENCY} at a time, node ${process.version}, ${os.cpus().length} cores`);
  const results: Result[] = [];

  const dir = mkdtempSync(path.join(os.tmpdir(), 'helpdesk-bench-'));
  try {
    results.push(await benchBot('bot on SQLite (file, WAL)', new SqliteStorage(path.join(dir, 'bench.db'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    results.push(await benchBot('bot on PostgreSQL', new PostgresStorage({ connectionString: PG_URL, schema })));
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }

  const averageTurns = Math.max(1, Math.round(results[0]!.turns / CONVERSATIONS));
  results.push(await benchFloor(averageTurns));

  console.log('');
  console.log(`${'target'.padEnd(30)} ${'turns'.padStart(7)} ${'turns/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const r of results) {
    const sorted = [...r.latencies].sort((a, b) => a - b);
    console.log(
      `${r.name.padEnd(30)} ${String(r.turns).padStart(7)} ${(r.turns / r.seconds).toFixed(0).padStart(9)} ${percentile(sorted, 50).toFixed(2).padStart(8)} ${percentile(sorted, 99).toFixed(2).padStart(8)}`,
    );
  }
  agent.destroy();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
