/** The Teams deliverer against a fake connector client: addressing, linking, and how failures are reported. */
import type { ConnectorClient } from 'botframework-connector';
import { TeamsDeliverer } from '../../../src/adapters/teams/deliverer';
import { SupportDesk } from '../../../src/bot/desk';
import type { ConversationRef } from '../../../src/bot/messages';
import { DeliveryError } from '../../../src/bot/outbox';
import type { OutboxItem, OutboxPayload, Storage } from '../../../src/bot/ports';
import { silentLogger } from '../../../src/logger';
import { memoryStorage } from '../../helpers/fixtures';

const SERVICE = 'https://smba.example/emea/';
const SUPPORT = '19:support@thread.tacv2';

interface Sent {
  readonly op: 'send' | 'update';
  readonly serviceUrl: string;
  readonly conversationId: string;
  readonly activityId?: string;
  readonly activity: Record<string, any>;
}

function fakeConnector() {
  const sent: Sent[] = [];
  const failures: Error[] = [];
  let n = 0;
  const connector = (serviceUrl: string) =>
    Promise.resolve({
      conversations: {
        sendToConversation: (conversationId: string, activity: Record<string, any>) => {
          const failure = failures.shift();
          if (failure) return Promise.reject(failure);
          sent.push({ op: 'send', serviceUrl, conversationId, activity });
          return Promise.resolve({ id: `posted-${++n}` });
        },
        updateActivity: (conversationId: string, activityId: string, activity: Record<string, any>) => {
          const failure = failures.shift();
          if (failure) return Promise.reject(failure);
          sent.push({ op: 'update', serviceUrl, conversationId, activityId, activity });
          return Promise.resolve({ id: activityId });
        },
      },
    } as unknown as ConnectorClient);
  return { connector, sent, failures };
}

const httpError = (statusCode: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`HTTP ${statusCode}`), { statusCode, response: { headers: { get: (name: string) => headers[name] } } });

const item = (payload: OutboxPayload, channel: OutboxItem['channel'] = 'teams'): OutboxItem => ({ id: 1, channel, payload, attempts: 0, generation: 0 });

const requester: ConversationRef = { channel: 'teams', conversationId: '19:general@thread.tacv2', threadId: '1700000000001', user: { id: 'aad-op', name: 'Olive' }, serviceUrl: SERVICE };

