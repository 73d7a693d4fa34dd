import type { Ticket } from '../../../src/bot/ports';
import { ticketView } from '../../../src/bot/ticket-view';
import { escapeSlack, ticketCardBlocks } from '../../../src/adapters/slack/ticket-card';

const ticket: Ticket = {
  id: 'HD-1001',
  number: 1001,
  dedupeKey: 'k#1',
  conversationKey: 'k',
  requester: { channel: 'slack', userId: 'U1', name: 'Pat <!channel>' },
  ref: { channel: 'slack', conversationId: 'D1', user: { id: 'U1' } },
  reason: 'x',
  summary: 'Outlook asks for my password <!here> <https://evil.example|click>',
  trail: [{ kind: 'question', nodeId: 'q', question: 'Which app?', answer: 'Outlook & Teams' }],
  messages: ['Pat: help <@U999>'],
  createdAt: '2026-11-23T10:00:00.000Z',
  status: 'open',
  priority: 'P2',
  revision: 1,
  history: [],
  updatedAt: '2026-11-23T10:00:00.000Z',
};

describe('Slack ticket card', () => {
  it('escapes &, < and > everywhere user text appears', () => {
    expect(escapeSlack('a & <!channel> >')).toBe('a &amp; &lt;!channel&gt; &gt;');
    const card = ticketCardBlocks(ticketView(ticket), ticket.id);
    const json = JSON.stringify(card);
    expect(json).not.toMatch(/<!channel>|<!here>|<https:|<@U999>/);
    expect(card.text).toBe('HD-1001 (P2, open): Outlook asks for my password &lt;!here&gt; &lt;https://evil.example|click&gt;');
  });

  it('has the facts, the trail and the buttons for an open ticket', () => {
    const { blocks } = ticketCardBlocks(ticketView(ticket), ticket.id);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions']);
    const actions = blocks.at(-1) as { block_id: string; elements: { type: string; action_id: string; value?: string }[] };
    expect(actions.block_id).toBe('ticket:HD-1001');
    expect(actions.elements.map((e) => [e.type, e.action_id, e.value])).toEqual([
      ['button', 'ticket.assign', 'HD-1001'],
      ['users_select', 'ticket.reassign', undefined],
      ['button', 'ticket.resolve', 'HD-1001'],
    ]);
    expect(JSON.stringify(blocks[2])).toContain('Which app? → Outlook &amp; Teams');
  });
});
