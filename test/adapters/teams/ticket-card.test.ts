import type { Ticket } from '../../../src/bot/ports';
import { ticketView } from '../../../src/bot/ticket-view';
import { defuseMarkdown, parseTicketSubmit, ticketCard } from '../../../src/adapters/teams/ticket-card';

const ticket: Ticket = {
  id: 'HD-1001',
  number: 1001,
  dedupeKey: 'k#1',
  conversationKey: 'k',
  requester: { channel: 'teams', userId: '29:pat', name: 'Pat' },
  ref: { channel: 'teams', conversationId: 'a:1', user: { id: '29:pat' } },
  reason: 'The user asked to talk to a person.',
  trail: [{ kind: 'remediation', nodeId: 'r', title: 'Sign out and back in', audience: 'user', outcome: 'not fixed' }],
  createdAt: '2026-11-23T10:00:00.000Z',
  status: 'open',
  priority: 'P3',
  revision: 1,
  history: [],
  updatedAt: '2026-11-23T10:00:00.000Z',
};

describe('Teams ticket card', () => {
  it('is an Adaptive Card 1.5 with facts, what was tried and the staff buttons', () => {
    const card = ticketCard(ticketView(ticket), ticket.id) as { version: string; fallbackText: string; body: { type: string }[]; actions: { type: string; title: string; data?: unknown }[] };
    expect(card.version).toBe('1.5');
    expect(card.fallbackText).toBe('HD-1001 (P3, open): The user asked to talk to a person.');
    expect(card.body.map((b) => b.type)).toEqual(['TextBlock', 'FactSet', 'TextBlock', 'TextBlock']);
    expect(card.actions.map((a) => [a.type, a.title])).toEqual([
      ['Action.Submit', 'Assign to me'],
      ['Action.ShowCard', 'Reassign'],
      ['Action.Submit', 'Resolve'],
    ]);
    expect(card.actions[0]!.data).toEqual({ ticketAction: 'assign', ticketId: 'HD-1001' });
  });

  it('shows user text without letting it make links or images', () => {
    const sneaky: Ticket = {
      ...ticket,
      summary: 'Outlook broken, see [screenshot](https://evil.example/login)',
      since: '![x](https://evil.example/t.png) today',
      messages: ['Pat: log in at <https://evil.example>'],
    };
    // The rendered parts (fallbackText is plain text, shown only where cards are not).
    const json = JSON.stringify((ticketCard(ticketView(sneaky), ticket.id) as { body: unknown }).body);
    expect(json).not.toMatch(/\]\(https/);
    expect(json).not.toContain('![');
    expect(json).not.toContain('<https');
    expect(defuseMarkdown('[a](https://x.example)')).toBe('[a]\u200B(https://x.example)');
    // Reads the same apart from the invisible break.
    expect(defuseMarkdown('see [screenshot](https://evil.example)').replace(/\u200B/g, '')).toBe('see [screenshot](https://evil.example)');
  });

  it('accepts only well-formed ticket submits', () => {
    expect(parseTicketSubmit({ ticketAction: 'resolve', ticketId: 'HD-1001' })).toEqual({ ticketAction: 'resolve', ticketId: 'HD-1001' });
    expect(parseTicketSubmit({ ticketAction: 'reassign', ticketId: 'HD-1001', assignee: 'aad-1' })).toEqual({ ticketAction: 'reassign', ticketId: 'HD-1001', assignee: 'aad-1' });
    expect(parseTicketSubmit({ ticketAction: 'reassign', ticketId: 'HD-1001' })).toBeUndefined();
    expect(parseTicketSubmit({ ticketAction: 'delete', ticketId: 'HD-1001' })).toBeUndefined();
    expect(parseTicketSubmit({ ticketAction: 'resolve', ticketId: "HD-1'; drop" })).toBeUndefined();
    expect(parseTicketSubmit({ nodeId: 'menu', optionId: 'x' })).toBeUndefined();
    expect(parseTicketSubmit(null)).toBeUndefined();
  });
});
