import { readFileSync, rmSync } from 'node:fs';
import { loadCatalogue } from '../../src/flows/catalogue';
import type { Reply } from '../../src/bot/messages';
import { conversationKey } from '../../src/bot/messages';
import type { Storage } from '../../src/bot/ports';
import { MENU } from '../../src/bot/conversation';
import { Chat, copyOfFixtureCatalogue, engineFor, fixtureCatalogue, memoryStorage, webRef } from '../helpers/fixtures';

const kinds = (replies: Reply[]) => replies.map((r) => r.kind);

describe('triage engine: conversation shell and flows', () => {
  let storage: Storage;
  let chat: Chat;
  const catalogue = fixtureCatalogue();

  beforeEach(async () => {
    storage = await memoryStorage();
    chat = new Chat(engineFor(catalogue, storage));
  });
  afterEach(() => storage.close());

  it('greets with the topic menu and an option to talk to a person', async () => {
    const replies = await chat.say('hi');
    expect(kinds(replies)).toEqual(['text', 'question']);
    const menu = chat.question();
    expect(menu.nodeId).toBe(MENU);
    expect(menu.options.map((o) => o.id)).toEqual(['network', 'hardware', 'person']);
  });

  it('opens a second menu for a topic with several flows, then starts the chosen flow', async () => {
    await chat.say('hello');
    await chat.choose(MENU, 'network');
    expect(chat.question().options.map((o) => o.id)).toEqual(['vpn-slow', 'wifi-down', 'back']);
    const replies = await chat.choose('menu.network', 'wifi-down');
    expect(replies).toEqual([
      {
        kind: 'question',
        flowId: 'wifi-down',
        nodeId: 'wf-where',
        text: 'Where are you?\nThe office network is called CORP.',
        options: [
          { id: 'home', label: 'At home' },
          { id: 'office', label: 'In the office' },
          { id: 'unsure', label: "I'm not sure" },
        ],
      },
    ]);
  });

  it('starts the only flow of a topic directly', async () => {
    const replies = await chat.choose(MENU, 'hardware');
    expect(kinds(replies)).toEqual(['remediation', 'question']);
    expect(replies[0]).toMatchObject({ flowId: 'printer-jam', nodeId: 'pj-open-tray', steps: ['Open tray 2 and remove the stuck sheet.'], audience: 'user' });
  });

  it('routes a free-text first message to the matching flow', async () => {
    const replies = await chat.say('my wifi is not working since this morning');
    expect(kinds(replies)).toEqual(['text', 'question']);
    expect(replies[0]!.text).toContain('Wi-Fi does not work');
    expect(chat.question()).toMatchObject({ flowId: 'wifi-down', nodeId: 'wf-where' });
  });

  it('shows the menu and offers a person when no flow fits', async () => {
    const replies = await chat.say('the coffee machine in building 3 is leaking');
    expect(replies[0]!.text).toMatch(/could not tell/);
    expect(chat.question().options.at(-1)).toEqual({ id: 'person', label: 'Talk to a person' });
  });

  it('walks a flow to a fix, records the outcome and asks whether it helped', async () => {
    await chat.say('my wifi is not working');
    const remediation = await chat.pick('At home');
    expect(kinds(remediation)).toEqual(['remediation', 'question']);
    expect(remediation[0]).toEqual({
      kind: 'remediation',
      flowId: 'wifi-down',
      nodeId: 'wf-restart-router',
      text: 'Restart your router\nHome routers often lose their connection.',
      steps: ['Unplug the router for 30 seconds.', 'Run `ipconfig /renew` in a command prompt.'],
      audience: 'user',
    });
    expect(chat.question()).toMatchObject({ nodeId: 'wf-restart-router', options: [{ id: 'fixed' }, { id: 'not-fixed' }] });

    const resolved = await chat.choose('wf-restart-router', 'fixed');
    expect(kinds(resolved)).toEqual(['text', 'question']);
    expect(chat.question()).toMatchObject({ nodeId: '_resolved', text: 'Was this helpful?' });
    const thanks = await chat.choose('_resolved', 'helpful');
    expect(kinds(thanks)).toEqual(['text']);

    const transcript = await storage.readTranscript(conversationKey(chat.ref));
    const answers = transcript.flatMap((e) => (e.actor === 'user' && e.input.kind === 'choice' ? [`${e.input.nodeId}=${e.input.optionId}`] : []));
    expect(answers).toEqual(['wf-where=home', 'wf-restart-router=fixed', '_resolved=helpful']);
    expect(transcript.some((e) => e.actor === 'bot' && e.reply.kind === 'remediation' && e.reply.nodeId === 'wf-restart-router')).toBe(true);
    expect(await storage.listTickets()).toEqual([]);
  });

  it('escalates with a ticket that carries every question, answer and remediation outcome', async () => {
    await chat.say('wifi broken');
    await chat.pick('In the office');
    await chat.pick('only me');
    await chat.choose('wf-forget', 'not-fixed');
    expect(chat.question().text).toBe('Did "Re-issue the Wi-Fi certificate" fix it? These steps need an IT admin.');
    // The intake asks only what is still unknown: the user's words are the summary and the
    // flow's "Are colleagues affected too?" answered who else; since when is asked.
    const intake = await chat.choose('wf-admin', 'not-fixed');
    expect(intake).toEqual([
      { kind: 'text', text: expect.stringMatching(/open a ticket .* One quick question first/) },
      expect.objectContaining({ kind: 'question', nodeId: 'intake.since', text: 'Since when has this been happening?' }),
    ]);
    expect(await storage.listTickets()).toEqual([]);
    const replies = await chat.finishIntake({ since: 'few days' });
    expect(replies).toEqual([
      expect.objectContaining({ kind: 'escalation', ticketId: 'HD-1001', flowId: 'wifi-down', nodeId: 'wf-esc' }),
    ]);
    expect(replies[0]!.text).toContain('HD-1001');
    const ticket = await storage.getTicket('HD-1001');
    expect(ticket).toMatchObject({
      status: 'open',
      summary: 'wifi broken',
      since: 'The last few days',
      affected: 'me',
      priority: 'P4',
      flowId: 'wifi-down',
      reason: 'Wi-Fi still down after the self-help steps.',
      requester: { channel: 'web', userId: 'u-1', name: 'Pat Example' },
      trail: [
        { kind: 'question', nodeId: 'wf-where', question: 'Where are you?', answer: 'In the office' },
        { kind: 'question', nodeId: 'wf-others', question: 'Are colleagues affected too?', answer: 'No, only me' },
        { kind: 'remediation', nodeId: 'wf-forget', title: 'Forget and rejoin the network', audience: 'user', outcome: 'not fixed' },
        { kind: 'remediation', nodeId: 'wf-admin', title: 'Re-issue the Wi-Fi certificate', audience: 'admin', outcome: 'not fixed' },
      ],
    });
    // The flow is over: a new message starts afresh.
    expect(kinds(await chat.say('hi'))).toEqual(['text', 'question']);
  });

  it('re-asks the open question for a stale button and never advances', async () => {
    await chat.say('wifi broken');
    await chat.pick('In the office');
    const replies = await chat.choose('wf-where', 'home');
    expect(replies[0]!.text).toMatch(/earlier question/);
    expect(chat.question()).toMatchObject({ nodeId: 'wf-others' });
    // The conversation is still at wf-others and accepts its answers.
    const next = await chat.pick('only me');
    expect(next[0]).toMatchObject({ kind: 'remediation', nodeId: 'wf-forget' });
  });

  it('re-asks on an unknown option id for the open question', async () => {
    await chat.say('wifi broken');
    const replies = await chat.choose('wf-where', 'moon');
    expect(replies[0]!.text).toMatch(/not one of the options/);
    expect(chat.question().nodeId).toBe('wf-where');
  });

  it('re-asks the question with its options for free text, and accepts a typed option label', async () => {
    await chat.say('wifi broken');
    const replies = await chat.say('it just does not work!!');
    expect(kinds(replies)).toEqual(['text', 'question']);
    expect(chat.question().nodeId).toBe('wf-where');
    const typed = await chat.say('at home');
    expect(typed[0]).toMatchObject({ kind: 'remediation', nodeId: 'wf-restart-router' });
  });

  it('restarts on "start over" and treats buttons of the old flow as stale', async () => {
    await chat.say('wifi broken');
    const replies = await chat.say('Start over');
    expect(kinds(replies)).toEqual(['text', 'question']);
    expect(chat.question().nodeId).toBe(MENU);
    const stale = await chat.choose('wf-where', 'home');
    expect(stale[0]!.text).toMatch(/already finished/);
    expect(chat.question().nodeId).toBe(MENU);
  });

  it('answers "help" with the commands and re-asks the open question', async () => {
    await chat.say('wifi broken');
    const replies = await chat.say('help');
    expect(replies[0]!.text).toMatch(/restart/);
    expect(chat.question().nodeId).toBe('wf-where');
  });

  it.each(['human', 'agent', 'talk to someone', 'escalate', 'Can I speak to a real person?'])(
    'opens one ticket when the user asks for a person (%s)',
    async (ask) => {
      await chat.say('wifi broken');
      await chat.pick('In the office');
      const intake = await chat.say(ask);
      expect(intake.map((r) => r.nodeId ?? r.kind)).toEqual(['text', 'intake.since']);
      await chat.pick('Today');
      expect(chat.question().nodeId).toBe('intake.affected');
      const replies = await chat.say('the whole office');
      expect(replies).toEqual([expect.objectContaining({ kind: 'escalation', ticketId: 'HD-1001', flowId: 'wifi-down', nodeId: 'wf-others' })]);
      const again = await chat.say('talk to someone');
      expect(again[0]).toMatchObject({ kind: 'escalation', ticketId: 'HD-1001' });
      expect(again[0]!.text).toMatch(/already open/);
      const tickets = await storage.listTickets();
      expect(tickets).toHaveLength(1);
      expect(tickets[0]!.trail).toEqual([{ kind: 'question', nodeId: 'wf-where', question: 'Where are you?', answer: 'In the office' }]);
      expect(tickets[0]!.reason).toMatch(/asked to talk to a person/);
      // Many people affected raises the priority (high impact × medium urgency).
      expect(tickets[0]).toMatchObject({ summary: 'wifi broken', since: 'Today', affected: 'many', priority: 'P2' });
    },
  );

  it('lists only the asking user\'s own tickets on "my tickets" and keeps the open question', async () => {
    const empty = await chat.say('my tickets');
    expect(empty[0]!.text).toBe('You have no tickets with the support team.');
    await chat.say('talk to someone');
    await chat.finishIntake({ summary: 'Printer on floor 2 is offline' });
    const other = new Chat(chat.engine, webRef('conv-2', 'u-2'));
    await other.say('human');
    await other.finishIntake();
    await chat.say('restart');
    await chat.say('wifi broken');
    const replies = await chat.say('show my tickets');
    expect(replies[0]!.text).toMatch(/^Your tickets:\nHD-1001 \(open, opened \d{4}-\d\d-\d\d\): Printer on floor 2 is offline$/);
    expect(replies[0]!.text).not.toContain('HD-1002');
    expect(chat.question().nodeId).toBe('wf-where');
  });

  it('accepts commands sent as commands by a channel', async () => {
    chat.last = await chat.engine.handle({ kind: 'command', ref: chat.ref, command: 'human' });
    expect(chat.last.at(-1)).toMatchObject({ kind: 'text', nodeId: 'intake.summary' });
    const replies = await chat.finishIntake();
    expect(replies[0]).toMatchObject({ kind: 'escalation', ticketId: 'HD-1001' });
  });

  it('keeps conversations apart', async () => {
    const other = new Chat(chat.engine, webRef('conv-2', 'u-2'));
    await chat.say('wifi broken');
    await other.say('printer has a paper jam');
    expect(chat.question().nodeId).toBe('wf-where');
    expect(other.question().nodeId).toBe('pj-open-tray');
  });

  it('serializes concurrent messages of one conversation without losing either', async () => {
    await chat.say('wifi broken');
    const ref = chat.ref;
    const [a, b] = await Promise.all([
      chat.engine.handle({ kind: 'choice', ref, nodeId: 'wf-where', optionId: 'office' }),
      chat.engine.handle({ kind: 'choice', ref, nodeId: 'wf-others', optionId: 'no' }),
    ]);
    expect(a[0]).toMatchObject({ kind: 'question', nodeId: 'wf-others' });
    expect(b[0]).toMatchObject({ kind: 'remediation', nodeId: 'wf-forget' });
    const stored = await storage.loadConversation(conversationKey(ref));
    expect(stored?.version).toBe(3);
    expect(stored?.state.flow?.value).toBe('wf-forget');
  });

  it('restarts a conversation whose flow changed since its last turn, with an explanation', async () => {
    const copy = copyOfFixtureCatalogue();
    try {
      const before = new Chat(engineFor(loadCatalogue(copy.dir), storage));
      await before.say('wifi broken');
      await before.pick('In the office');
      copy.write('wifi-down.yaml', readFileSync(`${copy.dir}/wifi-down.yaml`, 'utf8').replace('Are colleagues affected too?', 'Is anyone else affected?'));
      const after = new Chat(engineFor(loadCatalogue(copy.dir), storage));
      const replies = await after.choose('wf-others', 'no');
      expect(replies[0]!.text).toMatch(/was updated since we last spoke/);
      expect(after.question()).toMatchObject({ flowId: 'wifi-down', nodeId: 'wf-where' });
    } finally {
      copy.remove();
    }
  });

  it('falls back to the menu when the running flow no longer exists', async () => {
    const copy = copyOfFixtureCatalogue();
    try {
      const before = new Chat(engineFor(loadCatalogue(copy.dir), storage));
      await before.say('the vpn is very slow today');
      expect(before.question().nodeId).toBe('vp-when');
      rmSync(`${copy.dir}/vpn-slow.yaml`);
      const after = new Chat(engineFor(loadCatalogue(copy.dir), storage));
      const replies = await after.choose('vp-when', 'always');
      expect(replies[0]!.text).toMatch(/no longer available/);
      expect(after.question().nodeId).toBe(MENU);
    } finally {
      copy.remove();
    }
  });

  it('recovers from a stored state it cannot read instead of failing every turn', async () => {
    const key = conversationKey(chat.ref);
    const bogus = { episode: 2, flow: { id: 'wifi-down', hash: catalogue.flows.get('wifi-down')!.hash, value: 'wf-where', context: { trail: 'not-a-list' } } };
    await storage.commitTurn({ key, expectedVersion: 0, state: bogus as never, transcript: [] });
    const replies = await chat.choose('wf-where', 'office');
    expect(replies[0]!.text).toMatch(/lost track/);
    const again = await chat.say('hi');
    expect(kinds(again)).toEqual(['text', 'question']);
  });
});