describe('TeamsDeliverer', () => {
  let storage: Storage;
  let desk: SupportDesk;
  let fake: ReturnType<typeof fakeConnector>;
  let deliverer: TeamsDeliverer;

  const makeTicket = async (ref: ConversationRef = requester) =>
    (await desk.ticketFromThread({ ref, messageId: ref.threadId ?? 'm1', messages: ['Olive: Outlook crashes'], by: { channel: 'teams', id: 'aad-staff' }, source: 'message action' })).ticket;

  beforeEach(async () => {
    storage = await memoryStorage();
    desk = new SupportDesk({ storage, logger: silentLogger, configured: { teams: { channel: 'teams', conversationId: SUPPORT, serviceUrl: SERVICE } } });
    fake = fakeConnector();
    deliverer = new TeamsDeliverer({ storage, desk, logger: silentLogger, connector: fake.connector });
  });

  afterEach(() => storage.close());

  it('posts the card as a new post the first time, links it, then updates that post', async () => {
    const ticket = await makeTicket();
    await deliverer.deliver(item({ kind: 'ticket-card', ticketId: ticket.id }));
    expect(fake.sent).toEqual([expect.objectContaining({ op: 'send', serviceUrl: SERVICE, conversationId: SUPPORT })]);
    expect(fake.sent[0]!.activity.attachments[0].content.body[0].text).toContain(ticket.id);
    expect(await storage.supportPostOf(ticket.id)).toEqual({ channel: 'teams', conversationId: SUPPORT, messageId: 'posted-1' });

    await deliverer.deliver(item({ kind: 'ticket-card', ticketId: ticket.id }));
    expect(fake.sent[1]).toMatchObject({ op: 'update', conversationId: SUPPORT, activityId: 'posted-1', activity: { id: 'posted-1', type: 'message' } });
  });

  it('notes in the card thread, and waits while the card is not posted', async () => {
    const ticket = await makeTicket();
    await expect(deliverer.deliver(item({ kind: 'thread-note', ticketId: ticket.id, text: 'hi' }))).rejects.toMatchObject({ code: 'CARD_NOT_POSTED' });
    await deliverer.deliver(item({ kind: 'ticket-card', ticketId: ticket.id }));
    await deliverer.deliver(item({ kind: 'thread-note', ticketId: ticket.id, text: 'Sam took it.' }));
    expect(fake.sent[1]).toMatchObject({ op: 'send', conversationId: `${SUPPORT};messageid=posted-1`, activity: { text: 'Sam took it.', textFormat: 'plain' } });
  });

  it('sends the user replies in their thread through their own serviceUrl, rendered as Teams messages', async () => {
    const other = 'https://smba.example/amer/';
    await deliverer.deliver(
      item({
        kind: 'to-user',
        ticketId: 'HD-1',
        ref: { ...requester, serviceUrl: other },
        replies: [
          { kind: 'text', text: 'Hello' },
          { kind: 'question', nodeId: 'ticket.solved:HD-1', text: 'Solved?', options: [{ id: 'yes', label: 'Yes' }] },
        ],
      }),
    );
    expect(fake.sent.map((s) => [s.serviceUrl, s.conversationId])).toEqual([
      [other, '19:general@thread.tacv2;messageid=1700000000001'],
      [other, '19:general@thread.tacv2;messageid=1700000000001'],
    ]);
    expect(fake.sent[1]!.activity.attachments[0].content.actions[0].data).toEqual({ nodeId: 'ticket.solved:HD-1', optionId: 'yes' });
  });

  it('reaches a user whose ref has no serviceUrl through the support channel’s', async () => {
    const { serviceUrl: _dropped, ...old } = requester;
    await deliverer.deliver(item({ kind: 'to-user', ticketId: 'HD-1', ref: { ...old, threadId: undefined }, replies: [{ kind: 'text', text: 'Hi' }] }));
    expect(fake.sent).toEqual([expect.objectContaining({ serviceUrl: SERVICE, conversationId: '19:general@thread.tacv2' })]);
  });

  it('drops a user notice the bot cannot deliver there (403/404), but retries one that failed otherwise', async () => {
    const notice = item({ kind: 'to-user', ticketId: 'HD-1', ref: requester, replies: [{ kind: 'text', text: 'Hi' }] });
    fake.failures.push(httpError(403));
    await expect(deliverer.deliver(notice)).resolves.toBeUndefined();
    fake.failures.push(httpError(503));
    await expect(deliverer.deliver(notice)).rejects.toMatchObject({ code: 'TEAMS_API_FAILED' });
    fake.failures.push(httpError(429, { 'retry-after': '2' }));
    await expect(deliverer.deliver(notice)).rejects.toMatchObject({ code: 'TEAMS_THROTTLED', retryAfterMs: 2000 });
    expect(fake.sent).toEqual([]);
  });

  it('does not send a notice’s first replies again when a later one failed', async () => {
    const notice = item({ kind: 'to-user', ticketId: 'HD-1', ref: requester, replies: ['one', 'two', 'three'].map((text) => ({ kind: 'text' as const, text })) });
    // The first send goes through (an empty slot), the second is throttled.
    fake.failures.push(undefined as unknown as Error, httpError(429, { 'retry-after': '1' }));
    await expect(deliverer.deliver(notice)).rejects.toMatchObject({ code: 'TEAMS_THROTTLED' });
    await deliverer.deliver(notice);
    expect(fake.sent.map((c) => (c.activity as { text?: string }).text)).toEqual(['one', 'two', 'three']);
  });

  it('reports 429 with its Retry-After, and other failures, as DeliveryErrors', async () => {
    const ticket = await makeTicket();
    fake.failures.push(httpError(429, { 'retry-after': '7' }));
    const throttled = await deliverer.deliver(item({ kind: 'ticket-card', ticketId: ticket.id })).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(DeliveryError);
    expect(throttled).toMatchObject({ code: 'TEAMS_THROTTLED', retryAfterMs: 7000 });

    fake.failures.push(httpError(502));
    const failed = await deliverer.deliver(item({ kind: 'ticket-card', ticketId: ticket.id })).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'TEAMS_API_FAILED', retryAfterMs: undefined });
    expect((failed as Error).message).toContain('HTTP 502');

    fake.failures.push(new Error('socket hang up'));
    await expect(deliverer.deliver(item({ kind: 'ticket-card', ticketId: ticket.id }))).rejects.toMatchObject({ code: 'TEAMS_API_FAILED' });
    // None of it linked a post: the next attempt posts the card.
    expect(await storage.supportPostOf(ticket.id)).toBeUndefined();
    await deliverer.deliver(item({ kind: 'ticket-card', ticketId: ticket.id }));
    expect(fake.sent).toHaveLength(1);
  });

  it('posts nothing while no support channel is set (the card is queued again when one is), and refuses items of other channels', async () => {
    const bare = new SupportDesk({ storage, logger: silentLogger });
    const lonely = new TeamsDeliverer({ storage, desk: bare, logger: silentLogger, connector: fake.connector });
    const ticket = await makeTicket();
    await lonely.deliver(item({ kind: 'ticket-card', ticketId: ticket.id }));
    await lonely.deliver(item({ kind: 'thread-note', ticketId: ticket.id, text: 'Sam took it.' }));
    await expect(deliverer.deliver(item({ kind: 'ticket-card', ticketId: ticket.id }, 'slack'))).rejects.toMatchObject({ code: 'WRONG_CHANNEL' });
    expect(fake.sent).toEqual([]);
  });
});
