/**
 * What a ticket card in the support channel shows, channel-neutral: the Slack and Teams
 * adapters render this one view (Block Kit, Adaptive Card), so both show the same facts.
 */
import type { Ticket } from './ports';

export type TicketActionId = 'assign' | 'resolve' | 'reopen' | 'reassign';

export interface TicketView {
  readonly title: string;
  /** Label and value pairs, in display order. */
  readonly facts: readonly { readonly label: string; readonly value: string }[];
  /** The question-and-answer trail, one line each. */
  readonly answers: readonly string[];
  /** Remediations shown to the user and what came of them. */
  readonly tried: readonly string[];
  /** For a ticket made from a thread: the messages, oldest first. */
  readonly messages: readonly string[];
  /** Buttons that make sense in the ticket's state. */
  readonly actions: readonly { readonly id: TicketActionId; readonly label: string }[];
  /** One line for notifications and fallback text. */
  readonly summaryLine: string;
}

const STATUS: Record<Ticket['status'], string> = { open: 'Open', assigned: 'Assigned', resolved: 'Resolved' };
const AFFECTED = { me: 'Only the requester', some: 'Several people', many: 'Many people / everyone', unknown: 'Not known' } as const;

export function ticketView(ticket: Ticket, flowTitle?: string): TicketView {
  const requester = ticket.requester.name ? `${ticket.requester.name} (${ticket.requester.channel})` : `${ticket.requester.userId} (${ticket.requester.channel})`;
  const summary = ticket.summary ?? ticket.reason;
  const facts: { label: string; value: string }[] = [
    { label: 'Status', value: STATUS[ticket.status] },
    { label: 'Priority', value: ticket.priority },
    { label: 'Requester', value: requester },
    { label: 'Assignee', value: ticket.assignee ? (ticket.assignee.name ?? ticket.assignee.id) : 'Nobody yet' },
  ];
  if (ticket.flowId) facts.push({ label: 'Guide', value: flowTitle ? `${flowTitle} (${ticket.flowId})` : ticket.flowId });
  facts.push({ label: 'Why escalated', value: ticket.reason });
  if (ticket.since) facts.push({ label: 'Since', value: ticket.since });
  if (ticket.affected) facts.push({ label: 'Affected', value: AFFECTED[ticket.affected] });
  facts.push({ label: 'Opened', value: ticket.createdAt.replace('T', ' ').slice(0, 16) + ' UTC' });
  if (ticket.rating !== undefined) facts.push({ label: 'Rating', value: `${ticket.rating}/5` });

  const answers = ticket.trail.flatMap((item) =>
    item.kind === 'question' ? [`${item.question} → ${item.answer}${item.source === 'first-message' ? ' (from the first message)' : ''}`] : [],
  );
  const tried = ticket.trail.flatMap((item) =>
    item.kind === 'remediation' ? [`${item.title} (${item.audience === 'admin' ? 'admin' : 'user'}): ${item.outcome}`] : [],
  );
  const actions: { id: TicketActionId; label: string }[] =
    ticket.status === 'resolved'
      ? [{ id: 'reopen', label: 'Reopen' }]
      : [
          { id: 'assign', label: 'Assign to me' },
          { id: 'reassign', label: 'Reassign' },
          { id: 'resolve', label: 'Resolve' },
        ];
  return {
    title: `${ticket.id} [${ticket.priority}] ${summary}`.slice(0, 150),
    facts,
    answers,
    tried,
    messages: ticket.messages ?? [],
    actions,
    summaryLine: `${ticket.id} (${ticket.priority}, ${STATUS[ticket.status].toLowerCase()}): ${summary}`,
  };
}
