/** Row ↔ record mapping shared by the storage backends. */
import type { NewTicket, Ticket, TicketStatus } from '../../bot/ports';

export const ticketData = (ticket: NewTicket): string => JSON.stringify(ticket);

export function ticketFromRow(row: { data: unknown; status: string }): Ticket {
  const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as NewTicket;
  return { ...data, status: row.status as TicketStatus };
}

/** Thrown inside a commit transaction to roll it back as a lost race. */
export class CommitConflict extends Error {
  constructor() {
    super('conversation was changed by a concurrent turn');
  }
}
