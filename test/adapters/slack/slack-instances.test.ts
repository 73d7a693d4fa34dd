/**
 * The Slack channel across instances and modes: two servers sharing one PostgreSQL database
 * answer a redelivered event once; Socket Mode replaces the HTTP endpoint; without settings the
 * channel is off and says so.
 */
import nock from 'nock';
import restify from 'restify';
import { registerSlack } from '../../../src/adapters/slack/slack-channel';
import type { Logger } from '../../../src/bot/ports';
import { engineFor, fixtureCatalogue, memoryStorage } from '../../helpers/fixtures';
import { createTestSchema, type TestSchema } from '../../helpers/postgres';
import { startApp, type RunningApp } from '../../helpers/server';
import { dmEvent, eventEnvelope, FakeSlackApi, newEventId, postToSlackEndpoint, slackEnv, waitFor } from './slack-helpers';

const API_URL = 'https://slack.com/api/';

afterEach(() => {
  nock.cleanAll();
});

describe('two instances sharing one PostgreSQL database', () => {
  let schema: TestSchema;
  let a: RunningApp;
  let b: RunningApp;
  let api: FakeSlackApi;

  beforeEach(async () => {
    schema = await createTestSchema();
    api = new FakeSlackApi(API_URL);
    a = await startApp({ env: slackEnv(API_URL), storage: schema.storage() });
    b = await startApp({ env: slackEnv(API_URL), storage: schema.storage() });
  });

  afterEach(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await schema.drop();
  });

  const hasQuestion = () => api.posted().some((m) => m.blocks.some((blk) => blk.type === 'actions'));

  it('does not answer a retry on the second instance that the first already handled', async () => {
    const eventId = newEventId();
    const event = dmEvent('my wifi is not working');
    expect((await postToSlackEndpoint(a.base, { body: eventEnvelope(event, eventId) })).status).toBe(200);
    await waitFor('the first instance to answer', hasQuestion);
    const answered = api.posted().length;

    const retry = await postToSlackEndpoint(b.base, { body: eventEnvelope(event, eventId), headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retry.status).toBe(200);
    // Stopping waits for the Slack work in flight, so nothing can be posted after this.
    await Promise.all([a.stop(), b.stop()]);
    expect(api.posted()).toHaveLength(answered);
  });

  it('answers once when the same event reaches both instances at the same time', async () => {
    const eventId = newEventId();
    const body = eventEnvelope(dmEvent('my wifi is not working'), eventId);
    const [ra, rb] = await Promise.all([postToSlackEndpoint(a.base, { body }), postToSlackEndpoint(b.base, { body, headers: { 'x-slack-retry-num': '1' } })]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    await waitFor('one instance to answer', hasQuestion);
    await Promise.all([a.stop(), b.stop()]);
    expect(api.posted().filter((m) => m.blocks.some((blk) => blk.type === 'actions'))).toHaveLength(1);
  });
});

describe('Socket Mode', () => {
  it('connects with the app-level token instead of serving /slack/events', async () => {
    const api = new FakeSlackApi(API_URL);
    // invalid_auth: Socket Mode gives up at once instead of reconnecting (a WebSocket cannot be faked with nock).
    api.queue('apps.connections.open', [200, { ok: false, error: 'invalid_auth' }]);
    const running = await startApp({ env: { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_APP_TOKEN: 'xapp-1-test', SLACK_API_URL: API_URL } });
    try {
      await waitFor('apps.connections.open', () => api.of('apps.connections.open').length === 1);
      expect(api.of('apps.connections.open')[0]!.authorization).toBe('Bearer xapp-1-test');
      const res = await postToSlackEndpoint(running.base, { body: eventEnvelope(dmEvent('hello')) });
      expect(res.status).toBe(404);
      expect((await fetch(`${running.base}/healthz`)).status).toBe(200);
    } finally {
      await running.stop();
    }
    expect(api.of('chat.postMessage')).toHaveLength(0);
  });
});

describe('without Slack settings', () => {
  it('is off, and the startup log says how to turn it on', async () => {
    const lines: { level: string; msg?: string }[] = [];
    const logger: Logger = {
      debug: (_o, msg) => lines.push({ level: 'debug', msg }),
      info: (_o, msg) => lines.push({ level: 'info', msg }),
      warn: (_o, msg) => lines.push({ level: 'warn', msg }),
      error: (_o, msg) => lines.push({ level: 'error', msg }),
      child: () => logger,
    };
    const storage = await memoryStorage();
    const server = restify.createServer();
    const channel = await registerSlack(server, { engine: engineFor(fixtureCatalogue(), storage), logger, storage, config: undefined });
    expect(channel).toBeUndefined();
    expect(lines).toEqual([{ level: 'info', msg: 'slack channel off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET' }]);
    await storage.close();

    const running = await startApp();
    try {
      expect((await postToSlackEndpoint(running.base, { body: eventEnvelope(dmEvent('hello')) })).status).toBe(404);
    } finally {
      await running.stop();
    }
  });
});
