/**
 * PostgreSQL store for running several bot instances against one database. Commits are
 * transactions with a version check, so a turn that lost a race on another instance retries.
 */
import { Pool, type PoolClient } from 'pg';
import type { CommitResult, Storage, StoredConversation, Ticket, TranscriptEntry, TurnCommit } from '../../bot/ports';
import { CommitConflict, ticketData, ticketFromRow } from './records';

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

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async ticketsWhere(where: string, params: unknown[]): Promise<Ticket[]> {
    const { rows } = await this.pool.query<{ data: unknown; status: string }>(
      `SELECT data, status FROM tickets WHERE ${where} ORDER BY number`,
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

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
