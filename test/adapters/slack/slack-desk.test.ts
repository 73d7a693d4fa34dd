/**
 * Support staff in Slack, over real HTTP: signed requests to the running app on PostgreSQL, the
 * Web API faked with nock. A DM escalation puts a ticket card in the support channel; the card's
 * buttons change the ticket, update the card, note it in the thread and tell the requester; staff
 * replies in the thread reach the requester and back, also across a restart; a message shortcut
 * or :ticket: turns a thread into one ticket; a Slack outage delays the card and loses nothing.
 */
import nock from 'nock';
import { conversationKey } from '../../../src/bot/messages';
import { createTestSchema, type TestSchema } from '../../helpers/postgres';
import { startApp, type RunningApp } from '../../helpers/server';
import {
  BOT,
  cardClick,
  clickPayload,
  dmEvent,
  escalateInDm,
  eventEnvelope,
  FakeSlackApi,
  interaction,
  mentionEvent,
  newEventId,
  newTs,
  postedIn as postedInSlack,
  postToSlackEndpoint,
  slackEnv,
  staffAction,
  threadReply,
  waitFor,
  type PostedMessage,
  type SlackPost,
} from './slack-helpers';

const API_URL = 'https://slack.com/api/';
const SUPPORT = 'CSUPPORT1';
const REQUESTER = 'U1';
const DM = 'D1';

let schema: TestSchema;
let api: FakeSlackApi;
let running: RunningApp | undefined;

const start = async () => {
  running = await startApp({ env: slackEnv(API_URL, { SLACK_SUPPORT_CHANNEL: SUPPORT }), storage: schema.storage() });
  return running;
};
const app = () => {
  if (!running) throw new Error('app not started');
  return running;
};
const send = async (body: string | SlackPost) => {
  const res = await postToSlackEndpoint(app().base, typeof body === 'string' ? { body } : body);
  expect(res.status).toBe(200);
};
const event = (e: Record<string, unknown>, eventId = newEventId()) => send(eventEnvelope(e, eventId));

beforeEach(async () => {
  schema = await createTestSchema();
  api = new FakeSlackApi(API_URL);
  api.users.set(REQUESTER, 'Pat Example');
  api.users.set('S1', 'Sam Staff');
  api.users.set('S2', 'Robin Admin');
  api.users.set('U2', 'Alex Poster');
  api.users.set('U3', 'Kim Helper');
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  nock.cleanAll();
  await schema.drop();
});

/** Messages the bot posted in a place (a DM, the channel's top level, or a thread). */
const postedIn = (channel: string, threadTs?: string) => postedInSlack(api, channel, threadTs);
const cards = () => postedIn(SUPPORT);
const texts = (messages: PostedMessage[]) => messages.map((m) => m.text);
const updatesOf = (card: PostedMessage) => api.of('chat.update').filter((c) => c.params.channel === card.channel && c.params.ts === card.ts);
const lastUpdate = (card: PostedMessage) => {
  const updates = updatesOf(card);
  return JSON.stringify(updates[updates.length - 1]?.params.blocks ?? []);
};
const ephemerals = (user: string) => api.of('chat.postEphemeral').filter((c) => c.params.user === user);
const escalate = (user = REQUESTER, dm = DM) => escalateInDm(app(), api, user, dm);

function reassignClick(card: PostedMessage, to: string, opts: { user?: string } = {}) {
  const block = card.blocks.find((b) => b.type === 'actions');
  return staffAction(card, { type: 'users_select', action_id: 'ticket.reassign', block_id: block.block_id, selected_user: to }, opts);
}

