/**
 * Escalation to support staff in Teams, over real HTTP in local mode: the user's DM escalates,
 * the ticket card is posted as a new thread in the support channel (nock at the serviceUrl),
 * staff work it with the card's buttons and in its thread, and the requester is told proactively.
 */
import nock from 'nock';
import type { Ticket } from '../../../src/bot/ports';
import { createTestSchema, type TestSchema } from '../../helpers/postgres';
import { startApp, type RunningApp } from '../../helpers/server';
import {
  BOT,
  cardOf,
  cardPosts,
  CHANNEL,
  channelMessage,
  DM,
  escalate,
  factsOf,
  FakeConnector,
  nockTokenEndpoint,
  notes,
  personalMessage,
  postActivity,
  SERVICE_URL,
  STAFF,
  submit,
  TEAM,
  thread,
  ticketClick,
  TokenIssuer,
  toUser,
} from './teams-helpers';

type Json = Record<string, any>;

const OTHER_CHANNEL = '19:general@thread.tacv2';
const OP = { id: '29:op-1', name: 'Olive Poster', aadObjectId: 'aad-op-1' };
const ENV = { TEAMS_SUPPORT_CHANNEL: CHANNEL, TEAMS_SERVICE_URL: SERVICE_URL };

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Teams support desk over HTTP', () => {
  let running: RunningApp;
  let connector: FakeConnector;

  beforeEach(() => {
    connector = new FakeConnector();
  });

  afterEach(async () => {
    await running?.stop();
    nock.cleanAll();
  });

  it('posts the card as a new thread in the support channel; assign, reassign, resolve and reopen update it in place, note the thread and tell the user', async () => {
    running = await startApp({ env: ENV });
    const ticketId = await escalate(running.base, connector);

    const [card] = await waitFor(() => (cardPosts(connector).length > 0 ? cardPosts(connector) : undefined), 'the ticket card');
    expect(cardPosts(connector)).toHaveLength(1);
    expect(cardOf(card!)!.body[0].text).toContain(ticketId);
    expect(factsOf(card!)).toMatchObject({ Status: 'Open' });
    const cardId = card!.postedId;
    expect(await running.app.storage.supportPostOf(ticketId)).toEqual({ channel: 'teams', conversationId: CHANNEL, messageId: cardId });
    expect((cardOf(card!)!.actions as Json[]).map((a): unknown => a.title)).toEqual(expect.arrayContaining(['Assign to me']));

    // Assign to me.
    connector.clear();
    expect((await postActivity(running.base, ticketClick({ ticketAction: 'assign', ticketId }, cardId))).status).toBe(200);
    await waitFor(() => toUser(connector).length > 0 && notes(connector, cardId).length > 0 && connector.updates.length > 0, 'assign deliveries');
    expect(connector.updates).toHaveLength(1);
    expect(connector.updates[0]!.conversationId).toBe(CHANNEL);
    expect(connector.updates[0]!.activityId).toBe(cardId);
    expect(factsOf(connector.updates[0]!)).toMatchObject({ Status: 'Assigned', Assignee: 'Sam Staff' });
    expect(notes(connector, cardId)).toEqual([`Sam Staff took ${ticketId}.`]);
    expect(toUser(connector)[0]!.body.text).toBe(`Sam Staff from IT support is now working on your ticket ${ticketId}. They will reply here.`);
    // Nothing went back to the clicker: the card, the thread and the user tell the story.
    expect(connector.messages.filter((c) => c.conversationId === thread(CHANNEL, cardId) && c.activityId !== undefined)).toEqual([]);

    // Reassign with the people picker: the name comes from the team's roster.
    connector.clear();
    const roster = nock('https://smba.trafficmanager.net')
      .get(`/amer/v3/conversations/${encodeURIComponent(TEAM)}/members/aad-robin`)
      .reply(200, { id: '29:robin', name: 'Robin Admin', aadObjectId: 'aad-robin' });
    await postActivity(running.base, ticketClick({ ticketAction: 'reassign', ticketId, assignee: 'aad-robin' }, cardId));
    await waitFor(() => toUser(connector).length > 0 && connector.updates.length > 0, 'reassign deliveries');
    expect(roster.isDone()).toBe(true);
    expect(factsOf(connector.updates[0]!)).toMatchObject({ Assignee: 'Robin Admin' });
    expect(notes(connector, cardId)).toEqual([`Sam Staff assigned ${ticketId} to Robin Admin.`]);
    expect((await running.app.storage.getTicket(ticketId))!.assignee).toEqual({ channel: 'teams', id: 'aad-robin', name: 'Robin Admin' });

    // Resolve: the user is asked whether it is solved, proactively, and "No" reopens it.
    connector.clear();
    await postActivity(running.base, ticketClick({ ticketAction: 'resolve', ticketId }, cardId));
    await waitFor(() => toUser(connector).length >= 2 && connector.updates.length > 0, 'resolve deliveries');
    expect(factsOf(connector.updates[0]!)).toMatchObject({ Status: 'Resolved' });
    expect(notes(connector, cardId)).toEqual([`Sam Staff resolved ${ticketId}.`]);
    const solved = toUser(connector)[0]!;
    expect((cardOf(solved)!.actions as Json[]).map((a): unknown => a.data)).toEqual([
      { nodeId: `ticket.solved:${ticketId}`, optionId: 'yes' },
      { nodeId: `ticket.solved:${ticketId}`, optionId: 'no' },
    ]);
    expect(cardOf(toUser(connector)[1]!)!.actions).toHaveLength(5);

    connector.clear();
    await postActivity(running.base, submit({ nodeId: `ticket.solved:${ticketId}`, optionId: 'no' }, solved.postedId));
    expect(connector.messages.map((c): unknown => c.body.text)).toContain(`Sorry about that. I have reopened ${ticketId} and told the support team; they will reply here.`);
    expect((await running.app.storage.getTicket(ticketId))!.status).toBe('assigned');
    await waitFor(() => notes(connector, cardId).length > 0 && connector.updates.length > 0, 'the reopen by the requester');
    expect(notes(connector, cardId)).toEqual([`${ticketId} was reopened by the requester: not solved.`]);

    // Resolve again, then staff reopen from the card.
    await postActivity(running.base, ticketClick({ ticketAction: 'resolve', ticketId }, cardId));
    await waitFor(() => notes(connector, cardId).length > 1, 'the second resolve');
    connector.clear();
    await postActivity(running.base, ticketClick({ ticketAction: 'reopen', ticketId }, cardId));
    await waitFor(() => toUser(connector).length > 0 && notes(connector, cardId).length > 0 && connector.updates.length > 0, 'reopen deliveries');
    expect(factsOf(connector.updates.at(-1)!)).toMatchObject({ Status: 'Assigned' });
    expect(notes(connector, cardId)).toEqual([`Sam Staff reopened ${ticketId}.`]);
    expect(toUser(connector)[0]!.body.text).toBe(`IT support reopened your ticket ${ticketId}. They will reply here.`);
    // Every update was the same post: no second card.
    expect(cardPosts(connector)).toEqual([]);
  });

  it('refuses ticket buttons clicked outside the support channel, and changes nothing', async () => {
    running = await startApp({ env: ENV });
    const ticketId = await escalate(running.base, connector);
    const card = await waitFor(() => cardPosts(connector)[0], 'the ticket card');
    const before = await running.app.storage.getTicket(ticketId);

    connector.clear();
    // The card forwarded to another channel, and a forged submit in the requester's own chat.
    const elsewhere = ticketClick({ ticketAction: 'resolve', ticketId }, 'card-copy', OTHER_CHANNEL);
    expect((await postActivity(running.base, elsewhere)).status).toBe(200);
    const forged = submit({ ticketAction: 'resolve', ticketId }, card.postedId);
    expect((await postActivity(running.base, forged)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await running.app.storage.getTicket(ticketId)).toEqual(before);
    expect(connector.updates).toEqual([]);
    const answers = connector.messages.map((c) => ({ to: c.conversationId, replyTo: c.activityId, text: c.body.text as string }));
    expect(answers).toEqual([
      { to: thread(OTHER_CHANNEL, 'card-copy'), replyTo: elsewhere.id, text: 'Ticket actions work only in the support channel.' },
      { to: DM, replyTo: forged.id, text: 'Ticket actions work only in the support channel.' },
    ]);
  });

  it('sets the support channel with "@bot use this channel for tickets" and posts new tickets there', async () => {
    running = await startApp();
    const command = channelMessage('use this channel for tickets', { mention: true });
    await postActivity(running.base, command);
    expect(connector.messages.map((c): unknown => c.body.text)).toEqual([expect.stringContaining('new tickets will be posted in this channel')]);
    expect(await running.app.desk.supportChannel('teams')).toEqual({ channel: 'teams', conversationId: CHANNEL, serviceUrl: SERVICE_URL });

    const ticketId = await escalate(running.base, connector);
    const card = await waitFor(() => cardPosts(connector)[0], 'the ticket card');
    expect(cardOf(card)!.body[0].text).toContain(ticketId);
  });

  it('"@bot triage" in a thread starts a triage there for the original poster; other channel messages are not triaged', async () => {
    running = await startApp({ env: ENV });
    const post = channelMessage('my wifi is not working', { channel: OTHER_CHANNEL, from: OP });
    await postActivity(running.base, post);
    // Without a mention (the bot reads every channel message): nothing.
    expect(connector.calls).toEqual([]);

    await postActivity(running.base, channelMessage('triage', { channel: OTHER_CHANNEL, root: post.id, mention: true }));
    const inThread = connector.messages.filter((c) => c.conversationId === thread(OTHER_CHANNEL, post.id));
    expect(inThread[0]!.body.text).toBe('Starting a triage for Olive Poster here.');
    expect(inThread.some((c) => cardOf(c)?.body?.[0]?.text === 'Where are you?')).toBe(true);

    // A thread whose first post the bot never saw: the triage is for whoever asked, and it says so.
    connector.clear();
    await postActivity(running.base, channelMessage('triage', { channel: OTHER_CHANNEL, root: '1699999999999', mention: true }));
    expect(connector.messages[0]!.body.text).toBe('I do not know who started this thread, so I am starting a triage for you, Sam Staff.');

    // In the support channel, a post outside a ticket thread is not triaged either.
    connector.clear();
    await postActivity(running.base, channelMessage('my wifi is not working', { mention: true }));
    expect(connector.messages.map((c): unknown => c.body.text)).toEqual([expect.stringContaining('This is the support channel')]);
  });

  it('makes exactly one ticket from a message with the "Create helpdesk ticket" action, however often it is used', async () => {
    running = await startApp({ env: ENV });
    const invoke = (): Json => ({
      type: 'invoke',
      name: 'composeExtension/submitAction',
      id: `inv-${Math.random()}`,
      channelId: 'msteams',
      serviceUrl: SERVICE_URL,
      from: STAFF,
      recipient: BOT,
      conversation: { id: thread(OTHER_CHANNEL, '1700000000777'), conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' },
      channelData: { channel: { id: OTHER_CHANNEL }, team: { id: TEAM }, tenant: { id: 'tenant-1' } },
      value: {
        commandId: 'createTicket',
        commandContext: 'message',
        messagePayload: {
          id: '1700000000777',
          messageType: 'message',
          from: { user: { id: 'aad-op-1', displayName: 'Olive Poster', userIdentityType: 'aadUser' } },
          body: { contentType: 'html', content: '<p>Outlook crashes &amp; shows <b>error 0x800</b></p><p>since this morning</p>' },
        },
      },
    });
    const first = await postActivity(running.base, invoke());
    expect(first.status).toBe(200);
    const answer = JSON.parse(first.body) as Json;
    expect(answer.composeExtension.type).toBe('message');
    const ticketId = /HD-\d+/.exec(answer.composeExtension.text as string)![0];
    expect(answer.composeExtension.text).toBe(`Ticket ${ticketId} created for Olive Poster; the support team will pick it up.`);

    const ticket = (await running.app.storage.getTicket(ticketId)) as Ticket;
    expect(ticket.requester).toEqual({ channel: 'teams', userId: 'aad-op-1', name: 'Olive Poster' });
    expect(ticket.ref).toMatchObject({ conversationId: OTHER_CHANNEL, threadId: '1700000000777', serviceUrl: SERVICE_URL });
    expect(ticket.messages).toEqual(['Olive Poster: Outlook crashes & shows error 0x800\nsince this morning']);

    const second = await postActivity(running.base, invoke());
    expect(JSON.parse(second.body)).toEqual({ composeExtension: { type: 'message', text: `This message is already ticket ${ticketId}.` } });
    expect(await running.app.storage.listTickets()).toHaveLength(1);
    await waitFor(() => cardPosts(connector)[0], 'the ticket card');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cardPosts(connector)).toHaveLength(1);

    // The poster answers in their thread, no @mention needed: it reaches the card's thread.
    // Someone else chatting in that thread is not the requester and is left alone.
    const cardId = cardPosts(connector)[0]!.postedId;
    await postActivity(running.base, channelMessage('It crashes on start too', { channel: OTHER_CHANNEL, root: '1700000000777' }));
    await postActivity(running.base, channelMessage('It also crashes in safe mode', { channel: OTHER_CHANNEL, root: '1700000000777', from: OP }));
    await waitFor(() => notes(connector, cardId).includes('Olive Poster: It also crashes in safe mode'), 'the poster’s words under the card');
    expect(notes(connector, cardId).join('\n')).not.toContain('crashes on start too');
  });

  it('keeps the ticket while the connector fails (500, then 429 Retry-After) and posts the card once it answers', async () => {
    running = await startApp({ env: ENV });
    // One delivery makes at most 4 attempts (the connector client retries 3 times itself), so
    // this outlasts it: the outbox has to deliver the card again.
    connector.failNextTo(CHANNEL, 500);
    connector.failNextTo(CHANNEL, 429, { 'Retry-After': '0' }, 4);
    const ticketId = await escalate(running.base, connector);

    // The ticket is there at once; the card is not, yet.
    expect(await running.app.storage.getTicket(ticketId)).toMatchObject({ id: ticketId, status: 'open' });
    const card = await waitFor(() => cardPosts(connector)[0], 'the ticket card after the failures', 20_000);
    expect(cardOf(card)!.body[0].text).toContain(ticketId);
    const attempts = connector.calls.filter((c) => c.conversationId === CHANNEL).map((c) => c.status);
    expect(attempts).toEqual([500, 429, 429, 429, 429, 200]);
    expect(cardPosts(connector)).toHaveLength(1);
  });
});

