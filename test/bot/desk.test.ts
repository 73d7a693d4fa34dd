import { SupportDesk, SOLVED_QUESTION } from '../../src/bot/desk';
import type { ConversationRef } from '../../src/bot/messages';
import type { NewTicket, OutboxItem, Person, Storage, Ticket } from '../../src/bot/ports';
import { silentLogger } from '../../src/logger';
import { TriageEngine } from '../../src/bot/engine';
import { createRouter } from '../../src/bot/router';
import { Chat, fixtureCatalogue, memoryStorage } from '../helpers/fixtures';

const teamsRef: ConversationRef = { channel: 'teams', conversationId: 'a:personal-1', user: { id: '29:pat', name: 'Pat Example' } };
const sam: Person = { channel: 'slack', id: 'U-SAM', name: 'Sam' };
const kim: Person = { channel: 'slack', id: 'U-KIM', name: 'Kim' };
const SUPPORT = { channel: 'slack', conversationId: 'C-SUPPORT' } as const;

async function createTicket(storage: Storage, ref: ConversationRef = teamsRef): Promise<Ticket> {
  const ticket: NewTicket = {
    id: 'HD-1001',
    number: 1001,
    dedupeKey: 'k#1',
    conversationKey: 'k',
    requester: { channel: ref.channel, userId: ref.user.id, name: ref.user.name },
    ref,
    flowId: 'account-locked',
    reason: 'The user asked to talk to a person.',
    trail: [],
    createdAt: '2026-11-23T10:00:00.000Z',
  };
  await storage.commitTurn({ key: 'k', expectedVersion: 0, state: { episode: 1 }, transcript: [], ticket });
  return (await storage.getTicket('HD-1001'))!;
}

const drain = async (storage: Storage): Promise<OutboxItem[]> => {
  const items = await storage.leaseOutbox(100, 60_000);
  for (const item of items) await storage.completeOutbox(item);
  return items;
};

