import { request } from 'node:http';
import type { Storage } from '../../../src/bot/ports';
import { memoryStorage } from '../../helpers/fixtures';
import { postJson, startApp, type RunningApp } from '../../helpers/server';

const user = { id: 'u-1', name: 'Pat' };

describe('web chat API over HTTP', () => {
  let running: RunningApp;
  let storage: Storage;

  beforeAll(async () => {
    storage = await memoryStorage();
    running = await startApp({ storage });
  });
  afterAll(() => running.stop());

  it('answers a first message with the routed flow question', async () => {
    const { status, json } = await postJson(running.base, { conversationId: 'c-1', user, text: 'my wifi is not working' });
    expect(status).toBe(200);
    expect(json.conversationId).toBe('c-1');
    expect(json.replies.map((r: { kind: string }) => r.kind)).toEqual(['text', 'question']);
    expect(json.replies[1]).toMatchObject({ flowId: 'wifi-down', nodeId: 'wf-where', options: expect.arrayContaining([{ id: 'home', label: 'At home' }]) });
  });

  it('moves on when the question is answered with a choice, to a remediation', async () => {
    await postJson(running.base, { conversationId: 'c-2', user, text: 'wifi broken' });
    const { status, json } = await postJson(running.base, { conversationId: 'c-2', user, choice: { nodeId: 'wf-where', optionId: 'home' } });
    expect(status).toBe(200);
    expect(json.replies[0]).toEqual({
      kind: 'remediation',
      flowId: 'wifi-down',
      nodeId: 'wf-restart-router',
      text: 'Restart your router\nHome routers often lose their connection.',
      steps: ['Unplug the router for 30 seconds.', 'Run `ipconfig /renew` in a command prompt.'],
      audience: 'user',
    });
  });

  it('returns a ticket id on escalation and keeps the ticket in the store', async () => {
    await postJson(running.base, { conversationId: 'c-3', user, text: 'wifi broken' });
    const intake = await postJson(running.base, { conversationId: 'c-3', user, text: 'talk to someone' });
    expect(intake.json.replies.at(-1)).toMatchObject({ kind: 'question', nodeId: 'intake.since' });
    await postJson(running.base, { conversationId: 'c-3', user, choice: { nodeId: 'intake.since', optionId: 'today' } });
    const { json } = await postJson(running.base, { conversationId: 'c-3', user, text: 'only me' });
    expect(json.replies[0]).toMatchObject({ kind: 'escalation', ticketId: expect.stringMatching(/^HD-\d+$/) });
    expect(await storage.getTicket(json.replies[0].ticketId)).toMatchObject({ requester: { channel: 'web', userId: 'u-1', name: 'Pat' } });
  });

  it('returns user text unchanged as data (the page escapes it when rendering)', async () => {
    const { status, json } = await postJson(running.base, { conversationId: 'c-4', user: { id: '<b>x</b>' }, text: '<script>alert(1)</script>' });
    expect(status).toBe(200);
    expect(JSON.stringify(json)).not.toContain('<script>');
  });

  const bad: [string, unknown, number, string, RegExp][] = [
    ['malformed JSON', '{"conversationId": "c", ', 400, 'MALFORMED_JSON', /not valid JSON/],
    ['an empty body', '', 400, 'MALFORMED_JSON', /empty/],
    ['a JSON array', '[]', 400, 'INVALID_REQUEST', /JSON object/],
    ['a JSON string', '"hello"', 400, 'INVALID_REQUEST', /JSON object/],
    ['missing conversationId', { user, text: 'hi' }, 400, 'INVALID_REQUEST', /conversationId/],
    ['missing user', { conversationId: 'c', text: 'hi' }, 400, 'INVALID_REQUEST', /user/],
    ['a user without id', { conversationId: 'c', user: {}, text: 'hi' }, 400, 'INVALID_REQUEST', /user\.id/],
    ['a numeric user id', { conversationId: 'c', user: { id: 5 }, text: 'hi' }, 400, 'INVALID_REQUEST', /user\.id must be a string/],
    ['a numeric text', { conversationId: 'c', user, text: 42 }, 400, 'INVALID_REQUEST', /text must be a string/],
    ['an empty text', { conversationId: 'c', user, text: '   ' }, 400, 'INVALID_REQUEST', /text must not be empty/],
    ['both text and choice', { conversationId: 'c', user, text: 'hi', choice: { nodeId: 'menu', optionId: 'person' } }, 400, 'INVALID_REQUEST', /exactly one of "text" and "choice"/],
    ['neither text nor choice', { conversationId: 'c', user }, 400, 'INVALID_REQUEST', /exactly one of "text" and "choice"/],
    ['a choice without optionId', { conversationId: 'c', user, choice: { nodeId: 'menu' } }, 400, 'INVALID_REQUEST', /choice\.optionId/],
    ['a choice that is a string', { conversationId: 'c', user, choice: 'menu' }, 400, 'INVALID_REQUEST', /choice/],
    ['a conversationId with a space', { conversationId: 'c 1', user, text: 'hi' }, 400, 'INVALID_REQUEST', /conversationId must be 1 to 128/],
    ['an empty conversationId', { conversationId: '', user, text: 'hi' }, 400, 'INVALID_REQUEST', /conversationId must be 1 to 128/],
    ['a 129-character conversationId', { conversationId: 'x'.repeat(129), user, text: 'hi' }, 400, 'INVALID_REQUEST', /conversationId must be 1 to 128/],
    ['a numeric conversationId', { conversationId: 7, user, text: 'hi' }, 400, 'INVALID_REQUEST', /conversationId must be a string/],
    ['an unknown field', { conversationId: 'c', user, text: 'hi', extra: true }, 400, 'INVALID_REQUEST', /extra/],
  ];

  it.each(bad)('refuses %s with a 4xx and a coded error', async (_what, body, status, code, message) => {
    const res = await postJson(running.base, body);
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message).toMatch(message);
  });

  it('accepts the longest allowed conversationId', async () => {
    const res = await postJson(running.base, { conversationId: `A.b_c:d-${'9'.repeat(120)}`, user, text: 'hi' });
    expect(res.status).toBe(200);
  });

  it('refuses a non-JSON content type with 415', async () => {
    const res = await postJson(running.base, 'conversationId=c', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a missing content type with 415', async () => {
    const res = await fetch(`${running.base}/api/chat/messages`, { method: 'POST', body: new Blob(['{}']) });
    expect(res.status).toBe(415);
  });

  it('refuses a body over 64 KB with 413', async () => {
    const res = await postJson(running.base, { conversationId: 'c', user, text: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a chunked body that grows over 64 KB with 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${running.base}/api/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"conversationId":"c","user":{"id":"u"},"text":"');
      for (let i = 0; i < 80; i++) req.write('x'.repeat(1024));
      req.end('"}');
    });
    expect(status).toBe(413);
  });

  it('accepts a text up to the limit and refuses a longer one with 400', async () => {
    expect((await postJson(running.base, { conversationId: 'c-5', user, text: 'y'.repeat(4000) })).status).toBe(200);
    const res = await postJson(running.base, { conversationId: 'c-5', user, text: 'y'.repeat(4001) });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/at most 4000/);
  });

  it('serves the chat page and its assets', async () => {
    const page = await fetch(`${running.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toContain('/assets/chat.js');
    const js = await fetch(`${running.base}/assets/chat.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toContain('/api/chat/messages');
  });

  it('reports health', async () => {
    const res = await fetch(`${running.base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', storage: 'sqlite', flows: 3 });
  });
});

describe('web chat API when storage fails', () => {
  it('answers 503 with a coded error and keeps running', async () => {
    const storage = await memoryStorage();
    const running = await startApp({ storage });
    try {
      const original = storage.loadConversation.bind(storage);
      storage.loadConversation = () => Promise.reject(new Error('disk I/O error'));
      const res = await postJson(running.base, { conversationId: 'c', user, text: 'hi' });
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe('STORAGE_UNAVAILABLE');
      expect(res.json.error.message).not.toContain('disk I/O');
      storage.loadConversation = original;
      expect((await postJson(running.base, { conversationId: 'c', user, text: 'hi' })).status).toBe(200);
    } finally {
      await running.stop();
    }
  });
});
