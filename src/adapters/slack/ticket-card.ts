/**
 * The ticket card in a Slack support channel, in Block Kit, rendered from the channel-neutral
 * ticket view. Everything the user typed is escaped, so nobody can ping the channel or inject
 * links through a ticket.
 */
import type { TicketView } from '../../bot/ticket-view';

/** Block Kit's own escaping for mrkdwn and plain text: & < > only. */
export const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const TICKET_ACTION_PREFIX = 'ticket.';

type Block = Record<string, unknown>;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A list section, clipped to Slack's 3000-character limit per text field. */
function listSection(heading: string, lines: readonly string[], quote = false): Block[] {
  if (lines.length === 0) return [];
  const body = lines.map((l) => (quote ? `> ${escapeSlack(l).replace(/\n/g, '\n> ')}` : `• ${escapeSlack(l)}`)).join('\n');
  return [{ type: 'section', text: { type: 'mrkdwn', text: clip(`*${heading}*\n${body}`, 3000) } }];
}

export function ticketCardBlocks(view: TicketView, ticketId: string): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(escapeSlack(view.title), 150), emoji: false } },
    {
      type: 'section',
      fields: view.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: clip(`*${f.label}*\n${escapeSlack(f.value)}`, 2000) })),
    },
    ...listSection('Answers', view.answers),
    ...listSection('Tried', view.tried),
    ...listSection('Messages', view.messages, true),
  ];
  const elements: Block[] = view.actions.map((a) =>
    a.id === 'reassign'
      ? {
          type: 'users_select',
          action_id: `${TICKET_ACTION_PREFIX}reassign`,
          placeholder: { type: 'plain_text', text: 'Reassign to…' },
        }
      : {
          type: 'button',
          action_id: `${TICKET_ACTION_PREFIX}${a.id}`,
          value: ticketId,
          text: { type: 'plain_text', text: a.label },
          ...(a.id === 'resolve' ? { style: 'primary' } : {}),
        },
  );
  // block_id carries the ticket id for the users_select, whose payload has no value of its own.
  blocks.push({ type: 'actions', block_id: `ticket:${ticketId}`, elements });
  return { text: escapeSlack(view.summaryLine), blocks };
}
