/**
 * The Teams channel over real HTTP in local mode (no app id): activities posted to
 * POST /api/messages on the running app, the Bot Connector service faked with nock at the
 * conversation's serviceUrl.
 */
import nock from 'nock';
import { createApp, type App } from '../../../src/app';
import type { Logger, Storage } from '../../../src/bot/ports';
import { loadConfig } from '../../../src/config';
import { silentLogger } from '../../../src/logger';
import { fixtureCatalogue, memoryStorage } from '../../helpers/fixtures';
import { startApp, type RunningApp } from '../../helpers/server';
import { botAdded, cardOf, channelMention, CHANNEL, FakeConnector, lastQuestion, personalMessage, postActivity, SERVICE_URL, submit } from './teams-helpers';

/** A logger that keeps every line, to check what the bot logs. */
function captureLogger(lines: Record<string, any>[] = []): Logger & { lines: Record<string, any>[] } {
  const make = (bindings: object): Logger => {
    const log = (level: string) => (obj: object, msg?: string) => lines.push({ level, ...bindings, ...obj, msg });
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (b) => make({ ...bindings, ...b }) };
  };
  return Object.assign(make({}), { lines });
}

async function startWith(logger: Logger, storage?: Storage): Promise<{ app: App; base: string }> {
  const app = await createApp(loadConfig({}), logger, { catalogue: fixtureCatalogue(), storage: storage ?? (await memoryStorage()) });
  const address = await app.http.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${address.port}` };
}

describe('Teams channel (local mode) over HTTP', () => {
  let running: RunningApp;
  let connector: FakeConnector;

  beforeEach(async () => {
    running = await startApp();
    connector = new FakeConnector();
  });

  afterEach(async () => {
    await running.stop();
    nock.cleanAll();
  });

  it('answers a personal message with a typing indicator and a question card, in reply to the activity', async () => {
    const activity = personalMessage('my wifi is not working');
    const res = await postActivity(running.base, activity);
    expect(res.status).toBe(200);

    const [typing, ...rest] = connector.calls;
    expect(typing!.body.type).toBe('typing');
    for (const call of connector.calls) {
      expect(call.method).toBe('POST');
      expect(call.conversationId).toBe('a:personal-1');
      expect(call.activityId).toBe(activity.id);
      expect(call.body.replyToId).toBe(activity.id);
      // Local mode: no credentials, so nothing to send.
      expect(call.authorization).toBeUndefined();
    }
    expect(rest.map((c): unknown => c.body.type)).toEqual(['message', 'message']);
    expect(rest[0]!.body.text).toContain('Wi-Fi does not work');

    const card = cardOf(rest[1]!)!;
    expect(rest[1]!.body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.version).toBe('1.5');
    expect(card.body[0].text).toBe('Where are you?');
    expect(card.fallbackText).toContain('1. At home');
    expect(card.actions).toEqual([
      { type: 'Action.Submit', title: 'At home', data: { nodeId: 'wf-where', optionId: 'home' } },
      { type: 'Action.Submit', title: 'In the office', data: { nodeId: 'wf-where', optionId: 'office' } },
      { type: 'Action.Submit', title: "I'm not sure", data: { nodeId: 'wf-where', optionId: 'unsure' } },
    ]);
  });

  it('moves on to a remediation when the card is submitted, and updates the answered card in place', async () => {
    await postActivity(running.base, personalMessage('my wifi is not working'));
    const question = lastQuestion(connector);
    connector.clear();

    const click = submit(question.choices[0]!.data, question.id);
    expect((await postActivity(running.base, click)).status).toBe(200);

    // The answered card: same activity, replaced by the question and the answer, no buttons.
    expect(connector.updates).toHaveLength(1);
    const update = connector.updates[0]!;
    expect(update.conversationId).toBe('a:personal-1');
    expect(update.activityId).toBe(question.id);
    const answered = cardOf(update)!;
    expect(answered.actions).toBeUndefined();
    expect(JSON.stringify(answered.body)).toContain('Where are you?');
    expect(answered.body).toContainEqual(expect.objectContaining({ type: 'FactSet', facts: [{ title: 'Your answer', value: 'At home' }] }));

    // The next step: a numbered remediation card with the command in monospace, then "Did it fix it?".
    const [remediation, next] = connector.messages;
    expect(remediation!.activityId).toBe(click.id);
    const card = cardOf(remediation!)!;
    expect(card.body[0].text).toBe('Restart your router');
    expect(JSON.stringify(card.body)).toContain('You can do this yourself');
    const steps = card.body.filter((b: any) => b.type === 'ColumnSet');
    expect(steps.map((s: { columns: { items: { text: string }[] }[] }) => s.columns[0]!.items[0]!.text)).toEqual(['1.', '2.']);
    expect(steps[1].columns[1].items[0].inlines).toEqual([
      { type: 'TextRun', text: 'Run ' },
      { type: 'TextRun', text: 'ipconfig /renew', fontType: 'Monospace', highlight: true },
      { type: 'TextRun', text: ' in a command prompt.' },
    ]);
    expect(card.fallbackText).toContain('2. Run `ipconfig /renew` in a command prompt.');
    expect(cardOf(next!)!.body[0].text).toBe('Did "Restart your router" fix it?');
  });

  it('re-asks the open question for a click on an old card, and leaves that card as it was', async () => {
    await postActivity(running.base, personalMessage('my wifi is not working'));
    const first = lastQuestion(connector);
    await postActivity(running.base, submit({ nodeId: 'wf-where', optionId: 'office' }, first.id));
    const second = lastQuestion(connector);
    expect(second.card.body[0].text).toBe('Are colleagues affected too?');
    connector.clear();

    // The first card again (an update that never arrived, a second tap): not an answer any more.
    await postActivity(running.base, submit({ nodeId: 'wf-where', optionId: 'home' }, first.id));
    expect(connector.updates).toEqual([]);
    expect(connector.messages[0]!.body.text).toBe('That button belongs to an earlier question. Here is where we are:');
    expect(lastQuestion(connector).card.body[0].text).toBe('Are colleagues affected too?');

    // An option the open question does not have: re-asked, card untouched.
    connector.clear();
    await postActivity(running.base, submit({ nodeId: 'wf-others', optionId: 'maybe' }, second.id));
    expect(connector.updates).toEqual([]);
    expect(connector.messages[0]!.body.text).toBe('That is not one of the options for this question.');
  });

  it('answers a channel @mention in its thread, and keeps each thread a conversation of its own', async () => {
    const mention = channelMention('my wifi is not working', '1700000000500');
    expect((await postActivity(running.base, mention)).status).toBe(200);
    const threadA = `${CHANNEL};messageid=1700000000500`;
    expect(connector.messages.length).toBeGreaterThan(0);
    for (const call of connector.calls) {
      expect(call.conversationId).toBe(threadA);
      expect(call.activityId).toBe(mention.id);
    }
    expect(lastQuestion(connector).card.body[0].text).toBe('Where are you?');

    // Another thread of the same channel starts fresh: the bare mention is a greeting.
    connector.clear();
    await postActivity(running.base, channelMention('', '1700000000600'));
    expect(connector.calls.every((c) => c.conversationId === `${CHANNEL};messageid=1700000000600`)).toBe(true);
    expect(connector.messages[0]!.body.text).toMatch(/^Hi! I'm the IT helpdesk bot/);
    expect(lastQuestion(connector).card.body[0].text).toBe('What do you need help with?');

    // The first thread still has its question open.
    connector.clear();
    await postActivity(running.base, channelMention('At home', '1700000000500'));
    expect(cardOf(connector.messages[0]!)!.body[0].text).toBe('Restart your router');
  });

  it('welcomes with the topic menu when the bot is installed', async () => {
    const added = botAdded('a:personal-new');
    expect((await postActivity(running.base, added)).status).toBe(200);
    expect(connector.messages).toHaveLength(1);
    const card = cardOf(connector.messages[0]!)!;
    expect(card.body[0].text).toBe("Hi, I'm the IT helpdesk bot");
    expect(JSON.stringify(card.body)).toContain('What do you need help with?');
    expect(card.actions.map((a: { title: string }) => a.title)).toEqual(['Network problems', 'Hardware problems', 'Talk to a person']);
    expect(card.fallbackText).toContain('1. Network problems');

    // Picking a topic from the welcome card works, and marks the card answered.
    const welcomeId = connector.messages[0]!.postedId;
    connector.clear();
    await postActivity(running.base, submit(card.actions[0].data, welcomeId, 'a:personal-new'));
    expect(connector.updates.map((u) => u.activityId)).toEqual([welcomeId]);
    expect(connector.updates.map((u): unknown => cardOf(u)!.body.find((b: any) => b.type === 'FactSet').facts[0].value)).toEqual(['Network problems']);
  });

  it('understands help, restart and my tickets', async () => {
    await postActivity(running.base, personalMessage('my tickets', 'a:personal-cmd'));
    expect(connector.messages.map((m): unknown => m.body.text)).toEqual(['You have no tickets with the support team.']);

    connector.clear();
    await postActivity(running.base, personalMessage('help', 'a:personal-cmd'));
    expect(connector.messages[0]!.body.text).toContain('"restart" to start over');
    expect(lastQuestion(connector).card.body[0].text).toBe('What do you need help with?');

    connector.clear();
    await postActivity(running.base, personalMessage('restart', 'a:personal-cmd'));
    expect(connector.messages[0]!.body.text).toBe('Okay, let us start over.');
  });

  it('opens a ticket and shows its id on an escalation card', async () => {
    await postActivity(running.base, personalMessage('my wifi is not working', 'a:personal-esc'));
    const q = lastQuestion(connector);
    connector.clear();
    await postActivity(running.base, submit({ nodeId: 'wf-where', optionId: 'unsure' }, q.id, 'a:personal-esc'));
    // The intake before the ticket: since when (a button), then who else (typed).
    const since = lastQuestion(connector);
    expect(cardOf(connector.messages.at(-1)!)!.body[0].text).toBe('Since when has this been happening?');
    await postActivity(running.base, submit({ nodeId: 'intake.since', optionId: 'today' }, since.id, 'a:personal-esc'));
    await postActivity(running.base, personalMessage('only me', 'a:personal-esc'));
    const card = cardOf(connector.messages.at(-1)!)!;
    expect(card.body[0].text).toBe('Ticket opened');
    expect(card.body[1]).toEqual({ type: 'FactSet', facts: [{ title: 'Ticket', value: 'HD-1001' }] });
    expect(card.fallbackText).toMatch(/^Ticket HD-1001: I have opened ticket HD-1001/);
  });

  it('drops a redelivered activity (same id)', async () => {
    const activity = personalMessage('help', 'a:personal-dup');
    await postActivity(running.base, activity);
    const count = connector.calls.length;
    expect((await postActivity(running.base, activity)).status).toBe(200);
    expect(connector.calls).toHaveLength(count);
  });

  it('ignores a card submit it did not render', async () => {
    const res = await postActivity(running.base, submit({ ticketAction: 'nonsense' }, 'x', 'a:personal-foreign'));
    expect(res.status).toBe(200);
    expect(connector.calls).toEqual([]);
  });
});

describe('Teams channel errors and startup', () => {
  afterEach(() => nock.cleanAll());

  it('warns at startup that local mode accepts unauthenticated requests', async () => {
    const logger = captureLogger();
    const { app } = await startWith(logger);
    await app.stop();
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', channel: 'teams', code: 'TEAMS_LOCAL_MODE', msg: expect.stringContaining('unauthenticated') }));
  });

  it('apologizes with a reference code when the turn fails, and logs the error with that code', async () => {
    const logger = captureLogger();
    const storage = await memoryStorage();
    const broken: Storage = Object.create(storage, {
      loadConversation: { value: () => Promise.reject(new Error('database is locked')) },
    });
    const { app, base } = await startWith(logger, broken);
    const connector = new FakeConnector();
    try {
      expect((await postActivity(base, personalMessage('my wifi is not working', 'a:personal-err'))).status).toBe(200);
      const [apology] = connector.messages;
      const reference = /reference: (ERR-[0-9A-F]{6})$/.exec(apology!.body.text)?.[1];
      expect(reference).toBeDefined();
      expect(apology!.body.text).not.toMatch(/database|locked|Error|at /);
      expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', channel: 'teams', code: 'STORAGE_UNAVAILABLE', reference }));
    } finally {
      await app.stop();
    }
  });

  it('retries replies that Teams throttles or fails: 429 with Retry-After and 503 in the connector client, a bare 429 in ours', async () => {
    const logger = captureLogger();
    const { app, base } = await startWith(logger);
    const connector = new FakeConnector();
    const statuses = () => connector.calls.filter((c) => c.body.type === 'message').map((c) => c.status);
    const ourRetries = () => logger.lines.filter((l) => l.code === 'TEAMS_THROTTLED');
    try {
      // The first reply (the intro text) is throttled once with Retry-After: the SDK's pipeline waits and retries.
      connector.failNext(429, { 'Retry-After': '1' });
      await postActivity(base, personalMessage('my wifi is not working', 'a:personal-429'));
      expect(statuses()).toEqual([429, 200, 200]);
      expect(connector.calls.filter((c) => c.body.type === 'message')[0]!.body).toEqual(connector.calls.filter((c) => c.body.type === 'message')[1]!.body);
      expect(ourRetries()).toEqual([]);

      // A 503: the SDK's exponential backoff.
      connector.clear();
      connector.failNext(503);
      await postActivity(base, personalMessage('help', 'a:personal-503'));
      expect(statuses()).toEqual([503, 200, 200]);
      expect(ourRetries()).toEqual([]);

      // A bare 429 (no Retry-After): the SDK gives up on it, our backoff retries.
      connector.clear();
      connector.failNext(429);
      await postActivity(base, personalMessage('help', 'a:personal-429b'));
      expect(statuses()).toEqual([429, 200, 200]);
      expect(ourRetries()).toEqual([expect.objectContaining({ method: 'sendActivity', retry: 1, status: 429, delayMs: 1000 })]);
    } finally {
      await app.stop();
    }
  });

  it('logs a reply Teams keeps refusing, answers the request, and stays up', async () => {
    const logger = captureLogger();
    const { app, base } = await startWith(logger);
    const connector = new FakeConnector();
    try {
      connector.failNext(400);
      expect((await postActivity(base, personalMessage('help', 'a:personal-400'))).status).toBe(200);
      expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', code: 'TEAMS_SEND_FAILED', status: 400, undelivered: 2 }));
      // The next message is served normally.
      expect((await postActivity(base, personalMessage('help', 'a:personal-400'))).status).toBe(200);
      expect(connector.messages.length).toBeGreaterThan(0);
    } finally {
      await app.stop();
    }
  });

  it('refuses a body that is not an activity', async () => {
    const { app, base } = await startWith(silentLogger);
    try {
      expect((await postActivity(base, '{not json')).status).toBe(400);
    } finally {
      await app.stop();
    }
  });
});

// The serviceUrl of the conversation is where replies go, whatever region it is.
it('replies through the conversation’s own serviceUrl', async () => {
  const running = await startApp();
  const emea = new FakeConnector('https://smba.trafficmanager.net/emea/');
  try {
    await postActivity(running.base, { ...personalMessage('help', 'a:personal-emea'), serviceUrl: 'https://smba.trafficmanager.net/emea/' });
    expect(emea.messages.length).toBeGreaterThan(0);
    expect(SERVICE_URL).not.toBe('https://smba.trafficmanager.net/emea/');
  } finally {
    await running.stop();
    nock.cleanAll();
  }
});