describe('Teams ticket thread relay on PostgreSQL, across a restart', () => {
  let schema: TestSchema;
  let running: RunningApp | undefined;
  let connector: FakeConnector;

  beforeAll(async () => {
    schema = await createTestSchema();
  });

  afterAll(async () => {
    await running?.stop();
    await schema.drop();
    nock.cleanAll();
  });

  beforeEach(() => {
    connector = new FakeConnector();
  });

  it('relays staff thread replies to the user and the user’s messages to the thread, also after a restart', async () => {
    running = await startApp({ env: ENV, storage: schema.storage() });
    const ticketId = await escalate(running.base, connector);
    const cardId = (await waitFor(() => cardPosts(connector)[0], 'the ticket card')).postedId;

    const relay = async (label: string) => {
      connector.clear();
      // A staff reply in the card's thread, without @mention (the bot reads the channel).
      await postActivity(running!.base, channelMessage(`Please restart Outlook (${label})`, { root: cardId }));
      const sent = await waitFor(() => toUser(connector)[0], `the staff reply (${label})`);
      expect(sent.body.text).toBe(`Sam Staff (IT support, ${ticketId}): Please restart Outlook (${label})`);
      // Nothing was said in the support channel about it.
      expect(connector.messages.filter((c) => c.conversationId.startsWith(CHANNEL))).toEqual([]);

      connector.clear();
      await postActivity(running!.base, personalMessage(`It still crashes (${label})`));
      await waitFor(() => notes(connector, cardId)[0], `the user's message in the thread (${label})`);
      expect(notes(connector, cardId)).toEqual([`Pat Example: It still crashes (${label})`]);
    };

    await relay('before the restart');
    await running.stop();
    running = await startApp({ env: ENV, storage: schema.storage() });
    await relay('after the restart');
    expect(await running.app.storage.listTickets()).toHaveLength(1);

    // Staff release the channel: new tickets no longer come here, but this ticket is still worked in its thread.
    connector.clear();
    await postActivity(running.base, channelMessage('stop using this channel for tickets', { mention: true }));
    expect(connector.messages.map((c): unknown => c.body.text)).toEqual([expect.stringMatching(/^Done: new tickets are no longer posted here/)]);
    expect(await running.app.desk.isSupportChannel('teams', CHANNEL)).toBe(false);
    await relay('after the release');
  });
});