describe('triage engine: the intake before a ticket', () => {
  let storage: Storage;
  let chat: Chat;
  const catalogue = fixtureCatalogue();

  beforeEach(async () => {
    storage = await memoryStorage();
    chat = new Chat(engineFor(catalogue, storage));
  });
  afterEach(() => storage.close());

  it('asks for a one-line summary when nothing was said yet, and takes typed answers', async () => {
    const replies = await chat.say('talk to someone');
    expect(replies[0]!.text).toMatch(/3 quick questions/);
    expect(replies.at(-1)).toMatchObject({ kind: 'text', nodeId: 'intake.summary' });
    await chat.say('  Cannot   print to the floor 3 printer ');
    expect(chat.question().nodeId).toBe('intake.since');
    await chat.say('since Monday morning');
    expect(chat.question().nodeId).toBe('intake.affected');
    await chat.say('just me I think');
    expect(chat.last).toEqual([expect.objectContaining({ kind: 'escalation', ticketId: 'HD-1001' })]);
    expect(await storage.getTicket('HD-1001')).toMatchObject({
      summary: 'Cannot print to the floor 3 printer',
      since: 'since Monday morning',
      affected: 'me',
      priority: 'P4',
    });
  });

  it('skips who else is affected when the first message said it', async () => {
    await chat.say('wifi broken for everyone in the office');
    await chat.say('talk to someone');
    expect(chat.question().nodeId).toBe('intake.since');
    await chat.pick("I'm not sure");
    expect(chat.last[0]).toMatchObject({ kind: 'escalation' });
    expect(await storage.getTicket('HD-1001')).toMatchObject({ summary: 'wifi broken for everyone in the office', since: 'not known', affected: 'many' });
  });

  it('skips who else is affected when a first message that fits no guide said it', async () => {
    const replies = await chat.say('the coffee machine is broken for everyone');
    expect(chat.question().nodeId).toBe(MENU);
    expect(replies[0]!.text).toMatch(/could not tell/);
    await chat.choose(MENU, 'person');
    expect(chat.question().nodeId).toBe('intake.since');
    await chat.pick('Today');
    expect(chat.last[0]).toMatchObject({ kind: 'escalation' });
    expect(await storage.getTicket('HD-1001')).toMatchObject({ summary: 'the coffee machine is broken for everyone', affected: 'many', priority: 'P2' });
  });

  it('re-asks for a stale button, an unknown option or an unclear answer, and never opens a ticket early', async () => {
    await chat.say('wifi broken');
    await chat.say('human');
    const stale = await chat.choose('wf-where', 'home');
    expect(stale[0]!.text).toMatch(/earlier question/);
    expect(chat.question().nodeId).toBe('intake.since');
    const unknown = await chat.choose('intake.since', 'yesterday-ish');
    expect(unknown[0]!.text).toMatch(/not one of the options/);
    await chat.pick('Today');
    const unclear = await chat.say('hmm');
    expect(unclear[0]!.text).toMatch(/pick one of the options/);
    expect(chat.question().nodeId).toBe('intake.affected');
    expect(await storage.listTickets()).toEqual([]);
    const help = await chat.say('help');
    expect(help[0]!.text).toMatch(/restart/);
    expect(chat.question().nodeId).toBe('intake.affected');
  });

  it('opens the ticket at once when the user asks for a person again, and forgets the intake on restart', async () => {
    await chat.say('talk to someone');
    await chat.say('restart');
    expect(chat.question().nodeId).toBe(MENU);
    expect(await storage.listTickets()).toEqual([]);
    await chat.say('talk to someone');
    await chat.say('VPN keeps dropping');
    const replies = await chat.say('talk to someone');
    expect(replies).toEqual([expect.objectContaining({ kind: 'escalation', ticketId: 'HD-1001' })]);
    const ticket = await storage.getTicket('HD-1001');
    expect(ticket).toMatchObject({ summary: 'VPN keeps dropping', priority: 'P4' });
    expect(ticket?.since).toBeUndefined();
    expect(ticket?.affected).toBeUndefined();
  });

  it('records the intake answers in the transcript with their labels', async () => {
    await chat.say('wifi broken');
    await chat.say('agent');
    await chat.pick('A week');
    await chat.pick('Some colleagues');
    const transcript = await storage.readTranscript(conversationKey(chat.ref));
    const answers = transcript.flatMap((e) => (e.actor === 'user' && e.input.kind === 'choice' ? [e.input] : []));
    expect(answers).toEqual([
      { kind: 'choice', nodeId: 'intake.since', optionId: 'week', label: 'A week or longer' },
      { kind: 'choice', nodeId: 'intake.affected', optionId: 'some', label: 'Some colleagues or my team' },
    ]);
    expect(await storage.getTicket('HD-1001')).toMatchObject({ affected: 'some', priority: 'P3' });
  });
});