describe('support desk: staff actions on a ticket', () => {
  let storage: Storage;
  let desk: SupportDesk;
  let queued = 0;

  beforeEach(async () => {
    storage = await memoryStorage();
    queued = 0;
    desk = new SupportDesk({ storage, logger: silentLogger, configured: { slack: SUPPORT }, onQueued: () => queued++ });
  });
  afterEach(() => storage.close());

  /** The triage engine on the fixture catalogue, announcing tickets through this desk. */
  const engineWithDesk = (onQueued?: () => void) => {
    const catalogue = fixtureCatalogue();
    return new TriageEngine({ catalogue, storage, router: createRouter(catalogue), logger: silentLogger, desk, ...(onQueued ? { onQueued } : {}) });
  };

  it("works a Teams user's ticket in the Slack support channel when only Slack has one", async () => {
    const ticket = await createTicket(storage);
    expect(await desk.channelFor(ticket)).toEqual(SUPPORT);
    expect(await desk.announce(ticket)).toEqual([{ channel: 'slack', payload: { kind: 'ticket-card', ticketId: 'HD-1001' }, coalesceKey: 'card:slack:HD-1001' }]);
  });

  it('keeps a ticket in the support channel where its card was posted', async () => {
    const teamsSupport = { channel: 'teams' as const, conversationId: '19:support@thread.tacv2', serviceUrl: 'https://smba.example/' };
    const both = new SupportDesk({ storage, logger: silentLogger, configured: { slack: SUPPORT, teams: teamsSupport } });
    const ticket = await createTicket(storage, { ...teamsRef, channel: 'slack' });
    expect(await both.channelFor(ticket)).toEqual(SUPPORT);
    await storage.linkSupportThread(ticket.id, { channel: 'teams', conversationId: teamsSupport.conversationId, messageId: 'act-1' });
    expect(await both.channelFor(ticket)).toEqual(teamsSupport);
  });

  it('moves the support channel in chat only after staff released the current one, and keeps posted tickets where they are', async () => {
    const before = await createTicket(storage);
    await storage.linkSupportThread(before.id, { channel: 'slack', conversationId: SUPPORT.conversationId, messageId: '1.1' });
    const taken = await desk.useChannel({ channel: 'slack', conversationId: 'C-NEW' }, sam);
    expect(taken).toMatchObject({ ok: false, code: 'SUPPORT_CHANNEL_TAKEN' });
    expect(await desk.isSupportChannel('slack', 'C-NEW')).toBe(false);
    expect(await desk.releaseChannel({ channel: 'slack', conversationId: 'C-ELSEWHERE' }, sam)).toMatchObject({ ok: false, code: 'NOT_SUPPORT_CHANNEL' });

    expect(await desk.releaseChannel(SUPPORT, sam)).toMatchObject({ ok: true });
    expect(await desk.supportChannel('slack')).toBeUndefined();
    expect(await desk.useChannel({ channel: 'slack', conversationId: 'C-NEW' }, sam)).toMatchObject({ ok: true, message: expect.stringMatching(/^Done/) });
    expect(await desk.isSupportChannel('slack', 'C-NEW')).toBe(true);
    expect(await desk.isSupportChannel('slack', SUPPORT.conversationId)).toBe(false);
    expect(await desk.useChannel({ channel: 'slack', conversationId: 'C-NEW' }, sam)).toMatchObject({ ok: true, message: expect.stringMatching(/already the support channel/) });
    // The ticket posted in the old channel is still worked there.
    expect(await desk.act(before.id, { kind: 'assign' }, sam, SUPPORT)).toMatchObject({ ok: true });
    expect((await drain(storage)).map((i) => i.payload.kind)).toEqual(['ticket-card', 'thread-note', 'to-user']);
  });

  it('lets nobody claim a support channel in chat on a platform whose tickets are already worked on the other one', async () => {
    // Slack is configured (SUPPORT): a Teams team owner cannot pull Teams users' tickets into their channel.
    const claim = await desk.useChannel({ channel: 'teams', conversationId: '19:mine@thread.tacv2', serviceUrl: 'https://smba.example/' }, sam);
    expect(claim).toMatchObject({ ok: false, code: 'SUPPORT_CHANNEL_TAKEN', message: expect.stringContaining('TEAMS_SUPPORT_CHANNEL') });
    expect(await desk.supportChannel('teams')).toBeUndefined();
  });

  it('moves a ticket whose card was never posted to the platform that takes over, and the old platform leaves it alone', async () => {
    const ticket = await createTicket(storage);
    const [pending] = await desk.announce(ticket);
    expect(pending).toEqual({ channel: 'slack', payload: { kind: 'ticket-card', ticketId: ticket.id }, coalesceKey: `card:slack:${ticket.id}` });
    expect(await desk.cardPlace(ticket, 'slack')).toEqual({ kind: 'post', support: SUPPORT });
    expect(await desk.cardPlace(ticket, 'teams')).toMatchObject({ kind: 'elsewhere' });
    await desk.releaseChannel(SUPPORT, sam);
    const teamsDesk = { channel: 'teams' as const, conversationId: '19:desk@thread.tacv2', serviceUrl: 'https://smba.example/' };
    expect(await desk.useChannel(teamsDesk, sam)).toMatchObject({ ok: true });
    expect(await desk.cardPlace(ticket, 'slack')).toMatchObject({ kind: 'elsewhere', reason: 'it is worked in teams' });
    expect(await desk.cardPlace(ticket, 'teams')).toEqual({ kind: 'post', support: teamsDesk });
    expect(await desk.notePlace(ticket.id, 'teams')).toEqual({ kind: 'wait' });
    // The Teams card is its own outbox item, not merged into the Slack one waiting in vain.
    expect((await drain(storage)).map((i) => i.coalesceKey)).toEqual([`card:teams:${ticket.id}`]);
    await storage.linkSupportThread(ticket.id, { channel: 'teams', conversationId: teamsDesk.conversationId, messageId: 'act-9' });
    expect(await desk.notePlace(ticket.id, 'teams')).toEqual({ kind: 'post', post: { channel: 'teams', conversationId: teamsDesk.conversationId, messageId: 'act-9' } });
    expect(await desk.notePlace(ticket.id, 'slack')).toMatchObject({ kind: 'elsewhere' });
  });

  it('posts the cards of open tickets that had no support channel when one is set', async () => {
    const bare = new SupportDesk({ storage, logger: silentLogger, onQueued: () => queued++ });
    const ticket = await createTicket(storage);
    expect(await bare.announce(ticket)).toEqual([]);
    const set = await bare.useChannel({ channel: 'teams', conversationId: '19:desk@thread.tacv2', serviceUrl: 'https://smba.example/' }, sam);
    expect(set).toMatchObject({ ok: true, message: expect.stringContaining('One open ticket that had no card is posted now.') });
    expect((await drain(storage)).map((i) => [i.channel, i.payload])).toEqual([['teams', { kind: 'ticket-card', ticketId: ticket.id }]]);
    expect(await bare.serviceUrlOf('teams')).toBe('https://smba.example/');
  });

  it('assigns, reassigns, resolves and reopens, updating the card, noting the thread and telling the user', async () => {
    await createTicket(storage);
    const assigned = await desk.act('HD-1001', { kind: 'assign' }, sam, SUPPORT);
    expect(assigned).toMatchObject({ ok: true, ticket: { status: 'assigned', assignee: sam, revision: 2 } });
    let items = await drain(storage);
    expect(items.map((i) => [i.channel, i.payload.kind])).toEqual([
      ['slack', 'ticket-card'],
      ['slack', 'thread-note'],
      ['teams', 'to-user'],
    ]);
    expect(items[1]!.payload).toMatchObject({ text: 'Sam took HD-1001.' });
    expect(items[2]!.payload).toMatchObject({ ref: teamsRef, replies: [{ kind: 'text', text: expect.stringContaining('Sam from IT support is now working on your ticket HD-1001') }] });

    expect(await desk.act('HD-1001', { kind: 'reassign', to: kim }, sam, SUPPORT)).toMatchObject({ ok: true, ticket: { assignee: kim } });
    expect((await drain(storage))[1]!.payload).toMatchObject({ text: 'Sam assigned HD-1001 to Kim.' });

    const resolved = await desk.act('HD-1001', { kind: 'resolve' }, kim, SUPPORT);
    expect(resolved).toMatchObject({ ok: true, ticket: { status: 'resolved' } });
    items = await drain(storage);
    const toUser = items.find((i) => i.payload.kind === 'to-user')!.payload;
    expect(toUser.kind === 'to-user' && toUser.replies.map((r) => r.kind === 'question' && r.nodeId)).toEqual([`${SOLVED_QUESTION}:HD-1001`, 'ticket.rating:HD-1001']);

    expect(await desk.act('HD-1001', { kind: 'reopen' }, kim, SUPPORT)).toMatchObject({ ok: true, ticket: { status: 'assigned', assignee: kim } });
    const history = (await storage.getTicket('HD-1001'))!.history.map((e) => e.kind);
    expect(history).toEqual(['created', 'assigned', 'assigned', 'resolved', 'reopened']);
    expect(queued).toBe(4);
  });

  it('refuses actions from outside the support channel and changes nothing', async () => {
    await createTicket(storage);
    const result = await desk.act('HD-1001', { kind: 'resolve' }, sam, { channel: 'slack', conversationId: 'C-RANDOM' });
    expect(result).toEqual({ ok: false, code: 'NOT_SUPPORT_CHANNEL', message: 'Ticket actions work only in the support channel.' });
    expect(await desk.act('HD-1001', { kind: 'resolve' }, sam, { channel: 'teams', conversationId: 'C-SUPPORT' })).toMatchObject({ ok: false, code: 'NOT_SUPPORT_CHANNEL' });
    expect(await storage.getTicket('HD-1001')).toMatchObject({ status: 'open', revision: 1 });
    expect(await drain(storage)).toEqual([]);
  });

  it('refuses transitions that make no sense, with a message for the staff member', async () => {
    await createTicket(storage);
    expect(await desk.act('HD-1001', { kind: 'reopen' }, sam, SUPPORT)).toMatchObject({ ok: false, code: 'INVALID_TRANSITION', message: 'HD-1001 is not resolved.' });
    expect(await desk.act('HD-9999', { kind: 'assign' }, sam, SUPPORT)).toMatchObject({ ok: false, code: 'TICKET_NOT_FOUND' });
    await desk.act('HD-1001', { kind: 'assign' }, sam, SUPPORT);
    expect(await desk.act('HD-1001', { kind: 'assign' }, sam, SUPPORT)).toMatchObject({ ok: false, message: 'HD-1001 is already assigned to Sam.' });
  });

  it('applies two simultaneous clicks one after the other, never losing either', async () => {
    await createTicket(storage);
    const [a, b] = await Promise.all([desk.act('HD-1001', { kind: 'assign' }, sam, SUPPORT), desk.act('HD-1001', { kind: 'assign' }, kim, SUPPORT)]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect((await storage.getTicket('HD-1001'))!.revision).toBe(3);
  });

  it('reopens when the requester says it is not solved, and records a rating', async () => {
    await createTicket(storage);
    await desk.act('HD-1001', { kind: 'resolve' }, sam, SUPPORT);
    expect(await desk.requesterVerdict('HD-1001', 'someone-else', false)).toMatchObject({ ok: false, code: 'TICKET_NOT_FOUND' });
    expect(await desk.requesterVerdict('HD-1001', '29:pat', false)).toMatchObject({ ok: true, ticket: { status: 'open' } });
    expect(await desk.rate('HD-1001', '29:pat', 6)).toMatchObject({ ok: false });
    expect(await desk.rate('HD-1001', '29:pat', 4)).toMatchObject({ ok: true, ticket: { rating: 4 } });
  });

  it('relays staff thread messages to the user and user messages to the thread', async () => {
    const ticket = await createTicket(storage);
    const post = { channel: 'slack' as const, conversationId: 'C-SUPPORT', messageId: '1700000000.000100' };
    await storage.linkSupportThread(ticket.id, post);
    expect(await desk.relayFromStaff({ ...post, messageId: 'other' }, sam, 'hello')).toBeUndefined();
    expect((await desk.relayFromStaff(post, sam, 'Can you try signing out of Teams?'))?.id).toBe('HD-1001');
    await storage.enqueueOutbox(await desk.relayFromUser(ticket, 'Done, it still fails'));
    const items = await drain(storage);
    expect(items.map((i) => i.payload)).toEqual([
      { kind: 'to-user', ticketId: 'HD-1001', ref: teamsRef, replies: [{ kind: 'text', text: 'Sam (IT support, HD-1001): Can you try signing out of Teams?' }] },
      { kind: 'thread-note', ticketId: 'HD-1001', text: 'Pat Example: Done, it still fails' },
    ]);
  });

  it('queues nothing for a web chat requester, who cannot be reached proactively', async () => {
    await createTicket(storage, { channel: 'web', conversationId: 'c', user: { id: 'w1' } });
    await desk.act('HD-1001', { kind: 'assign' }, sam, SUPPORT);
    expect((await drain(storage)).map((i) => i.payload.kind)).toEqual(['ticket-card', 'thread-note']);
  });

  it('queues the new ticket\'s card with the escalating turn, once, however often the user asks', async () => {
    const engine = engineWithDesk(() => queued++);
    const chat = new Chat(engine, teamsRef);
    await chat.say('wifi broken');
    await chat.say('talk to someone');
    await chat.say('talk to someone');
    expect((await drain(storage)).map((i) => i.payload)).toEqual([{ kind: 'ticket-card', ticketId: 'HD-1001' }]);
    expect(queued).toBe(1);
  });

  it("relays the user's messages to the open ticket's thread, and handles the resolve questions", async () => {
    const engine = engineWithDesk();
    const chat = new Chat(engine, teamsRef);
    await chat.say('wifi broken');
    await chat.say('talk to someone');
    await chat.finishIntake();
    await drain(storage);
    const relayed = await chat.say('It also fails on my phone');
    expect(relayed).toEqual([{ kind: 'text', text: expect.stringContaining('passed that on to the support team with your ticket HD-1001') }]);
    expect((await drain(storage)).map((i) => i.payload)).toEqual([{ kind: 'thread-note', ticketId: 'HD-1001', text: 'Pat Example: It also fails on my phone' }]);

    await desk.act('HD-1001', { kind: 'resolve' }, sam, SUPPORT);
    await drain(storage);
    const stale = await chat.say('hello?');
    expect(stale.some((r) => r.kind === 'text' && r.text.includes('passed that on'))).toBe(false); // resolved: back to triage
    const verdict = await chat.choose('ticket.solved:HD-1001', 'no');
    expect(verdict[0]!.text).toMatch(/reopened HD-1001/);
    expect((await storage.getTicket('HD-1001'))!.status).toBe('open');
    expect(await chat.choose('ticket.rating:HD-1001', '2')).toEqual([{ kind: 'text', text: 'Thank you for the rating.' }]);
    expect((await storage.getTicket('HD-1001'))!.rating).toBe(2);
    // Someone else's click on the same question changes nothing.
    const other = new Chat(engine, { ...teamsRef, conversationId: 'a:other', user: { id: '29:eve' } });
    expect((await other.choose('ticket.rating:HD-1001', '5'))[0]!.text).toMatch(/no ticket HD-1001 of yours/);
    expect((await storage.getTicket('HD-1001'))!.rating).toBe(2);

    await chat.say('restart');
    const fresh = await chat.say('wifi broken');
    expect(fresh.some((r) => r.kind === 'question')).toBe(true);
  });

  it('turns a chat thread into one ticket with the original poster as requester', async () => {
    const poster: ConversationRef = { channel: 'slack', conversationId: 'C-GENERAL', threadId: '1700000000.000100', user: { id: 'U-PAT', name: 'Pat' } };
    const request = {
      ref: poster,
      messageId: '1700000000.000100',
      messages: ['Pat: Outlook keeps asking for my password since this morning\nand Teams too', 'Kim: same here'],
      by: sam,
      source: 'reaction' as const,
    };
    const first = await desk.ticketFromThread(request);
    const again = await desk.ticketFromThread({ ...request, source: 'shortcut' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ ticket: first.ticket, created: false });
    expect(first.ticket).toMatchObject({
      id: 'HD-1001',
      requester: { channel: 'slack', userId: 'U-PAT', name: 'Pat' },
      ref: poster,
      summary: 'Pat: Outlook keeps asking for my password since this morning',
      messages: request.messages,
      status: 'open',
    });
    expect((await drain(storage)).map((i) => i.payload)).toEqual([{ kind: 'ticket-card', ticketId: 'HD-1001' }]);
  });

  it("relays the original poster's words in the thread to a ticket made from it, and nobody else's", async () => {
    const engine = engineWithDesk();
    const poster: ConversationRef = { channel: 'slack', conversationId: 'C-GENERAL', threadId: '1700000000.000100', user: { id: 'U-PAT', name: 'Pat' } };
    const { ticket } = await desk.ticketFromThread({ ref: poster, messageId: '1700000000.000100', messages: ['Pat: VPN drops every hour'], by: sam, source: 'shortcut' });
    await drain(storage);
    const relayed = await new Chat(engine, poster).say('It dropped again just now');
    expect(relayed[0]!.text).toMatch(new RegExp(`passed that on to the support team with your ticket ${ticket.id}`));
    expect((await drain(storage)).map((i) => i.payload)).toEqual([{ kind: 'thread-note', ticketId: ticket.id, text: 'Pat: It dropped again just now' }]);
    // Someone else in the same thread is not the requester: their words start a triage, not a relay.
    const other = await new Chat(engine, { ...poster, user: { id: 'U-KIM', name: 'Kim' } }).say('wifi broken');
    expect(other.some((r) => r.kind === 'question')).toBe(true);
    expect(await drain(storage)).toEqual([]);
  });

  it('opens a new ticket when the user asks for a person after their ticket was resolved', async () => {
    const engine = engineWithDesk();
    const chat = new Chat(engine, teamsRef);
    await chat.say('wifi broken');
    await chat.say('talk to someone');
    await chat.finishIntake();
    await desk.act('HD-1001', { kind: 'resolve' }, sam, SUPPORT);
    const again = await chat.say('talk to someone');
    const escalation = again.find((r) => r.kind === 'escalation');
    expect(escalation).toMatchObject({ ticketId: 'HD-1002', text: expect.stringContaining('I have opened ticket HD-1002') });
    expect((await storage.getTicket('HD-1001'))!.status).toBe('resolved');
    expect((await storage.getTicket('HD-1002'))!.status).toBe('open');
    // The new ticket is the open one now: the user's words go to its thread.
    await drain(storage);
    expect((await chat.say('Still no wifi'))[0]!.text).toMatch(/your ticket HD-1002/);
  });
});
