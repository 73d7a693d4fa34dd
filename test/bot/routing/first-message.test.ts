/**
 * Multi-turn: what the first free-text message does. The flow it lands in, the questions it
 * already answered (skipped, said back, undoable with one tap, and in the ticket's trail), the
 * two-way question when two flows are close, and the menu with a person when nothing fits.
 */
import { MENU, NOT_RIGHT, OTHER, ROUTE } from '../../../src/bot/conversation';
import { conversationKey, type Reply } from '../../../src/bot/messages';
import type { Storage } from '../../../src/bot/ports';
import { loadCatalogue } from '../../../src/flows/catalogue';
import { Chat, engineFor, fixtureCatalogue, memoryStorage } from '../../helpers/fixtures';

const texts = (replies: Reply[]) => replies.filter((r) => r.kind === 'text').map((r) => r.text);
const catalogue = loadCatalogue();

describe('first message: facts answer questions in advance', () => {
  let storage: Storage;
  let chat: Chat;
  beforeEach(async () => {
    storage = await memoryStorage();
    chat = new Chat(engineFor(catalogue, storage));
  });
  afterEach(() => storage.close());

  it('skips the app and MFA questions when the message names both, says so, and keeps them in the ticket trail', async () => {
    const first = await chat.say('Since MFA was turned on Lync keeps asking for my Exchange password');
    expect(texts(first)).toEqual([
      "It sounds like: An app keeps asking for my password. Let's work through it.",
      'I understood from your message: app = Lync / Skype for Business. If that is not right, choose "That\'s not right".',
    ]);
    // "Which app?" was skipped: the Lync branch's first question is asked, with the undo button.
    expect(chat.question()).toMatchObject({ flowId: 'credential-prompt-loop', nodeId: 'cp-lync-web' });
    expect(chat.question().options.at(-1)).toEqual({ id: NOT_RIGHT, label: "That's not right" });

    await chat.pick('Yes, I can sign in there');
    expect(chat.question().nodeId).toBe('cp-lync-prompt');
    expect(chat.question().options.map((o) => o.id)).not.toContain(NOT_RIGHT);
    const afterPrompt = await chat.pick('small Windows box');
    // "Was MFA turned on?" was skipped too.
    expect(texts(afterPrompt)).toEqual(['I understood from your message: MFA is on. If that is not right, choose "That\'s not right".']);
    expect(chat.question().nodeId).toBe('cp-lync-where');

    await chat.say('talk to someone');
    await chat.finishIntake();
    const [ticket] = await storage.listTickets();
    expect(ticket!.trail).toEqual([
      expect.objectContaining({ nodeId: 'cp-which-app', answer: 'Lync 2013 / Skype for Business', source: 'first-message' }),
      { kind: 'question', nodeId: 'cp-lync-web', question: expect.any(String), answer: 'Yes, I can sign in there' },
      { kind: 'question', nodeId: 'cp-lync-prompt', question: expect.any(String), answer: 'A small Windows box: "Credentials are required" or Exchange password' },
      expect.objectContaining({ nodeId: 'cp-lync-mfa', answer: 'Yes, MFA is on or was turned on recently', source: 'first-message' }),
    ]);
  });

  it('"That\'s not right" goes back to asking the skipped question and forgets the facts', async () => {
    await chat.say('Since MFA was turned on Lync keeps asking for my Exchange password');
    const replies = await chat.choose('cp-lync-web', NOT_RIGHT);
    expect(texts(replies)).toEqual(['Sorry, I got that wrong. Let me ask instead.']);
    expect(chat.question()).toMatchObject({ nodeId: 'cp-which-app' });
    expect(chat.question().options.map((o) => o.id)).not.toContain(NOT_RIGHT);
    // MFA is no longer taken for granted either.
    await chat.pick('Lync 2013');
    await chat.pick('Yes, I can sign in there');
    await chat.pick('small Windows box');
    expect(chat.question().nodeId).toBe('cp-lync-mfa');
    const stored = await storage.loadConversation(conversationKey(chat.ref));
    expect(stored?.state.flow?.facts).toBeUndefined();
  });

  it('the undo can be typed as well as tapped, and a stale undo re-asks the open question', async () => {
    await chat.say('outlook web access keeps asking for my password');
    expect(chat.question().nodeId).toBe('cp-browser-what');
    await chat.say("that's not right");
    expect(chat.question().nodeId).toBe('cp-which-app');
    const stale = await chat.choose('cp-browser-what', NOT_RIGHT);
    expect(texts(stale)[0]).toMatch(/earlier question/);
    expect(chat.question().nodeId).toBe('cp-which-app');
  });

  it('follows an error code through several questions to the matching fix', async () => {
    const replies = await chat.say('teams sign in error 0xCAA70004');
    expect(texts(replies)[1]).toBe('I understood from your message: error code 0xCAA70004. If that is not right, choose "That\'s not right".');
    expect(replies.find((r) => r.kind === 'remediation')).toMatchObject({ nodeId: 'ts-fix-network' });
    expect(chat.question().options.map((o) => o.id)).toEqual(['fixed', 'not-fixed', NOT_RIGHT]);
  });

  it('loads conversations stored before facts existed', async () => {
    const key = conversationKey(chat.ref);
    const flow = catalogue.flows.get('credential-prompt-loop')!;
    await storage.commitTurn({ key, expectedVersion: 0, state: { episode: 1, flow: { id: flow.definition.id, hash: flow.hash, value: 'cp-which-app', context: { trail: [] } } }, transcript: [] });
    await chat.choose('cp-which-app', 'outlook');
    expect(chat.question().nodeId).toBe('cp-outlook-web');
  });
});

