/** Row ↔ record mapping shared by the storage backends. */
import type { NewOutboxItem, NewTicket, OutboxItem, OutboxPayload, Ticket, TicketStatus } from '../../bot/ports';

type StoredTicket = Omit<Ticket, 'status' | 'revision'>;

/** What goes into the tickets.data column: everything but the columns of its own. */
export function ticketData(ticket: NewTicket | Ticket): string {
  const { status: _status, revision: _revision, ...data } = ticket as Partial<Ticket> & NewTicket;
  return JSON.stringify(data);
}

export function ticketFromRow(row: { data: unknown; status: string; revision: number | string }): Ticket {
  const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as NewTicket & Partial<StoredTicket>;
  return {
    ...data,
    priority: data.priority ?? 'P3',
    history: data.history ?? [{ at: data.createdAt, kind: 'created' }],
    updatedAt: data.updatedAt ?? data.createdAt,
    status: row.status as TicketStatus,
    revision: Number(row.revision),
  };
}

export function outboxFromRow(row: {
  id: number | string;
  channel: string;
  payload: unknown;
  coalesce_key: string | null;
  attempts: number;
  generation: number;
}): OutboxItem {
  return {
    id: Number(row.id),
    channel: row.channel as NewOutboxItem['channel'],
    payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as OutboxPayload,
    ...(row.coalesce_key ? { coalesceKey: row.coalesce_key } : {}),
    attempts: row.attempts,
    generation: row.generation,
  };
}

/** Thrown inside a commit transaction to roll it back as a lost race. */
export class CommitConflict extends Error {
  constructor() {
    super('conversation was changed by a concurrent turn');
  }
}
