/**
 * The Slack channel over real HTTP: signed requests to POST /slack/events on the running app, the
 * Web API faked with nock. The whole run goes twice: against Slack's own https://slack.com/api/,
 * and with SLACK_API_URL pointing at a loopback stand-in, to show every call follows the setting.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { conversationKey } from '../../../src/bot/messages';
import { startApp, type RunningApp } from '../../helpers/server';
import {
  BOT,
  BOT_TOKEN,
  clickPayload,
  dmEvent,
  eventEnvelope,
  FakeSlackApi,
  interaction,
  mentionEvent,
  newEventId,
  postToSlackEndpoint,
  sign,
  slackEnv,
  waitFor,
} from './slack-helpers';

interface Target {
  readonly name: string;
  apiUrl: string;
}

// The stand-in's port is a real loopback listener that refuses every call nock did not answer.
let standIn: http.Server;
const targets: Target[] = [
  { name: 'Slack Web API (https://slack.com/api/)', apiUrl: 'https://slack.com/api/' },
  { name: 'a stand-in at SLACK_API_URL', apiUrl: '' },
];

beforeAll(async () => {
  standIn = http.createServer((_req, res) => {
    res.writeHead(599, { 'content-type': 'application/json' });
    res.end('{"ok":false,"error":"not_faked"}');
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  targets[1]!.apiUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/stand-in/api/`;
});

afterAll(async () => {
  await new Promise((resolve) => standIn.close(resolve));
});

const allText = (api: FakeSlackApi) => JSON.stringify(api.calls.map((c) => c.params));

describe.each(targets)('Slack channel against $name', (target) => {
  let api: FakeSlackApi;
  let running: RunningApp | undefined;
  let stopped = false;

  const start = async () => {
    running = await startApp({ env: slackEnv(target.apiUrl) });
    return running;
  };
  /** Stops the app, which waits for the Slack work in flight: afterwards nothing more is posted. */
  const stop = async () => {
    stopped = true;
    await running?.stop();
  };

  beforeEach(() => {
    api = new FakeSlackApi(target.apiUrl);
    stopped = false;
  });

  afterEach(async () => {
    if (!stopped) await running?.stop();
    running = undefined;
    nock.cleanAll();
  });

  it('answers url_verification with its challenge', async () => {
    const { base } = await start();
    const body = JSON.stringify({ token: 'x', challenge: 'challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    const res = await postToSlackEndpoint(base, { body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: 'challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  it('refuses unsigned, badly signed, stale and future-dated requests with 401 and changes nothing', async () => {
    const { base, app } = await start();
    const event = dmEvent('my wifi is not working');
    const body = eventEnvelope(event);
    const now = Math.floor(Date.now() / 1000);
    const attempts = [
      { signed: false },
      { signed: false, headers: sign(body, now, 'not-the-secret') },
      { signed: false, headers: { ...sign(body, now), 'x-slack-signature': 'v0=deadbeef' } },
      { signed: false, headers: sign(body, now - 6 * 60) },
      { signed: false, headers: sign(body, now + 6 * 60) },
      { signed: false, headers: { 'x-slack-signature': sign(body, now)['x-slack-signature']! } },
      // Signed correctly, but the body was changed on the way.
      { signed: false, body: body.replace('wifi', 'vpn'), headers: sign(body, now) },
    ];
    for (const attempt of attempts) {
      const res = await postToSlackEndpoint(base, { body, ...attempt });
      expect(res.status).toBe(401);
    }
    const ref = { channel: 'slack' as const, conversationId: 'D1', user: { id: 'U1' } };
    expect(await app.storage.loadConversation(conversationKey(ref))).toBeUndefined();
    await stop();
    expect(api.of('chat.postMessage')).toHaveLength(0);
  });

  it('answers a DM with Block Kit: a question with buttons naming node and option, and a text fallback on every message', async () => {
    const { base } = await start();
    const res = await postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('my wifi is not working')) });
    expect(res.status).toBe(200);
    await waitFor('the question', () => api.posted().some((m) => m.blocks.some((b) => b.type === 'actions')));

    const posted = api.posted();
    expect(posted.every((m) => m.channel === 'D1' && m.thread_ts === undefined && m.text.length > 0)).toBe(true);
    const question = posted.at(-1)!;
    expect(question.text).toContain('Where are you?');
    expect(question.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: 'Where are you?\nThe office network is called CORP.' } });
    const actions = question.blocks.find((b) => b.type === 'actions');
    expect(actions.elements.map((e: any) => [e.type as string, e.text.text as string, JSON.parse(e.value) as unknown])).toEqual([
      ['button', 'At home', { n: 'wf-where', o: 'home' }],
      ['button', 'In the office', { n: 'wf-where', o: 'office' }],
      ['button', "I'm not sure", { n: 'wf-where', o: 'unsure' }],
    ]);
    expect(actions.elements[0].action_id).toMatch(/^triage\.choice:0:home$/);
    // Every call carried the bot token and went to the configured API URL (the fake only answers there).
    expect(api.calls.every((c) => c.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);
  });

  it('moves on to a remediation after a click and updates the clicked message to show the answer without buttons', async () => {
    const { base } = await start();
    await postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('my wifi is not working')) });
    await waitFor('the question', () => api.posted().some((m) => m.blocks.some((b) => b.type === 'actions')));
    const question = api.posted().at(-1)!;
    const before = api.posted().length;

    const res = await postToSlackEndpoint(base, interaction(clickPayload(question, 'At home')));
    expect(res.status).toBe(200);
    await waitFor('the remediation and the next question', () => api.posted().length >= before + 2 && api.of('chat.update').length === 1);

    const update = api.of('chat.update')[0]!.params;
    expect(update.channel).toBe('D1');
    expect(update.ts).toBe(question.ts);
    expect(update.blocks.some((b: any) => b.type === 'actions')).toBe(false);
    expect(update.blocks[0].text.text).toContain('Where are you?');
    expect(JSON.stringify(update.blocks)).toContain('*Your answer:* At home');
    expect(update.text).toContain('Your answer: At home');

    const [remediation, next] = api.posted().slice(before);
    expect(remediation!.text).toContain('Restart your router');
    const stepsBlock = remediation!.blocks.find((b) => b.type === 'section' && b.text.text.startsWith('1. '));
    expect(stepsBlock.text.text).toBe('1. Unplug the router for 30 seconds.\n2. Run `ipconfig /renew` in a command prompt.');
    expect(JSON.stringify(remediation!.blocks)).toContain('You can do these steps yourself.');
    expect(next!.text).toContain('Did "Restart your router" fix it?');
    expect(next!.blocks.some((b) => b.type === 'actions')).toBe(true);
  });

  it('answers an @mention in its thread, and a follow-up in that thread continues the same conversation', async () => {
    const { base, app } = await start();
    const root = '1700000000.000100';
    await postToSlackEndpoint(base, { body: eventEnvelope(mentionEvent(`<@${BOT.botUserId}> my wifi is not working`, { channel: 'C9', ts: root })) });
    await waitFor('the question in the thread', () => api.posted().some((m) => m.blocks.some((b) => b.type === 'actions')));
    const first = api.posted();
    expect(first.every((m) => m.channel === 'C9' && m.thread_ts === root)).toBe(true);
    const buttons = first.at(-1)!.blocks.find((b) => b.type === 'actions');
    expect(JSON.parse(buttons.elements[0].value)).toEqual({ n: 'wf-where', o: 'home', t: root });

    // A follow-up mention inside the thread (typing the option) answers the open question.
    await postToSlackEndpoint(base, { body: eventEnvelope(mentionEvent(`<@${BOT.botUserId}|helpdesk> At home`, { channel: 'C9', threadTs: root, user: 'U2' })) });
    await waitFor('the remediation and its question', () => api.posted().some((m) => m.text.includes('Did "Restart your router" fix it?')));
    expect(api.posted().every((m) => m.thread_ts === root)).toBe(true);

    // A click in the thread belongs to the same conversation and answers in the thread.
    const again = api.posted().at(-1)!;
    const count = api.posted().length;
    await postToSlackEndpoint(base, interaction(clickPayload({ ...again, thread_ts: root }, 'not-fixed', { channel: 'C9' })));
    await waitFor('the answer to the click', () => api.posted().length > count);
    const key = conversationKey({ channel: 'slack', conversationId: 'C9', threadId: root, user: { id: 'U1' } });
    const transcript = await app.storage.readTranscript(key);
    await stop();
    expect(api.posted().every((m) => m.channel === 'C9' && m.thread_ts === root)).toBe(true);
    const inputs = transcript.filter((e) => e.actor === 'user').map((e) => (e.actor === 'user' ? e.input : undefined));
    expect(inputs).toEqual([
      { kind: 'text', text: 'my wifi is not working' },
      { kind: 'choice', nodeId: 'wf-where', optionId: 'home', label: 'At home' },
      { kind: 'choice', nodeId: 'wf-restart-router', optionId: 'not-fixed', label: expect.any(String) },
    ]);
  });

  it('answers a retried event once', async () => {
    const { base } = await start();
    const eventId = newEventId();
    const event = dmEvent('my wifi is not working');
    expect((await postToSlackEndpoint(base, { body: eventEnvelope(event, eventId) })).status).toBe(200);
    await waitFor('the question', () => api.posted().some((m) => m.blocks.some((b) => b.type === 'actions')));
    const answered = api.posted().length;
    for (const retry of ['1', '2']) {
      const res = await postToSlackEndpoint(base, { body: eventEnvelope(event, eventId), headers: { 'x-slack-retry-num': retry, 'x-slack-retry-reason': 'http_timeout' } });
      expect(res.status).toBe(200);
    }
    await stop();
    expect(api.posted()).toHaveLength(answered);
  });

  it('escapes user text wherever it is echoed, so nobody can ping the channel or inject links', async () => {
    const { base, app } = await start();
    // A ticket whose summary came from what a user typed, shown back on their App Home.
    await app.storage.createTicket({
      id: 'HD-1001',
      number: 1001,
      dedupeKey: 'k#1',
      conversationKey: 'k',
      requester: { channel: 'slack', userId: 'U1' },
      ref: { channel: 'slack', conversationId: 'D1', user: { id: 'U1' } },
      reason: 'x',
      summary: 'Outlook <!channel> & <https://evil.example|click me> <@U999>',
      trail: [],
      createdAt: '2026-11-23T10:00:00.000Z',
    });
    await postToSlackEndpoint(base, { body: eventEnvelope({ type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'home', event_ts: '1.2' }) });
    await waitFor('the App Home', () => api.of('views.publish').length === 1);
    const home = JSON.stringify(api.of('views.publish')[0]!.params.view);
    expect(home).toContain('Outlook &lt;!channel&gt; &amp; &lt;https://evil.example|click me&gt; &lt;@U999&gt;');

    // A DM full of markup, and a click whose button label Slack echoes back with markup in it.
    await postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('<!here> <!channel> & <https://evil.example|x> <@U999>')) });
    await waitFor('the menu', () => api.posted().some((m) => m.blocks.some((b) => b.type === 'actions')));
    const question = api.posted().at(-1)!;
    const payload = clickPayload(question, 'network') as any;
    payload.actions[0].text = { type: 'plain_text', text: 'Network <!channel> & <https://evil.example|x>' };
    await postToSlackEndpoint(base, interaction(payload));
    await waitFor('the update', () => api.of('chat.update').length === 1);
    expect(JSON.stringify(api.of('chat.update')[0]!.params)).toContain('Network &lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;');
    await stop();
    // Nothing the bot sent contains live Slack markup.
    expect(allText(api)).not.toMatch(/<!(channel|here)>|<https?:|<@U/);
  });

  it('ignores its own messages and messages that are not a person typing', async () => {
    const { base } = await start();
    const ignored = [
      dmEvent('I am the bot', { user: BOT.botUserId }),
      dmEvent('bot says', { extra: { subtype: 'bot_message', bot_id: BOT.botId, user: undefined } }),
      dmEvent('another bot', { extra: { bot_id: 'BOTHER' } }),
      dmEvent('edited', { extra: { subtype: 'message_changed' } }),
      dmEvent('joined', { extra: { subtype: 'channel_join' } }),
      mentionEvent(`<@${BOT.botUserId}> hi`, { user: BOT.botUserId }),
    ];
    for (const event of ignored) expect((await postToSlackEndpoint(base, { body: eventEnvelope(event) })).status).toBe(200);
    await stop();
    expect(api.of('chat.postMessage')).toHaveLength(0);
  });

  it('retries chat.postMessage after a 429 once Retry-After has passed', async () => {
    const { base } = await start();
    api.queue('chat.postMessage', [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' }]);
    await postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('hello')) });
    await waitFor('the menu after the rate limit', () => api.posted().some((m) => m.blocks.some((b) => b.type === 'actions')));
    const [limited, retried] = api.of('chat.postMessage');
    expect(limited!.status).toBe(429);
    expect(retried!.status).toBe(200);
    expect(retried!.params.text).toBe(limited!.params.text);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('shows the App Home with a Start triage button that opens the triage in the user\u2019s DM', async () => {
    const { base } = await start();
    await postToSlackEndpoint(base, { body: eventEnvelope({ type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'home', event_ts: '1.2' }) });
    await waitFor('the App Home', () => api.of('views.publish').length === 1);
    const publish = api.of('views.publish')[0]!.params;
    expect(publish.user_id).toBe('U1');
    expect(JSON.stringify(publish.view)).toContain('You have no open tickets.');
    const button = publish.view.blocks.find((b: any) => b.type === 'actions').elements[0];
    expect(button.text.text).toBe('Start triage');

    const res = await postToSlackEndpoint(
      base,
      interaction({
        type: 'block_actions',
        user: { id: 'U1' },
        team: { id: 'T1' },
        api_app_id: 'A1',
        container: { type: 'view', view_id: 'V1' },
        view: { id: 'V1', type: 'home' },
        actions: [{ type: 'button', action_id: button.action_id, block_id: 'home', value: button.value, text: button.text, action_ts: '1700000001.1' }],
      }),
    );
    expect(res.status).toBe(200);
    await waitFor('the menu in the DM', () => api.posted().some((m) => m.blocks.some((b) => b.type === 'actions')));
    expect(api.of('conversations.open')[0]!.params.users).toBe('U1');
    expect(api.posted().every((m) => m.channel === 'D_OPENED')).toBe(true);
    expect(api.posted().at(-1)!.text).toContain('What do you need help with?');
  });

  it('answers two quick messages in one DM turn by turn, never interleaved', async () => {
    const { base } = await start();
    // The first reply is slow to post: the second turn must wait for the first one's messages.
    api.slowDown('chat.postMessage', 300);
    await Promise.all([postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('hello')) }), postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('hi there')) })]);
    await waitFor('both turns', () => api.posted().filter((m) => m.blocks.some((b) => b.type === 'actions')).length === 2);
    const kinds = api.posted().map((m) => (m.blocks.some((b) => b.type === 'actions') ? 'question' : 'text'));
    expect(kinds).toEqual(['text', 'question', 'text', 'question']);
  });

  it('retries auth.test on the next event after it failed, instead of failing forever', async () => {
    // The check at startup fails, and so does the first event's.
    api.queue('auth.test', [200, { ok: false, error: 'fatal_error' }], [200, { ok: false, error: 'fatal_error' }]);
    const { base } = await start();
    await waitFor('the startup check', () => api.of('auth.test').length === 1);
    expect((await postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('hello')) })).status).toBe(200);
    await waitFor('the second check', () => api.of('auth.test').length === 2);
    expect((await postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('hello')) })).status).toBe(200);
    await waitFor('the menu', () => api.posted().some((m) => m.blocks.some((b) => b.type === 'actions')));
    expect(api.of('auth.test')).toHaveLength(3);
  });

  it('logs a failing Web API call and keeps serving', async () => {
    const { base } = await start();
    api.queue('chat.postMessage', [200, { ok: false, error: 'channel_not_found' }]);
    await postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('hello')) });
    await waitFor('the failed call', () => api.of('chat.postMessage').length === 1);
    await postToSlackEndpoint(base, { body: eventEnvelope(dmEvent('hello', { channel: 'D2' })) });
    await waitFor('the next DM answered', () => api.posted().some((m) => m.channel === 'D2' && m.blocks.some((b) => b.type === 'actions')));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
