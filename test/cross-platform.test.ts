/**
 * Tickets are worked across platforms: a Teams user's ticket in a Slack support channel, and a
 * Slack user's ticket in a Teams support channel. Only the composition root (src/app.ts) has both
 * channels, the desk and the outbox together, so this runs the whole app over real HTTP on
 * PostgreSQL: Teams activities at POST /api/messages (local mode), signed Slack requests at POST
 * /slack/events, the Bot Connector (at SERVICE_URL) and the Slack Web API faked with nock. The
 * file is named for what it proves rather than test/app.test.ts: the requirement "a Teams
 * user's ticket is worked in a Slack support channel and the other way round".
 */
import nock from 'nock';
import { createTestSchema, type TestSchema } from './helpers/postgres';
import { startApp, type RunningApp } from './helpers/server';
import {
  cardClick,
  dmEvent,
  escalateInDm,
  eventEnvelope,
  FakeSlackApi,
  postedIn,
  postToSlackEndpoint,
  slackEnv,
  threadReply,
  waitFor,
  type PostedMessage,
  type SlackPost,
} from './adapters/slack/slack-helpers';
import {
  cardOf,
  cardPosts,
  CHANNEL,
  channelMessage,
  DM as TEAMS_DM,
  escalate as escalateInTeams,
  factsOf,
  FakeConnector,
  notes,
  personalMessage,
  postActivity,
  SERVICE_URL,
  submit,
  thread,
  ticketClick,
  toUser,
  type ConnectorCall,
} from './adapters/teams/teams-helpers';

const SLACK_API = 'https://slack.com/api/';
const SLACK_SUPPORT = 'CSUPPORT1';
const SLACK_REQUESTER = 'U1';
const SLACK_DM = 'D1';
const SLACK_STAFF = 'S1';

let schema: TestSchema;
let api: FakeSlackApi;
let connector: FakeConnector;
let running: RunningApp | undefined;