describe('Teams support desk with MicrosoftAppId set', () => {
  const APP_ID = '3d9f1a52-8c7e-4a8e-9a57-1f2d3c4b5a69';
  const issuer = new TokenIssuer();
  let running: RunningApp;

  afterEach(async () => {
    await running.stop();
    nock.cleanAll();
  });

  it('posts the card and notifies the user with the bot’s own token', async () => {
    issuer.publish();
    const tokens = nockTokenEndpoint('outbound-token-for-the-bot');
    const connector = new FakeConnector();
    running = await startApp({ env: { ...ENV, MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'test-secret' } });
    const signed = () => ({ authorization: `Bearer ${issuer.sign({ aud: APP_ID })}` });

    const ticketId = await escalate(running.base, connector, DM, signed);
    const card = await waitFor(() => cardPosts(connector)[0], 'the ticket card');
    expect(card.authorization).toBe('Bearer outbound-token-for-the-bot');

    await postActivity(running.base, ticketClick({ ticketAction: 'assign', ticketId }, card.postedId), signed());
    const notice = await waitFor(() => toUser(connector)[0], 'the user notice');
    expect(notice.authorization).toBe('Bearer outbound-token-for-the-bot');
    expect(tokens.requests.length).toBeGreaterThan(0);
    // A click without a token is refused before it can act.
    expect((await postActivity(running.base, ticketClick({ ticketAction: 'resolve', ticketId }, card.postedId))).status).toBe(401);
    expect((await running.app.storage.getTicket(ticketId))!.status).toBe('assigned');
  });
});