describe('Slack support desk', () => {
  it('posts the card of a DM escalation in the support channel; the buttons update it, note it in its thread and tell the requester', async () => {
    await start();
    const ticket = await escalate();
    await waitFor('the ticket card', () => cards().length === 1);
    const [card] = cards();
    expect(card!.text).toContain(ticket.id);
    expect(JSON.stringify(card!.blocks)).toContain(`ticket:${ticket.id}`);
    expect(texts(postedIn(DM)).join('\n')).toContain(ticket.id);
    const thread = () => texts(postedIn(SUPPORT, card!.ts));
    const toUser = () => texts(postedIn(DM)).join('\n');

    await send(cardClick(card!, 'assign'));
    await waitFor('the card to show the assignee', () => lastUpdate(card!).includes('Sam Staff'));
    expect(lastUpdate(card!)).toContain('Assigned');
    await waitFor('the note in the thread', () => thread().includes(`Sam Staff took ${ticket.id}.`));
    await waitFor('the requester to hear', () => toUser().includes(`Sam Staff from IT support is now working on your ticket ${ticket.id}`));

    await send(reassignClick(card!, 'S2'));
    await waitFor('the card to show the new assignee', () => lastUpdate(card!).includes('Robin Admin'));
    await waitFor('the reassign note', () => thread().includes(`Sam Staff assigned ${ticket.id} to Robin Admin.`));
    await waitFor('the requester to hear of Robin', () => toUser().includes('Robin Admin from IT support'));

    await send(cardClick(card!, 'resolve'));
    await waitFor('the card to show resolved with a reopen button', () => lastUpdate(card!).includes('Resolved') && lastUpdate(card!).includes('ticket.reopen'));
    expect(lastUpdate(card!)).not.toContain('ticket.resolve');
    await waitFor('the resolve note', () => thread().includes(`Sam Staff resolved ${ticket.id}.`));
    await waitFor('the "is it solved?" question', () => postedIn(DM).some((m) => m.text.includes('Is the problem solved?')));
    expect((await app().app.storage.getTicket(ticket.id))?.status).toBe('resolved');

    // The requester's answer round-trips through the answer buttons into the desk: "no" reopens.
    const solved = postedIn(DM).find((m) => m.text.includes('Is the problem solved?'))!;
    await send(interaction(clickPayload(solved, 'no', { user: REQUESTER })));
    await waitFor('the reopen by the requester', () => thread().includes(`${ticket.id} was reopened by the requester: not solved.`));
    await waitFor('the card to show it open again', () => lastUpdate(card!).includes('ticket.resolve'));
    const rating = postedIn(DM).find((m) => m.text.includes('How happy are you'))!;
    await send(interaction(clickPayload(rating, '4', { user: REQUESTER })));
    await waitFor('the rating note', () => thread().some((t) => t.includes(`rated the support for ${ticket.id}: 4/5`)));
    await waitFor('the card to show the rating', () => lastUpdate(card!).includes('4/5'));

    await send(cardClick(card!, 'resolve', { user: 'S2' }));
    await waitFor('resolved by Robin', () => thread().includes(`Robin Admin resolved ${ticket.id}.`));
    const resolvedCard = { ...card!, blocks: updatesOf(card!).slice(-1)[0]!.params.blocks };
    await send(cardClick(resolvedCard, 'reopen'));
    await waitFor('the reopen note', () => thread().includes(`Sam Staff reopened ${ticket.id}.`));
    await waitFor('the requester to hear of the reopen', () => toUser().includes(`IT support reopened your ticket ${ticket.id}`));
    const final = await app().app.storage.getTicket(ticket.id);
    expect(final).toMatchObject({ status: 'assigned', assignee: { id: 'S2', name: 'Robin Admin' }, rating: 4 });
    // One card, updated in place; nothing about the ticket anywhere else.
    expect(cards()).toHaveLength(1);
  });

  it('refuses a resolve clicked outside the support channel with an ephemeral note, and changes nothing', async () => {
    await start();
    const ticket = await escalate();
    await waitFor('the ticket card', () => cards().length === 1);
    const [card] = cards();
    await send(cardClick(card!, 'resolve', { user: 'S1', channel: 'COTHER1' }));
    await waitFor('the ephemeral refusal', () => ephemerals('S1').length === 1);
    expect(ephemerals('S1')[0]!.params).toMatchObject({ channel: 'COTHER1', user: 'S1', text: 'Ticket actions work only in the support channel.' });
    await running!.stop();
    running = undefined;
    const storage = schema.storage();
    expect(await storage.getTicket(ticket.id)).toMatchObject({ status: 'open', revision: ticket.revision });
    expect(api.of('chat.update').filter((c) => c.params.channel === SUPPORT)).toHaveLength(0);
    expect(postedIn(SUPPORT, card!.ts)).toHaveLength(0);
  });

  it('relays a staff reply in the card thread to the requester and the requester’s next DM to the thread, also after a restart', async () => {
    await start();
    const ticket = await escalate();
    await waitFor('the ticket card', () => cards().length === 1);
    const [card] = cards();
    const thread = () => texts(postedIn(SUPPORT, card!.ts));

    await event(threadReply(SUPPORT, card!.ts, 'S1', 'Can you sign out of Outlook & back in? <@UBOT> no need to ping'));
    await waitFor('the staff reply in the DM', () => texts(postedIn(DM)).some((t) => t.includes(`Sam Staff (IT support, ${ticket.id}): Can you sign out of Outlook &amp; back in?`)));
    // A message at the top of the support channel is not a ticket's thread: ignored, not triaged.
    await event({ ...threadReply(SUPPORT, card!.ts, 'S1', 'my wifi is not working'), thread_ts: undefined });
    await event(dmEvent('I did, it still asks for the password', { user: REQUESTER, channel: DM }));
    await waitFor('the requester’s words in the thread', () => thread().some((t) => t.endsWith(': I did, it still asks for the password')));
    expect(api.posted().filter((m) => m.channel === SUPPORT && m.thread_ts === undefined)).toHaveLength(1);

    await running!.stop();
    await start();
    await event(threadReply(SUPPORT, card!.ts, 'S2', 'I reset your sign-in; try now'));
    await waitFor('the reply after the restart', () => texts(postedIn(DM)).some((t) => t.includes(`Robin Admin (IT support, ${ticket.id}): I reset your sign-in; try now`)));
    await event(dmEvent('works now, thanks', { user: REQUESTER, channel: DM }));
    await waitFor('the DM after the restart in the thread', () => thread().some((t) => t.endsWith(': works now, thanks')));
    expect(cards()).toHaveLength(1);
  });

  it('turns a thread into exactly one ticket from the message shortcut and the :ticket: reaction', async () => {
    await start();
    const root = newTs();
    const reply = newTs();
    api.threads.set(`CGENERAL1/${root}`, [
      { type: 'message', user: 'U2', text: 'The printer on the 3rd floor jams on every job', ts: root, thread_ts: root, reply_count: 1 },
      { type: 'message', user: 'U3', text: 'Same here since the toner change', ts: reply, thread_ts: root },
    ]);
    const shortcut = (user: string) =>
      interaction({
        type: 'message_action',
        callback_id: 'create_ticket',
        trigger_id: `1.${Date.now()}.x`,
        action_ts: `${Date.now() / 1000}${Math.random().toString().slice(2, 6)}`,
        message_ts: reply,
        response_url: 'https://hooks.slack.com/app/T1/1/abc',
        team: { id: 'T1', domain: 'example' },
        channel: { id: 'CGENERAL1', name: 'general' },
        user: { id: user, name: 'sam' },
        message: { type: 'message', user: 'U3', text: 'Same here since the toner change', ts: reply, thread_ts: root },
        token: 'legacy-verification-token',
      });

    await send(shortcut('S1'));
    await waitFor('the ticket card', () => cards().length === 1);
    const tickets = await app().app.storage.listTickets();
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ requester: { channel: 'slack', userId: 'U2', name: 'Alex Poster' }, ref: { conversationId: 'CGENERAL1', threadId: root } });
    expect(tickets[0]!.messages).toEqual(['Alex Poster: The printer on the 3rd floor jams on every job', 'Kim Helper: Same here since the toner change']);
    expect(JSON.stringify(cards()[0]!.blocks)).toContain('Kim Helper: Same here since the toner change');
    await waitFor('the notice in the thread', () => texts(postedIn('CGENERAL1', root)).some((t) => t.includes(`Ticket ${tickets[0]!.id} was opened for this thread`)));

    // The original poster answers in their thread, no @mention needed: it reaches the card's thread.
    // Someone else chatting in that thread is not the requester and is left alone.
    const cardTs = cards()[0]!.ts;
    await event(dmEvent('It jams on the first page too', { user: 'U3', channel: 'CGENERAL1', extra: { channel_type: 'channel', thread_ts: root } }));
    await event(dmEvent('It also jams on the first page', { user: 'U2', channel: 'CGENERAL1', extra: { channel_type: 'channel', thread_ts: root } }));
    await waitFor('the poster’s words under the card', () => texts(postedIn(SUPPORT, cardTs)).includes('Alex Poster: It also jams on the first page'));
    expect(texts(postedIn(SUPPORT, cardTs)).join('\n')).not.toContain('first page too');

    // Again by shortcut, by :ticket: on the reply, and the same reaction event delivered twice: no new ticket.
    await send(shortcut('S2'));
    const reactionId = newEventId();
    const reaction = { type: 'reaction_added', user: 'S1', reaction: 'ticket', item: { type: 'message', channel: 'CGENERAL1', ts: reply }, item_user: 'U3', event_ts: newTs() };
    await event(reaction, reactionId);
    await event(reaction, reactionId);
    await waitFor('both told it exists', () => ephemerals('S2').length === 1 && ephemerals('S1').length === 1);
    expect(ephemerals('S2')[0]!.params).toMatchObject({ channel: 'CGENERAL1', thread_ts: root, text: `This thread is already ticket ${tickets[0]!.id}; no new ticket was made.` });
    expect(await app().app.storage.listTickets()).toHaveLength(1);

    // :ticket: on another thread's first message makes that thread a ticket, once.
    const other = newTs();
    api.threads.set(`CGENERAL1/${other}`, [{ type: 'message', user: 'U3', text: 'Teams calls drop after a minute', ts: other }]);
    const second = { ...reaction, item: { type: 'message', channel: 'CGENERAL1', ts: other }, event_ts: newTs() };
    const secondId = newEventId();
    await event(second, secondId);
    await waitFor('the second card', () => cards().length === 2);
    await event(second, secondId);
    await event({ ...second, event_ts: newTs() });
    await waitFor('the repeat told', () => ephemerals('S1').length === 2);
    await running!.stop();
    running = undefined;
    const all = await schema.storage().listTickets();
    expect(all.map((t) => t.requester.userId).sort()).toEqual(['U2', 'U3']);
    expect(cards()).toHaveLength(2);
  });

  it('answers a shortcut in a channel the bot cannot read through its response_url, and makes no ticket', async () => {
    await start();
    let answer: Record<string, unknown> | undefined;
    nock('https://hooks.slack.com')
      .post('/app/T1/9/xyz', (body: Record<string, unknown>) => {
        answer = body;
        return true;
      })
      .reply(200, 'ok');
    api.queue('conversations.replies', [200, { ok: false, error: 'not_in_channel' }]);
    const ts = newTs();
    await send(
      interaction({
        type: 'message_action',
        callback_id: 'create_ticket',
        trigger_id: '1.2.x',
        action_ts: `${Date.now() / 1000}`,
        message_ts: ts,
        response_url: 'https://hooks.slack.com/app/T1/9/xyz',
        team: { id: 'T1', domain: 'example' },
        channel: { id: 'CPRIVATE1', name: 'private' },
        user: { id: 'S1', name: 'sam' },
        message: { type: 'message', user: 'U2', text: 'VPN is down', ts },
        token: 'legacy-verification-token',
      }),
    );
    await waitFor('the answer at the response_url', () => answer !== undefined);
    expect(answer).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Invite me to this channel') });
    expect(await app().app.storage.listTickets()).toHaveLength(0);
    expect(api.of('chat.postEphemeral')).toHaveLength(0);
  });

  it('sets the support channel with "@bot use this channel for tickets", and triages a thread’s poster with "@bot triage"', async () => {
    await start();
    // The configured support channel is not taken over from elsewhere...
    const refusedTs = newTs();
    await event(mentionEvent(`<@${BOT.botUserId}> use this channel for tickets`, { user: 'S9', channel: 'CNEWDESK1', ts: refusedTs }));
    await waitFor('the refusal', () => texts(postedIn('CNEWDESK1', refusedTs)).some((t) => t.startsWith('Tickets already go to another support channel.')));
    expect(await app().app.desk.isSupportChannel('slack', SUPPORT)).toBe(true);
    // ...until staff there release it.
    const releaseTs = newTs();
    await event(mentionEvent(`<@${BOT.botUserId}> stop using this channel for tickets`, { user: 'S1', channel: SUPPORT, ts: releaseTs }));
    await waitFor('the release', () => texts(postedIn(SUPPORT, releaseTs)).some((t) => t.startsWith('Done: new tickets are no longer posted here.')));
    const commandTs = newTs();
    await event(mentionEvent(`<@${BOT.botUserId}> use this channel for tickets`, { user: 'S1', channel: 'CNEWDESK1', ts: commandTs }));
    await waitFor('the confirmation', () => texts(postedIn('CNEWDESK1', commandTs)).some((t) => t.startsWith('Done: new tickets will be posted in this channel.')));
    await escalate();
    await waitFor('the card in the new channel', () => postedIn('CNEWDESK1').length === 1);
    expect(cards()).toHaveLength(0);

    const root = newTs();
    api.threads.set(`CGENERAL1/${root}`, [{ type: 'message', user: 'U2', text: 'my wifi is not working', ts: root, thread_ts: root }]);
    await event(mentionEvent(`<@${BOT.botUserId}> triage`, { user: 'S1', channel: 'CGENERAL1', threadTs: root }));
    await waitFor('a question in the thread', () => postedIn('CGENERAL1', root).some((m) => m.blocks.some((b) => b.type === 'actions')));
    const key = conversationKey({ channel: 'slack', conversationId: 'CGENERAL1', threadId: root, user: { id: 'U2' } });
    const transcript = await app().app.storage.readTranscript(key);
    expect(transcript[0]).toMatchObject({ actor: 'user', input: { kind: 'text', text: 'my wifi is not working' } });
  });

  it('creates the ticket at once while Slack fails, and posts its card once Slack answers again (500s, then 429 with Retry-After)', async () => {
    await start();
    const toSupport = (params: Record<string, any>) => params.channel === SUPPORT;
    api.queueWhere('chat.postMessage', toSupport, [500, { ok: false }], [503, { ok: false }], [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' }]);
    const ticket = await escalate();
    expect(texts(postedIn(DM)).join('\n')).toContain(ticket.id);
    await waitFor('the card after the outage', () => cards().length === 1, 60_000);
    const attempts = api.of('chat.postMessage').filter((c) => c.params.channel === SUPPORT);
    expect(attempts.map((c) => c.status)).toEqual([500, 503, 429, 200]);
    expect(cards()[0]!.text).toContain(ticket.id);
    await running!.stop();
    running = undefined;
    expect(await schema.storage().supportPostOf(ticket.id)).toEqual({ channel: 'slack', conversationId: SUPPORT, messageId: cards()[0]!.ts });
  }, 90_000);
});