describe('first message: ambiguous or unknown', () => {
  let storage: Storage;
  let chat: Chat;
  beforeEach(async () => {
    storage = await memoryStorage();
    chat = new Chat(engineFor(catalogue, storage));
  });
  afterEach(() => storage.close());

  it('asks one question naming both close flows plus "Something else", then starts the chosen one with the facts', async () => {
    await chat.say('teams calendar and voicemail are missing');
    const q = chat.question();
    expect(q.nodeId).toBe(ROUTE);
    expect([...q.options].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'calendar-missing', label: 'My calendar is missing in Teams or Lync' },
      { id: OTHER, label: 'Something else' },
      { id: 'voicemail-missing', label: 'My voicemail is missing' },
    ]);
    expect(q.options.at(-1)!.id).toBe(OTHER);
    const replies = await chat.choose(ROUTE, 'voicemail-missing');
    // The app named in the first message answers "Where do you expect to see your voicemail?".
    expect(texts(replies)).toEqual(['I understood from your message: app = Teams. If that is not right, choose "That\'s not right".']);
    expect(chat.question()).toMatchObject({ flowId: 'voicemail-missing', nodeId: 'vm-teams-what' });
    // The two-way question is answered: its buttons are stale now and re-ask the open question.
    const stale = await chat.choose(ROUTE, 'calendar-missing');
    expect(texts(stale)[0]).toMatch(/earlier question/);
    expect(chat.question().nodeId).toBe('vm-teams-what');
  });

  it('"Something else" shows the topic menu with the offer of a person', async () => {
    await chat.say('teams calendar and voicemail are missing');
    expect(chat.question().nodeId).toBe(ROUTE);
    const replies = await chat.choose(ROUTE, OTHER);
    expect(texts(replies)[0]).toMatch(/Talk to a person/);
    expect(chat.question().nodeId).toBe(MENU);
    expect(chat.question().options.at(-1)).toEqual({ id: 'person', label: 'Talk to a person' });
  });

  it('re-asks the two-way question for an option it did not offer, and accepts a typed label', async () => {
    await chat.say('teams calendar and voicemail are missing');
    const wrong = await chat.choose(ROUTE, 'password-reset');
    expect(texts(wrong)[0]).toMatch(/not one of the options/);
    expect(chat.question().nodeId).toBe(ROUTE);
    await chat.say('my voicemail is missing');
    expect(chat.question()).toMatchObject({ flowId: 'voicemail-missing' });
  });

  it('a typed label answers the two-way question; a route button after a restart is stale', async () => {
    await chat.say('teams calendar and voicemail are missing');
    await chat.say('My voicemail is missing');
    // The typed label chose the flow, and the app from the first message was applied.
    expect(chat.question()).toMatchObject({ flowId: 'voicemail-missing', nodeId: 'vm-teams-what' });
    await chat.say('restart');
    const stale = await chat.choose(ROUTE, 'calendar-missing');
    expect(texts(stale)[0]).toMatch(/already finished/);
    expect(chat.question().nodeId).toBe(MENU);
  });

  it('a message no flow covers gets the topic menu and the offer of a person', async () => {
    const replies = await chat.say('the projector in the board room has no signal');
    expect(texts(replies)[0]).toMatch(/could not tell which problem/);
    expect(chat.question().nodeId).toBe(MENU);
    expect(chat.question().options.at(-1)).toEqual({ id: 'person', label: 'Talk to a person' });
  });
});

describe('first message on the fixture catalogue', () => {
  it('an answer taken from the message that leads straight to an escalation opens the ticket with it in the trail', async () => {
    const storage = await memoryStorage();
    try {
      const chat = new Chat(engineFor(fixtureCatalogue(), storage));
      await chat.say('wifi not working for everyone');
      expect(chat.question().nodeId).toBe('wf-where');
      const replies = await chat.pick('In the office');
      expect(texts(replies)[0]).toBe('I understood from your message: others are affected too.');
      // The message told who else is affected, so the intake only asks since when.
      expect(chat.question().nodeId).toBe('intake.since');
      expect(await chat.finishIntake()).toEqual([expect.objectContaining({ kind: 'escalation', nodeId: 'wf-esc-outage' })]);
      const [ticket] = await storage.listTickets();
      expect(ticket).toMatchObject({ summary: 'wifi not working for everyone', affected: 'many' });
      expect(ticket!.trail).toEqual([
        { kind: 'question', nodeId: 'wf-where', question: 'Where are you?', answer: 'In the office' },
        { kind: 'question', nodeId: 'wf-others', question: 'Are colleagues affected too?', answer: 'Yes, several people', source: 'first-message' },
      ]);
    } finally {
      await storage.close();
    }
  });
});
