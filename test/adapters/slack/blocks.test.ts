import type { Reply } from '../../../src/bot/messages';
import type { Ticket } from '../../../src/bot/ports';
import { answeredQuestion, decodeChoice, encodeChoice, homeView, mrkdwnWithCode, renderReply, START_TRIAGE_ACTION, unescapeSlack } from '../../../src/adapters/slack/blocks';

const hostile = 'Hi <!channel> & <!here> <https://evil.example|click> <@U999>';

describe('Block Kit rendering', () => {
  it('escapes text replies in the blocks and in the fallback', () => {
    const message = renderReply({ kind: 'text', text: hostile });
    expect(message.text).toBe('Hi &lt;!channel&gt; &amp; &lt;!here&gt; &lt;https://evil.example|click&gt; &lt;@U999&gt;');
    expect(message.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: message.text } }]);
    expect(unescapeSlack(message.text)).toBe(hostile);
  });

  it('renders a question as a section and buttons whose action_id and value identify node and option', () => {
    const reply: Reply = { kind: 'question', nodeId: 'wf-where', text: 'Where are you?', options: [{ id: 'home', label: 'At <home> & away' }, { id: 'office', label: 'In the office' }] };
    const message = renderReply(reply, '1700000000.000100');
    expect(message.text).toBe('Where are you?\n• At &lt;home&gt; &amp; away\n• In the office');
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Where are you?' } });
    const actions = message.blocks[1] as any;
    expect(actions.type).toBe('actions');
    expect(actions.block_id).toBe('triage.q0:wf-where');
    expect(actions.elements).toEqual([
      { type: 'button', action_id: 'triage.choice:0:home', text: { type: 'plain_text', text: 'At &lt;home&gt; &amp; away', emoji: true }, value: '{"n":"wf-where","o":"home","t":"1700000000.000100"}' },
      { type: 'button', action_id: 'triage.choice:1:office', text: { type: 'plain_text', text: 'In the office', emoji: true }, value: '{"n":"wf-where","o":"office","t":"1700000000.000100"}' },
    ]);
    expect(decodeChoice(actions.elements[0].value)).toEqual({ nodeId: 'wf-where', optionId: 'home', threadId: '1700000000.000100' });
  });

  it('splits more than 25 options over several actions blocks (Slack’s limit per block)', () => {
    const options = Array.from({ length: 30 }, (_, i) => ({ id: `o${i}`, label: `Option ${i}` }));
    const message = renderReply({ kind: 'question', nodeId: 'menu', text: 'Pick', options });
    const actions = message.blocks.filter((b) => b.type === 'actions') as { block_id: string; elements: unknown[] }[];
    expect(actions.map((a) => a.elements.length)).toEqual([25, 5]);
    expect(new Set(actions.map((a) => a.block_id)).size).toBe(2);
  });

  it('renders a remediation as a numbered list with commands as code, and says who does it', () => {
    const message = renderReply({
      kind: 'remediation',
      flowId: 'f',
      nodeId: 'n',
      text: 'Reset the <cache>\nA stale cache & old tokens cause it.',
      steps: ['Quit Outlook.', 'Run `del %LOCALAPPDATA%\\Microsoft\\Outlook\\*.ost` & restart.', 'Set `A<B` then ` an odd tick'],
      audience: 'admin',
    });
    expect(message.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Reset the &lt;cache&gt;*\nA stale cache &amp; old tokens cause it.' } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '1. Quit Outlook.\n2. Run `del %LOCALAPPDATA%\\Microsoft\\Outlook\\*.ost` &amp; restart.\n3. Set `A&lt;B` then ` an odd tick' },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: ':hammer_and_wrench: These steps need an IT admin.' }] },
    ]);
    expect(message.text).toContain('Reset the &lt;cache&gt;\n1. Quit Outlook.');
    expect(message.text).toContain('These steps need an IT admin.');
    expect(renderReply({ kind: 'remediation', flowId: 'f', nodeId: 'n', text: 'T', steps: ['s'], audience: 'user' }).text).toContain('You can do these steps yourself.');
  });

  it('keeps backtick code spans and escapes inside them', () => {
    expect(mrkdwnWithCode('run `a && b` <now>')).toBe('run `a &amp;&amp; b` &lt;now&gt;');
    expect(mrkdwnWithCode('one ` tick')).toBe('one ` tick');
  });

  it('renders an escalation with its ticket id', () => {
    const message = renderReply({ kind: 'escalation', text: 'I have opened ticket HD-1001 for the support team.', ticketId: 'HD-1001' });
    expect(message.text).toBe('I have opened ticket HD-1001 for the support team.');
    expect(message.blocks[1]).toEqual({ type: 'section', fields: [{ type: 'mrkdwn', text: '*Ticket*\nHD-1001' }] });
  });

  it('splits long text into sections within Slack’s 3000-character limit', () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(30)}`).join('\n');
    const message = renderReply({ kind: 'text', text });
    expect(message.blocks.length).toBeGreaterThan(1);
    for (const block of message.blocks as any[]) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    expect((message.blocks as { text: { text: string } }[]).map((b) => b.text.text).join('\n')).toBe(text);
  });

  it('replaces the buttons of an answered question with the escaped answer and keeps the rest', () => {
    const question = renderReply({ kind: 'question', nodeId: 'q', text: 'Which app?', options: [{ id: 'a', label: 'Outlook' }] });
    const answered = answeredQuestion(question.blocks as any, 'Outlook <!channel> &amp; Teams');
    expect(answered.blocks).toEqual([
      question.blocks[0],
      { type: 'context', elements: [{ type: 'mrkdwn', text: ':white_check_mark: *Your answer:* Outlook &lt;!channel&gt; &amp; Teams' }] },
    ]);
    expect(answered.text).toBe('Which app?\nYour answer: Outlook &lt;!channel&gt; &amp; Teams');
  });

  it('accepts only the button values it wrote', () => {
    expect(decodeChoice(encodeChoice({ nodeId: 'n', optionId: 'o' }))).toEqual({ nodeId: 'n', optionId: 'o' });
    for (const bad of [undefined, '', 'start', '{"n":"x"}', '{"n":"x","o":"y","extra":1}', '{"n":1,"o":"y"}', '[1]']) expect(decodeChoice(bad)).toBeUndefined();
  });

  it('shows the user’s open tickets, newest first and escaped, on the App Home with a Start triage button', () => {
    const ticket = (n: number, status: Ticket['status'], summary: string): Ticket => ({
      id: `HD-${n}`,
      number: n,
      dedupeKey: `k${n}`,
      conversationKey: 'k',
      requester: { channel: 'slack', userId: 'U1' },
      ref: { channel: 'slack', conversationId: 'D1', user: { id: 'U1' } },
      reason: 'reason',
      summary,
      trail: [],
      createdAt: '2026-11-23T10:00:00.000Z',
      status,
      priority: 'P3',
      revision: 1,
      history: [],
      updatedAt: '2026-11-23T10:00:00.000Z',
    });
    const view = homeView([ticket(1001, 'open', 'Outlook <!here>'), ticket(1002, 'resolved', 'done'), ticket(1003, 'assigned', 'Teams & MFA')]);
    const json = JSON.stringify(view);
    expect(json).toContain('• *HD-1003* (assigned, opened 2026-11-23): Teams &amp; MFA\\n• *HD-1001* (open, opened 2026-11-23): Outlook &lt;!here&gt;');
    expect(json).not.toContain('HD-1002');
    const button = (view.blocks.find((b) => b.type === 'actions') as any).elements[0];
    expect(button).toMatchObject({ action_id: START_TRIAGE_ACTION, text: { text: 'Start triage' } });
    expect(JSON.stringify(homeView([]))).toContain('You have no open tickets.');
  });
});
