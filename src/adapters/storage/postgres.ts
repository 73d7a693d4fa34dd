/**
 * PostgreSQL store for running several bot instances against one database. Commits are
 * transactions with a version check, so a turn that lost a race on another instance retries.
 */
import { Pool, type PoolClient } from 'pg';
import type {
  CommitResult,
  NewOutboxItem,
  NewTicket,
  OutboxItem,
  Storage,
  StoredConversation,
  SupportPost,
  Ticket,
  TranscriptEntry,
  TurnCommit,
} from '../../bot/ports';
import { CommitConflict, outboxFromRow, ticketData, ticketFromRow } from './records';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE conversations (
     key TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     state JSONB NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );
   CREATE TABLE transcript (
     id BIGSERIAL PRIMARY KEY,
     conversation_key TEXT NOT NULL,
     episode INTEGER NOT NULL,
     at TIMESTAMPTZ NOT NULL,
     entry JSONB NOT NULL
   );
   CREATE INDEX transcript_by_conversation ON transcript (conversation_key, id);
   CREATE SEQUENCE ticket_number START WITH 1001;
   CREATE TABLE tickets (
     number INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     dedupe_key TEXT NOT NULL UNIQUE,
     conversation_key TEXT NOT NULL,
     requester_id TEXT NOT NULL,
     status TEXT NOT NULL,
     data JSONB NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );
   CREATE INDEX tickets_by_requester ON tickets (requester_id);
   CREATE INDEX tickets_by_conversation ON tickets (conversation_key);
   CREATE TABLE channel_events (
     source TEXT NOT NULL,
     event_id TEXT NOT NULL,
     expires_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (source, event_id)
   );
   CREATE INDEX channel_events_by_expiry ON channel_events (expires_at);`,
  // 2: ticket lifecycle, support threads, the outbox and chat-set settings.
  `ALTER TABLE tickets ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
   CREATE TABLE support_threads (
     channel TEXT NOT NULL,
     conversation_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     ticket_id TEXT NOT NULL,
     PRIMARY KEY (channel, conversation_id, message_id)
   );
   CREATE TABLE outbox (
     id BIGSERIAL PRIMARY KEY,
     channel TEXT NOT NULL,
     payload JSONB NOT NULL,
     coalesce_key TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     generation INTEGER NOT NULL DEFAULT 0,
     due_at TIMESTAMPTZ NOT NULL,
     leased_until TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
     last_error TEXT,
     created_at TIMESTAMPTZ NOT NULL
   );
   CREATE UNIQUE INDEX outbox_by_coalesce_key ON outbox (coalesce_key) WHERE coalesce_key IS NOT NULL;
   CREATE INDEX outbox_by_due ON outbox (due_at);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL);`,
];

/** Any fixed number: serializes migrations across instances starting at the same time. */
const MIGRATION_LOCK = 7_340_211;

export interface PostgresOptions {
  readonly connectionString: string;
  /** Schema for every table (default: the connection's search_path, normally `public`). */
  readonly schema?: string;
  readonly maxConnections?: number;
}

export class PostgresStorage implements Storage {
  readonly backend = 'postgres' as const;
  private readonly pool: Pool;

  constructor(options: PostgresOptions) {
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)');
      const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      for (const [i, sql] of MIGRATIONS.entries()) {
        const version = i + 1;
        if (version <= current) continue;
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [version]);
      }
    });
  }

  async loadConversation(key: string): Promise<StoredConversation | undefined> {
    const { rows } = await this.pool.query<{ version: number; state: StoredConversation['state'] }>(
      'SELECT version, state FROM conversations WHERE key = $1',
      [key],
    );
    const row = rows[0];
    return row ? { version: row.version, state: row.state } : undefined;
  }

  async commitTurn(commit: TurnCommit): Promise<CommitResult> {
    try {
      await this.transaction(async (client) => {
        const state = JSON.stringify(commit.state);
        const written =
          commit.expectedVersion === 0
            ? await client.query(
                'INSERT INTO conversations (key, version, state, updated_at) VALUES ($1, 1, $2, now()) ON CONFLICT (key) DO NOTHING',
                [commit.key, state],
              )
            : await client.query(
                'UPDATE conversations SET version = version + 1, state = $2, updated_at = now() WHERE key = $1 AND version = $3',
                [commit.key, state, commit.expectedVersion],
              );
        if (written.rowCount !== 1) throw new CommitConflict();
        if (commit.transcript.length > 0) {
          await client.query(
            `INSERT INTO transcript (conversation_key, episode, at, entry)
             SELECT $1, e.episode, e.at, e.entry FROM jsonb_to_recordset($2::jsonb) AS e(episode int, at timestamptz, entry jsonb)`,
            [commit.key, JSON.stringify(commit.transcript.map((entry) => ({ episode: entry.episode, at: entry.at, entry })))],
          );
        }
        const ticket = commit.ticket;
        if (ticket) {
          const inserted = await client.query(
            `INSERT INTO tickets (number, id, dedupe_key, conversation_key, requester_id, status, data, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, now()) ON CONFLICT DO NOTHING`,
            [ticket.number, ticket.id, ticket.dedupeKey, ticket.conversationKey, ticket.requester.userId, ticketData(ticket), ticket.createdAt],
          );
          if (inserted.rowCount !== 1) throw new CommitConflict();
        }
        await insertOutbox(client, commit.outbox ?? []);
      });
    } catch (err) {
      if (err instanceof CommitConflict) return { ok: false };
      throw err;
    }
    return { ok: true, version: commit.expectedVersion + 1 };
  }

  async nextTicketNumber(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>("SELECT nextval('ticket_number') AS n");
    return Number(rows[0]!.n);
  }

  async findTicketByDedupeKey(dedupeKey: string): Promise<Ticket | undefined> {
    return (await this.ticketsWhere('dedupe_key = $1', [dedupeKey]))[0];
  }

  async getTicket(id: string): Promise<Ticket | undefined> {
    return (await this.ticketsWhere('id = $1', [id]))[0];
  }

  async listTickets(query: { requesterId?: string; conversationKey?: string } = {}): Promise<Ticket[]> {
    if (query.requesterId !== undefined) return this.ticketsWhere('requester_id = $1', [query.requesterId]);
    if (query.conversationKey !== undefined) return this.ticketsWhere('conversation_key = $1', [query.conversationKey]);
    return this.ticketsWhere('TRUE', []);
  }

  async readTranscript(key: string): Promise<TranscriptEntry[]> {
    const { rows } = await this.pool.query<{ entry: TranscriptEntry }>(
      'SELECT entry FROM transcript WHERE conversation_key = $1 ORDER BY id',
      [key],
    );
    return rows.map((r) => r.entry);
  }

  async claimEvent(source: string, eventId: string, ttlMs: number): Promise<boolean> {
    return this.transaction(async (client) => {
      await client.query('DELETE FROM channel_events WHERE expires_at <= now()');
      const inserted = await client.query(
        `INSERT INTO channel_events (source, event_id, expires_at)
         VALUES ($1, $2, now() + $3 * interval '1 millisecond') ON CONFLICT DO NOTHING`,
        [source, eventId, ttlMs],
      );
      return inserted.rowCount === 1;
    });
  }

  async updateTicket(ticket: Ticket, outbox: readonly NewOutboxItem[] = []): Promise<Ticket | undefined> {
    const saved: Ticket = { ...ticket, revision: ticket.revision + 1 };
    return this.transaction(async (client) => {
      const written = await client.query(
        'UPDATE tickets SET status = $1, data = $2, revision = $3, updated_at = $4 WHERE id = $5 AND revision = $6',
        [saved.status, ticketData(saved), saved.revision, saved.updatedAt, ticket.id, ticket.revision],
      );
      if (written.rowCount !== 1) return undefined;
      await insertOutbox(client, outbox);
      return saved;
    });
  }

  async createTicket(ticket: NewTicket, outbox: readonly NewOutboxItem[] = []): Promise<{ ticket: Ticket; created: boolean }> {
    const created = await this.transaction(async (client) => {
      const inserted = await client.query(
        `INSERT INTO tickets (number, id, dedupe_key, conversation_key, requester_id, status, data, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, now()) ON CONFLICT DO NOTHING`,
        [ticket.number, ticket.id, ticket.dedupeKey, ticket.conversationKey, ticket.requester.userId, ticketData(ticket), ticket.createdAt],
      );
      if (inserted.rowCount !== 1) return false;
      await insertOutbox(client, outbox);
      return true;
    });
    const stored = await this.findTicketByDedupeKey(ticket.dedupeKey);
    if (!stored) throw new Error(`ticket ${ticket.id} could not be stored (its number is taken)`);
    return { ticket: stored, created };
  }

  async linkSupportThread(ticketId: string, post: SupportPost): Promise<void> {
    await this.pool.query(
      'INSERT INTO support_threads (channel, conversation_id, message_id, ticket_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [post.channel, post.conversationId, post.messageId, ticketId],
    );
  }

  async supportPostOf(ticketId: string): Promise<SupportPost | undefined> {
    const { rows } = await this.pool.query<{ channel: SupportPost['channel']; conversation_id: string; message_id: string }>(
      'SELECT channel, conversation_id, message_id FROM support_threads WHERE ticket_id = $1 ORDER BY ctid LIMIT 1',
      [ticketId],
    );
    const row = rows[0];
    return row ? { channel: row.channel, conversationId: row.conversation_id, messageId: row.message_id } : undefined;
  }

  async findTicketBySupportThread(channel: SupportPost['channel'], conversationId: string, messageId: string): Promise<Ticket | undefined> {
    const tickets = await this.ticketsWhere(
      'id = (SELECT ticket_id FROM support_threads WHERE channel = $1 AND conversation_id = $2 AND message_id = $3)',
      [channel, conversationId, messageId],
    );
    return tickets[0];
  }

  async enqueueOutbox(items: readonly NewOutboxItem[]): Promise<void> {
    await this.transaction((client) => insertOutbox(client, items));
  }

  async leaseOutbox(limit: number, leaseMs: number): Promise<OutboxItem[]> {
    // SKIP LOCKED: two instances leasing at once get different items instead of waiting.
    const { rows } = await this.pool.query<Parameters<typeof outboxFromRow>[0]>(
      `UPDATE outbox SET leased_until = now() + $2 * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM outbox WHERE due_at <= now() AND leased_until <= now()
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       RETURNING id, channel, payload, coalesce_key, attempts, generation`,
      [limit, leaseMs],
    );
    return rows.map(outboxFromRow).sort((a, b) => a.id - b.id);
  }

  async completeOutbox(item: OutboxItem): Promise<void> {
    await this.transaction(async (client) => {
      const removed = await client.query('DELETE FROM outbox WHERE id = $1 AND generation = $2', [item.id, item.generation]);
      if (removed.rowCount === 0) await client.query("UPDATE outbox SET leased_until = 'epoch' WHERE id = $1", [item.id]);
    });
  }

  async retryOutbox(id: number, dueAt: Date, error: string): Promise<void> {
    await this.pool.query("UPDATE outbox SET attempts = attempts + 1, due_at = $2, leased_until = 'epoch', last_error = $3 WHERE id = $1", [
      id,
      dueAt,
      error,
    ]);
  }

  async getSetting(key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [key, value],
    );
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async ticketsWhere(where: string, params: unknown[]): Promise<Ticket[]> {
    const { rows } = await this.pool.query<{ data: unknown; status: string; revision: number }>(
      `SELECT data, status, revision FROM tickets WHERE ${where} ORDER BY number`,
      params,
    );
    return rows.map(ticketFromRow);
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** Inside a transaction: new items, or a newer generation of a waiting item with the same coalesce key. */
async function insertOutbox(client: PoolClient, items: readonly NewOutboxItem[]): Promise<void> {
  for (const item of items) {
    await client.query(
      `INSERT INTO outbox (channel, payload, coalesce_key, due_at, created_at) VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (coalesce_key) WHERE coalesce_key IS NOT NULL
       DO UPDATE SET generation = outbox.generation + 1, due_at = LEAST(outbox.due_at, EXCLUDED.due_at), payload = EXCLUDED.payload`,
      [item.channel, JSON.stringify(item.payload), item.coalesceKey ?? null],
    );
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
