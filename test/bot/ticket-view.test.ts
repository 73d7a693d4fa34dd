import type { Ticket } from '../../src/bot/ports';
import { ticketView } from '../../src/bot/ticket-view';

const ticket: Ticket = {
  id: 'HD-1042',
  number: 1042,
  dedupeKey: 'k#1',
  conversationKey: 'k',
  requester: { channel: 'teams', userId: '29:pat', name: 'Pat Example' },
  ref: { channel: 'teams', conversationId: 'a:1', user: { id: '29:pat', name: 'Pat Example' } },
  flowId: 'credential-prompt-loop',
  reason: 'The last suggestion did not fix it.',
  summary: 'Outlook keeps asking for my password',
  since: 'this morning',
  affected: 'some',
  trail: [
    { kind: 'question', nodeId: 'q-app', question: 'Which app asks for the password?', answer: 'Outlook' },
    { kind: 'question', nodeId: 'q-mfa', question: 'Is MFA on?', answer: 'Yes', source: 'first-message' },
    { kind: 'remediation', nodeId: 'r-creds', title: 'Clear saved Office credentials', audience: 'user', outcome: 'not fixed' },
  ],
  createdAt: '2026-11-23T09:15:00.000Z',
  status: 'open',
  priority: 'P3',
  revision: 1,
  history: [],
  updatedAt: '2026-11-23T09:15:00.000Z',
};

describe('ticket card view', () => {
  it('shows every fact the bot collected, the trail and what was tried', () => {
    const view = ticketView(ticket, 'Password prompts that keep coming back');
    expect(view.title).toBe('HD-1042 [P3] Outlook keeps asking for my password');
    expect(view.facts).toEqual([
      { label: 'Status', value: 'Open' },
      { label: 'Priority', value: 'P3' },
      { label: 'Requester', value: 'Pat Example (teams)' },
      { label: 'Assignee', value: 'Nobody yet' },
      { label: 'Guide', value: 'Password prompts that keep coming back (credential-prompt-loop)' },
      { label: 'Why escalated', value: 'The last suggestion did not fix it.' },
      { label: 'Since', value: 'this morning' },
      { label: 'Affected', value: 'Several people' },
      { label: 'Opened', value: '2026-11-23 09:15 UTC' },
    ]);
    expect(view.answers).toEqual(['Which app asks for the password? → Outlook', 'Is MFA on? → Yes (from the first message)']);
    expect(view.tried).toEqual(['Clear saved Office credentials (user): not fixed']);
    expect(view.actions.map((a) => a.id)).toEqual(['assign', 'reassign', 'resolve']);
  });

  it('offers only Reopen on a resolved ticket and shows the rating', () => {
    const view = ticketView({ ...ticket, status: 'resolved', rating: 5, assignee: { channel: 'slack', id: 'U1', name: 'Sam' } });
    expect(view.actions).toEqual([{ id: 'reopen', label: 'Reopen' }]);
    expect(view.facts).toContainEqual({ label: 'Assignee', value: 'Sam' });
    expect(view.facts).toContainEqual({ label: 'Rating', value: '5/5' });
    expect(view.summaryLine).toBe('HD-1042 (P3, resolved): Outlook keeps asking for my password');
  });
});
