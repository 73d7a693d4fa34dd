/** Adaptive Card rendering of the channel-neutral replies (pure). */
import {
  ADAPTIVE_CARD,
  ADMIN_AUDIENCE,
  answeredCard,
  escalationCard,
  parseChoiceSubmit,
  questionCard,
  remediationCard,
  renderReply,
  stepRuns,
  USER_AUDIENCE,
  welcomeMessages,
} from '../../../src/adapters/teams/cards';
import type { Reply } from '../../../src/bot/messages';

const question: Extract<Reply, { kind: 'question' }> = {
  kind: 'question',
  nodeId: 'cp-which-app',
  text: 'Which app keeps asking?\nPick the one you use most.',
  options: [
    { id: 'outlook', label: 'Outlook' },
    { id: 'teams', label: 'Teams' },
  ],
};

describe('question card', () => {
  it('is an Adaptive Card 1.5 with one Action.Submit per option carrying nodeId and optionId', () => {
    const card = questionCard(question);
    expect(card.version).toBe('1.5');
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'Which app keeps asking?', weight: 'Bolder', wrap: true });
    expect(card.body[1]).toMatchObject({ type: 'TextBlock', text: 'Pick the one you use most.', isSubtle: true });
    expect(card.actions).toEqual([
      { type: 'Action.Submit', title: 'Outlook', data: { nodeId: 'cp-which-app', optionId: 'outlook' } },
      { type: 'Action.Submit', title: 'Teams', data: { nodeId: 'cp-which-app', optionId: 'teams' } },
    ]);
    expect(card.fallbackText).toBe('Which app keeps asking?\nPick the one you use most.\n1. Outlook\n2. Teams');
  });

  it('goes out as an attachment with a notification summary', () => {
    const message = renderReply(question);
    expect(message.attachments?.[0]?.contentType).toBe(ADAPTIVE_CARD);
    expect(message.summary).toBe('Which app keeps asking?');
    expect(message.text).toBeUndefined();
  });

  it('once answered shows the question and the answer, without buttons', () => {
    const card = answeredCard('Which app keeps asking?', 'Teams');
    expect(card.actions).toBeUndefined();
    expect(card.body).toContainEqual({ type: 'FactSet', facts: [{ title: 'Your answer', value: 'Teams' }], spacing: 'Medium' });
    expect(card.fallbackText).toBe('Which app keeps asking?\nYour answer: Teams');
  });
});

describe('remediation card', () => {
  it('numbers the steps, sets commands in monospace and says who does it', () => {
    const card = remediationCard({ text: 'Clear cached credentials', steps: ['Open Credential Manager.', 'Run `klist purge`, then `gpupdate /force`.'], audience: 'user' });
    const steps = card.body.filter((b) => b.type === 'ColumnSet') as { columns: { items: Record<string, unknown>[] }[] }[];
    expect(steps).toHaveLength(2);
    expect(steps[1]!.columns[0]!.items[0]!.text).toBe('2.');
    expect(steps[1]!.columns[1]!.items[0]).toEqual({
      type: 'RichTextBlock',
      inlines: [
        { type: 'TextRun', text: 'Run ' },
        { type: 'TextRun', text: 'klist purge', fontType: 'Monospace', highlight: true },
        { type: 'TextRun', text: ', then ' },
        { type: 'TextRun', text: 'gpupdate /force', fontType: 'Monospace', highlight: true },
        { type: 'TextRun', text: '.' },
      ],
    });
    expect(card.body).toContainEqual(expect.objectContaining({ text: USER_AUDIENCE, color: 'Good' }));
    expect(card.fallbackText).toBe('Clear cached credentials\nYou can do this yourself\n1. Open Credential Manager.\n2. Run `klist purge`, then `gpupdate /force`.');
  });

  it('tells the user when an IT admin has to do it', () => {
    const card = remediationCard({ text: 'Re-issue the certificate', steps: ['Run `certutil -pulse`.'], audience: 'admin' });
    expect(card.body).toContainEqual(expect.objectContaining({ text: ADMIN_AUDIENCE, color: 'Attention' }));
    expect(ADMIN_AUDIENCE).toBe('Your IT admin needs to do this');
  });

  it('shows an unmatched backtick as it is', () => {
    expect(stepRuns('Type ` and press Enter')).toEqual([
      { type: 'TextRun', text: 'Type ' },
      { type: 'TextRun', text: '` and press Enter' },
    ]);
    expect(stepRuns('`ipconfig`')).toEqual([{ type: 'TextRun', text: 'ipconfig', fontType: 'Monospace', highlight: true }]);
  });
});

it('renders an escalation as a card with the ticket id', () => {
  const card = escalationCard({ text: 'I have opened ticket HD-1042 for the support team.', ticketId: 'HD-1042' });
  expect(card.body[1]).toEqual({ type: 'FactSet', facts: [{ title: 'Ticket', value: 'HD-1042' }] });
  expect(card.fallbackText).toBe('Ticket HD-1042: I have opened ticket HD-1042 for the support team.');
});

it('sends text replies as plain text', () => {
  expect(renderReply({ kind: 'text', text: 'Your tickets:\nHD-1 (open)' })).toEqual({ type: 'message', text: 'Your tickets:\nHD-1 (open)', textFormat: 'plain' });
});

it('every card has fallback text', () => {
  const replies: Reply[] = [
    question,
    { kind: 'remediation', text: 'Fix', flowId: 'f', nodeId: 'n', steps: ['a'], audience: 'user' },
    { kind: 'escalation', text: 'Opened.', ticketId: 'HD-1' },
  ];
  for (const reply of replies) expect(renderReply(reply).attachments?.[0]?.content.fallbackText.length).toBeGreaterThan(0);
});

describe('welcome', () => {
  it('puts the help text and the topic menu on one card', () => {
    const [message, ...rest] = welcomeMessages([{ kind: 'text', text: 'Tell me what is wrong.' }, { ...question, nodeId: 'menu', text: 'What do you need help with?' }]);
    expect(rest).toEqual([]);
    const card = message!.attachments![0]!.content;
    expect(card.body.map((b) => b.text)).toEqual(["Hi, I'm the IT helpdesk bot", 'Tell me what is wrong.', 'What do you need help with?']);
    expect(card.actions).toHaveLength(2);
    expect(card.fallbackText).toContain('1. Outlook');
  });

  it('renders anything else reply by reply', () => {
    expect(welcomeMessages([{ kind: 'text', text: 'a' }, { kind: 'text', text: 'b' }])).toHaveLength(2);
  });
});

it('reads only well-formed choice submits', () => {
  expect(parseChoiceSubmit({ nodeId: 'n', optionId: 'o' })).toEqual({ nodeId: 'n', optionId: 'o' });
  expect(parseChoiceSubmit({ nodeId: 'n', optionId: 'o', extra: 1 })).toEqual({ nodeId: 'n', optionId: 'o' });
  for (const bad of [undefined, null, 'x', {}, { nodeId: 'n' }, { nodeId: '', optionId: 'o' }, { nodeId: 1, optionId: 'o' }, { nodeId: 'n', optionId: 'x'.repeat(201) }, { ticketAction: 'assign', ticketId: 'HD-1' }]) {
    expect(parseChoiceSubmit(bad)).toBeUndefined();
  }
});
