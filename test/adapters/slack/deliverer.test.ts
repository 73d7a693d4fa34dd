/**
 * The Slack deliverer on its own: what it posts for each outbox item, and how Slack's failures
 * become DeliveryErrors the dispatcher can schedule (tried once; a 429 carries its Retry-After).
 */
import nock from 'nock';
import { SlackDeliverer } from '../../../src/adapters/slack/deliverer';
import { SlackApi } from '../../../src/adapters/slack/web-api';
import { SupportDesk } from '../../../src/bot/desk';
import { DeliveryError } from '../../../src/bot/outbox';
import type { OutboxItem, OutboxPayload, Storage } from '../../../src/bot/ports';
import { silentLogger } from '../../../src/logger';
import { memoryStorage } from '../../helpers/fixtures';
import { FakeSlackApi, newTs } from './slack-helpers';

const API_URL = 'https://slack.com/api/';
const SUPPORT = 'CSUPPORT1';

let api: FakeSlackApi;
let storage: Storage;
let desk: SupportDesk;
let deliverer: SlackDeliverer;
let ticketId: string;

const item = (payload: OutboxPayload, channel: OutboxItem['channel'] = 'slack'): OutboxItem => ({ id: 1, attempts: 0, generation: 0, channel, payload });

async function failure(run: Promise<void>): Promise<DeliveryError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(err)}`);
  return err;
}

beforeEach(async () => {
  api = new FakeSlackApi(API_URL);
  storage = await memoryStorage();
  desk = new SupportDesk({ storage, logger: silentLogger, configured: { slack: { channel: 'slack', conversationId: SUPPORT } } });
  deliverer = new SlackDeliverer({ api: new SlackApi('xoxb-test-token', API_URL, silentLogger, { retries: false }), storage, desk, logger: silentLogger });
  const root = newTs();
  const { ticket } = await desk.ticketFromThread({
    ref: { channel: 'slack', conversationId: 'CGENERAL1', threadId: root, user: { id: 'U2', name: 'Alex <!channel>' } },
    messageId: root,
    messages: ['Alex: the printer jams <!here>'],
    by: { channel: 'slack', id: 'S1', name: 'Sam' },
    source: 'shortcut',
  });
  ticketId = ticket.id;
});

afterEach(async () => {
  nock.cleanAll();
  await storage.close();
});

describe('SlackDeliverer', () => {
  it('posts a ticket card once and records its thread, then updates that message in place', async () => {
    await deliverer.deliver(item({ kind: 'ticket-card', ticketId }));
    const [card] = api.posted();
    expect(card).toMatchObject({ channel: SUPPORT, thread_ts: undefined });
    expect(card!.text).toContain(ticketId);
    // Escaped: nobody pings the support channel through a ticket.
    expect(JSON.stringify(card!.blocks)).not.toContain('<!here>');
    expect(await storage.supportPostOf(ticketId)).toEqual({ channel: 'slack', conversationId: SUPPORT, messageId: card!.ts });

    await desk.act(ticketId, { kind: 'assign' }, { channel: 'slack', id: 'S1', name: 'Sam Staff' }, { channel: 'slack', conversationId: SUPPORT });
    await deliverer.deliver(item({ kind: 'ticket-card', ticketId }));
    expect(api.posted()).toHaveLength(1);
    expect(api.of('chat.update')).toHaveLength(1);
    expect(api.of('chat.update')[0]!.params).toMatchObject({ channel: SUPPORT, ts: card!.ts });
    expect(JSON.stringify(api.of('chat.update')[0]!.params.blocks)).toContain('Sam Staff');
  });

  it('puts thread notes under the card, and waits (CARD_NOT_POSTED) while there is no card', async () => {
    expect((await failure(deliverer.deliver(item({ kind: 'thread-note', ticketId, text: 'Sam took it.' })))).code).toBe('CARD_NOT_POSTED');
    await deliverer.deliver(item({ kind: 'ticket-card', ticketId }));
    await deliverer.deliver(item({ kind: 'thread-note', ticketId, text: 'Sam took it <@U9>.' }));
    const [card, note] = api.posted();
    expect(note).toMatchObject({ channel: SUPPORT, thread_ts: card!.ts, text: 'Sam took it &lt;@U9&gt;.' });
  });

  it('sends the requester their replies in their thread, questions as buttons that name the ticket question', async () => {
    const ref = { channel: 'slack' as const, conversationId: 'CGENERAL1', threadId: '1700000000.000100', user: { id: 'U2' } };
    await deliverer.deliver(
      item({
        kind: 'to-user',
        ticketId,
        ref,
        replies: [
          { kind: 'text', text: 'Resolved.' },
          { kind: 'question', nodeId: `ticket.solved:${ticketId}`, text: 'Is it solved?', options: [{ id: 'yes', label: 'Yes' }] },
        ],
      }),
    );
    const posted = api.posted();
    expect(posted.map((m) => [m.channel, m.thread_ts])).toEqual([
      ['CGENERAL1', ref.threadId],
      ['CGENERAL1', ref.threadId],
    ]);
    const button = posted[1]!.blocks.find((b) => b.type === 'actions').elements[0];
    expect(JSON.parse(button.value)).toEqual({ n: `ticket.solved:${ticketId}`, o: 'yes', t: ref.threadId });
  });

  it('turns a 429 into SLACK_RATE_LIMITED with its Retry-After, without waiting or retrying itself', async () => {
    api.queue('chat.postMessage', [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '7' }]);
    const err = await failure(deliverer.deliver(item({ kind: 'ticket-card', ticketId })));
    expect(err).toMatchObject({ code: 'SLACK_RATE_LIMITED', retryAfterMs: 7000 });
    expect(api.of('chat.postMessage')).toHaveLength(1);
    expect(await storage.supportPostOf(ticketId)).toBeUndefined();
  });

  it('does not post a notification’s first replies again when a later one failed', async () => {
    const ref = { channel: 'slack' as const, conversationId: 'D1', user: { id: 'U2' } };
    const notification = item({ kind: 'to-user', ticketId, ref, replies: [{ kind: 'text', text: 'one' }, { kind: 'text', text: 'two' }, { kind: 'text', text: 'three' }] });
    api.queueWhere('chat.postMessage', (p) => p.text === 'two', [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' }]);
    expect((await failure(deliverer.deliver(notification))).code).toBe('SLACK_RATE_LIMITED');
    await deliverer.deliver(notification);
    expect(api.posted().map((m) => m.text)).toEqual(['one', 'two', 'three']);
  });

  it('turns a 5xx into SLACK_UNREACHABLE after one try', async () => {
    api.queue('chat.postMessage', [503, { ok: false }]);
    const err = await failure(deliverer.deliver(item({ kind: 'ticket-card', ticketId })));
    expect(err).toMatchObject({ code: 'SLACK_UNREACHABLE', retryAfterMs: undefined });
    expect(api.of('chat.postMessage')).toHaveLength(1);
  });

  it('says SLACK_NOT_IN_CHANNEL when the bot cannot post in the support channel, and SLACK_API_ERROR for other refusals', async () => {
    api.queue('chat.postMessage', [200, { ok: false, error: 'channel_not_found' }], [200, { ok: false, error: 'not_authed' }]);
    const notIn = await failure(deliverer.deliver(item({ kind: 'ticket-card', ticketId })));
    expect(notIn.code).toBe('SLACK_NOT_IN_CHANNEL');
    expect(notIn.message).toContain('channel_not_found');
    const other = await failure(deliverer.deliver(item({ kind: 'ticket-card', ticketId })));
    expect(other.code).toBe('SLACK_API_ERROR');
    expect(other.message).toContain('not_authed');
  });

  it('sends a refused (invalid_blocks) notification again as plain text', async () => {
    api.queue('chat.postMessage', [200, { ok: false, error: 'invalid_blocks' }]);
    const ref = { channel: 'slack' as const, conversationId: 'D1', user: { id: 'U2' } };
    await deliverer.deliver(item({ kind: 'to-user', ticketId, ref, replies: [{ kind: 'text', text: 'Hello' }] }));
    expect(api.posted()).toEqual([expect.objectContaining({ channel: 'D1', text: 'Hello', blocks: [] })]);
  });

  it('posts nothing for a ticket with no support channel (its card is queued again when one is set) or worked in Teams', async () => {
    const none = new SupportDesk({ storage, logger: silentLogger });
    const bare = new SlackDeliverer({ api: new SlackApi('xoxb-test-token', API_URL, silentLogger, { retries: false }), storage, desk: none, logger: silentLogger });
    await bare.deliver(item({ kind: 'ticket-card', ticketId }));
    await bare.deliver(item({ kind: 'thread-note', ticketId, text: 'Sam took it.' }));
    const teamsOnly = new SupportDesk({ storage, logger: silentLogger, configured: { teams: { channel: 'teams', conversationId: '19:desk@thread.tacv2', serviceUrl: 'https://smba.example/' } } });
    const moved = new SlackDeliverer({ api: new SlackApi('xoxb-test-token', API_URL, silentLogger, { retries: false }), storage, desk: teamsOnly, logger: silentLogger });
    await moved.deliver(item({ kind: 'ticket-card', ticketId }));
    expect(api.of('chat.postMessage')).toHaveLength(0);
    // A thread line waits for a card that is still to be posted in Slack.
    expect((await failure(deliverer.deliver(item({ kind: 'thread-note', ticketId, text: 'Sam took it.' })))).code).toBe('CARD_NOT_POSTED');
  });
});