const base = () => {
  if (!running) throw new Error('app not started');
  return running.base;
};
const slack = async (post: SlackPost) => {
  const res = await postToSlackEndpoint(base(), post);
  expect(res.status).toBe(200);
};
const slackEvent = (event: Record<string, unknown>) => slack({ body: eventEnvelope(event) });
const teams = async (activity: unknown) => {
  const res = await postActivity(base(), activity);
  expect(res.status).toBe(200);
};
const texts = (messages: PostedMessage[]) => messages.map((m) => m.text);
const textsOf = (calls: ConnectorCall[]) => calls.map((c) => c.body.text as string | undefined);
/** Polls an async probe (storage) until it gives a value: a card is linked just after it is posted. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeEach(async () => {
  schema = await createTestSchema();
  api = new FakeSlackApi(SLACK_API);
  api.users.set(SLACK_STAFF, 'Robin Admin');
  api.users.set(SLACK_REQUESTER, 'Kim Slack');
  connector = new FakeConnector(SERVICE_URL);
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  nock.cleanAll();
  await schema.drop();
});

describe('a Teams user’s ticket worked in the Slack support channel', () => {
  const env = slackEnv(SLACK_API, { SLACK_SUPPORT_CHANNEL: SLACK_SUPPORT });

  it('posts the card in Slack; Slack staff assign, reply and resolve it, the Teams user hears of each and answers back', async () => {
    running = await startApp({ env, storage: schema.storage() });
    // Teams is on (local mode) but has no support channel; Slack has one.
    expect(await running.app.desk.supportChannel('teams')).toBeUndefined();
    expect(await running.app.desk.supportChannel('slack')).toEqual({ channel: 'slack', conversationId: SLACK_SUPPORT });
    const ticketId = await escalateInTeams(base(), connector);
    const ticket = await running.app.storage.getTicket(ticketId);
    expect(ticket?.requester).toMatchObject({ channel: 'teams', name: 'Pat Example' });

    // The card goes to the Slack support channel, the only one there is.
    await waitFor('the ticket card in Slack', () => postedIn(api, SLACK_SUPPORT).length === 1);
    const [card] = postedIn(api, SLACK_SUPPORT);
    expect(card!.text).toContain(ticketId);
    const blocks = JSON.stringify(card!.blocks);
    expect(blocks).toContain(`ticket:${ticketId}`);
    expect(blocks).toContain('Pat Example (teams)');
    expect(await eventually('the card linked to the ticket', () => running!.app.storage.supportPostOf(ticketId))).toEqual({ channel: 'slack', conversationId: SLACK_SUPPORT, messageId: card!.ts });
    const slackThread = () => texts(postedIn(api, SLACK_SUPPORT, card!.ts));
    const cardNow = () => {
      const updates = api.of('chat.update').filter((c) => c.params.channel === SLACK_SUPPORT && c.params.ts === card!.ts);
      return JSON.stringify(updates.at(-1)?.params.blocks ?? []);
    };
    // Teams user notices: proactive posts (not replies) in their own chat, through the connector at SERVICE_URL.
    const teamsUserHeard = () => textsOf(toUser(connector, TEAMS_DM));

    // Assign to me, clicked in Slack.
    await slack(cardClick(card!, 'assign', { user: SLACK_STAFF }));
    await waitFor('the card to show the assignee', () => cardNow().includes('Robin Admin') && cardNow().includes('Assigned'));
    await waitFor('the note in the card thread', () => slackThread().includes(`Robin Admin took ${ticketId}.`));
    await waitFor('the Teams user to hear', () => teamsUserHeard().includes(`Robin Admin from IT support is now working on your ticket ${ticketId}. They will reply here.`));

    // A staff reply in the Slack thread reaches the Teams user with the staff member's name.
    await slackEvent(threadReply(SLACK_SUPPORT, card!.ts, SLACK_STAFF, 'Please sign out of Outlook and back in'));
    await waitFor('the staff reply in Teams', () => teamsUserHeard().includes(`Robin Admin (IT support, ${ticketId}): Please sign out of Outlook and back in`));

    // The Teams user's next message reaches the Slack thread.
    await teams(personalMessage('I did, it still asks for the password', TEAMS_DM));
    await waitFor('the Teams user’s words in the Slack thread', () => slackThread().includes('Pat Example: I did, it still asks for the password'));

    // Resolve in Slack: the Teams user is asked whether it is solved, and "No" reopens the ticket.
    await slack(cardClick(card!, 'resolve', { user: SLACK_STAFF }));
    await waitFor('the card to show resolved', () => cardNow().includes('Resolved') && cardNow().includes('ticket.reopen'));
    await waitFor('the resolve note', () => slackThread().includes(`Robin Admin resolved ${ticketId}.`));
    const solvedQuestion = () => toUser(connector, TEAMS_DM).find((c) => (cardOf(c)?.actions as { data?: { nodeId?: string } }[] | undefined)?.some((a) => a.data?.nodeId === `ticket.solved:${ticketId}`));
    await waitFor('the "is it solved?" card in Teams', () => solvedQuestion() !== undefined);
    const solved = solvedQuestion()!;
    expect(JSON.stringify(cardOf(solved))).toContain('Is the problem solved?');
    expect((await running.app.storage.getTicket(ticketId))?.status).toBe('resolved');

    await teams(submit({ nodeId: `ticket.solved:${ticketId}`, optionId: 'no' }, solved.postedId, TEAMS_DM));
    await waitFor('the reopen by the requester in the Slack thread', () => slackThread().includes(`${ticketId} was reopened by the requester: not solved.`));
    await waitFor('the card to show it open again', () => cardNow().includes('ticket.resolve') && !cardNow().includes('ticket.reopen'));
    expect(await running.app.storage.getTicket(ticketId)).toMatchObject({ status: 'assigned', assignee: { channel: 'slack', id: SLACK_STAFF, name: 'Robin Admin' } });

    // One card, in Slack, updated in place; Teams got nothing but the user's own conversation.
    expect(postedIn(api, SLACK_SUPPORT)).toHaveLength(1);
    expect(connector.calls.filter((c) => c.conversationId !== TEAMS_DM)).toEqual([]);
  });
});

describe('a Slack user’s ticket worked in the Teams support channel', () => {
  const env = slackEnv(SLACK_API, { TEAMS_SUPPORT_CHANNEL: CHANNEL, TEAMS_SERVICE_URL: SERVICE_URL });

  it('posts the card in Teams; Teams staff assign it and reply in its thread, the Slack user hears of each and answers back', async () => {
    running = await startApp({ env, storage: schema.storage() });
    // Slack is on but has no support channel; Teams has one.
    expect(await running.app.desk.supportChannel('slack')).toBeUndefined();
    expect(await running.app.desk.supportChannel('teams')).toEqual({ channel: 'teams', conversationId: CHANNEL, serviceUrl: SERVICE_URL });
    const ticket = await escalateInDm(running, api, SLACK_REQUESTER, SLACK_DM);
    expect(ticket.requester).toEqual({ channel: 'slack', userId: SLACK_REQUESTER, name: 'Kim Slack' });

    // The card is a new post in the Teams support channel.
    await waitFor('the ticket card in Teams', () => cardPosts(connector, CHANNEL).length === 1);
    const [card] = cardPosts(connector, CHANNEL);
    const cardId = card!.postedId;
    expect(cardOf(card!)!.body[0].text).toContain(ticket.id);
    // The Slack user's display name (users.info), so Teams staff know who asked.
    expect(factsOf(card!)).toMatchObject({ Status: 'Open', Requester: 'Kim Slack (slack)' });
    expect(await eventually('the card linked to the ticket', () => running!.app.storage.supportPostOf(ticket.id))).toEqual({ channel: 'teams', conversationId: CHANNEL, messageId: cardId });
    const slackUserHeard = () => texts(postedIn(api, SLACK_DM));

    // Assign to me, clicked in the Teams support channel: the card is updated in place.
    await teams(ticketClick({ ticketAction: 'assign', ticketId: ticket.id }, cardId));
    const cardUpdates = () => connector.updates.filter((c) => c.conversationId === CHANNEL && c.activityId === cardId);
    await waitFor('the card update in Teams', () => cardUpdates().length > 0);
    expect(factsOf(cardUpdates().at(-1)!)).toMatchObject({ Status: 'Assigned', Assignee: 'Sam Staff', Requester: 'Kim Slack (slack)' });
    await waitFor('the note in the card thread', () => notes(connector, cardId).includes(`Sam Staff took ${ticket.id}.`));
    await waitFor('the Slack user to hear', () => slackUserHeard().some((t) => t.includes(`Sam Staff from IT support is now working on your ticket ${ticket.id}`)));

    // A Teams staff reply in the card's thread reaches the Slack DM with the staff member's name.
    await teams(channelMessage('Please restart Outlook', { root: cardId }));
    await waitFor('the staff reply in the Slack DM', () => slackUserHeard().some((t) => t.includes(`Sam Staff (IT support, ${ticket.id}): Please restart Outlook`)));

    // The Slack user's next DM reaches the Teams thread.
    await slackEvent(dmEvent('It still crashes', { user: SLACK_REQUESTER, channel: SLACK_DM }));
    await waitFor('the Slack user’s words in the Teams thread', () => notes(connector, cardId).includes('Kim Slack: It still crashes'));

    expect(await running.app.storage.getTicket(ticket.id)).toMatchObject({ status: 'assigned', assignee: { channel: 'teams', name: 'Sam Staff' } });
    // One card, in Teams; Slack got nothing but the user's own DM.
    expect(cardPosts(connector, CHANNEL)).toHaveLength(1);
    expect(connector.messages.every((c) => c.conversationId === CHANNEL || c.conversationId === thread(CHANNEL, cardId))).toBe(true);
    expect(api.posted().filter((m) => m.channel !== SLACK_DM)).toEqual([]);
    expect(api.of('chat.update').filter((c) => c.params.channel !== SLACK_DM)).toEqual([]);
  });
});