describe('triage engine: priority from the catalogue', () => {
  it('opens a suspected account compromise as P1 although only the user reports it', async () => {
    const storage = await memoryStorage();
    try {
      const catalogue = loadCatalogue();
      const chat = new Chat(engineFor(catalogue, storage));
      await chat.say('my account is locked');
      // Walk the account-locked flow to its compromise escalation by the option ids the flow declares.
      const flow = catalogue.flows.get('account-locked')!;
      for (let i = 0; i < 10 && !chat.last.some((r) => r.kind === 'escalation' || r.nodeId?.startsWith('intake.')); i++) {
        const open = chat.question();
        const node = flow.nodes.get(open.nodeId);
        const toward = node?.type === 'question' ? node.options.find((o) => pathTo(flow, o.next, 'al-esc-compromised')) : undefined;
        if (!toward) throw new Error(`no way to al-esc-compromised from ${open.nodeId}`);
        await chat.choose(open.nodeId, toward.id);
      }
      await chat.finishIntake({ affected: 'Only me' });
      const [ticket] = await storage.listTickets();
      expect(ticket).toMatchObject({ flowId: 'account-locked', affected: 'me', priority: 'P1' });
    } finally {
      await storage.close();
    }
  });
});

/** Whether `to` can be reached from node `from` through question options alone. */
function pathTo(flow: ReturnType<ReturnType<typeof loadCatalogue>['flows']['get']> & object, from: string, to: string, seen = new Set<string>()): boolean {
  if (from === to) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  const node = flow.nodes.get(from);
  return node?.type === 'question' && node.options.some((o) => pathTo(flow, o.next, to, seen));
}

describe('triage engine: typed answers to "who else has this problem?"', () => {
  it.each([
    ['just me I think', 'me'],
    ['not only me, my whole team', 'some'],
    ['everyone in the office', 'many'],
    ['not many, a few colleagues', 'some'],
    ['not sure', 'unknown'],
  ])('reads "%s" as %s', async (typed, affected) => {
    const storage = await memoryStorage();
    try {
      const chat = new Chat(engineFor(fixtureCatalogue(), storage));
      await chat.say('wifi broken');
      await chat.say('talk to someone');
      await chat.pick('Today');
      await chat.say(typed);
      expect(chat.last[0]).toMatchObject({ kind: 'escalation' });
      expect((await storage.listTickets())[0]!.affected).toBe(affected);
    } finally {
      await storage.close();
    }
  });
});
