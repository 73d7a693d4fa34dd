/**
 * The embedded default store: SQLite through better-sqlite3, in WAL mode. Several processes
 * may share the file; every commit runs in an IMMEDIATE transaction with a version check.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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
     state TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE transcript (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     conversation_key TEXT NOT NULL,
     episode INTEGER NOT NULL,
     at TEXT NOT NULL,
     entry TEXT NOT NULL
   );
   CREATE INDEX transcript_by_conversation ON transcript (conversation_key, id);
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   INSERT INTO counters (name, value) VALUES ('ticket_number', 1000);
   CREATE TABLE tickets (
     number INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     dedupe_key TEXT NOT NULL UNIQUE,
     conversation_key TEXT NOT NULL,
     requester_id TEXT NOT NULL,
     status TEXT NOT NULL,
     data TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX tickets_by_requester ON tickets (requester_id);
   CREATE INDEX tickets_by_conversation ON tickets (conversation_key);
   CREATE TABLE channel_events (
     source TEXT NOT NULL,
     event_id TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
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
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     channel TEXT NOT NULL,
     payload TEXT NOT NULL,
     coalesce_key TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     generation INTEGER NOT NULL DEFAULT 0,
     due_at INTEGER NOT NULL,
     leased_until INTEGER NOT NULL DEFAULT 0,
     last_error TEXT,
     created_at TEXT NOT NULL
   );
   CREATE UNIQUE INDEX outbox_by_coalesce_key ON outbox (coalesce_key) WHERE coalesce_key IS NOT NULL;
   CREATE INDEX outbox_by_due ON outbox (due_at);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);`,
];

type Row = Record<string, unknown>;

export class SqliteStorage implements Storage {
  readonly backend = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /** `file` is a path, or `:memory:`. */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number };
        MIGRATIONS.forEach((sql, i) => {
          const version = i + 1;
          if (version <= row.v) return;
          this.db.exec(sql);
          this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
        });
      })
      .immediate();
  }

  async loadConversation(key: string): Promise<StoredConversation | undefined> {
    const row = this.sql('SELECT version, state FROM conversations WHERE key = ?').get(key) as { version: number; state: string } | undefined;
    return row ? { version: row.version, state: JSON.parse(row.state) as StoredConversation['state'] } : undefined;
  }

  async commitTurn(commit: TurnCommit): Promise<CommitResult> {
    const now = new Date().toISOString();
    const state = JSON.stringify(commit.state);
    try {
      this.db
        .transaction(() => {
          const written =
            commit.expectedVersion === 0
              ? this.sql('INSERT INTO conversations (key, version, state, updated_at) VALUES (?, 1, ?, ?) ON CONFLICT (key) DO NOTHING')
                  .run(commit.key, state, now)
              : this.sql('UPDATE conversations SET version = version + 1, state = ?, updated_at = ? WHERE key = ? AND version = ?')
                  .run(state, now, commit.key, commit.expectedVersion);
          if (written.changes !== 1) throw new CommitConflict();
          const addLine = this.sql('INSERT INTO transcript (conversation_key, episode, at, entry) VALUES (?, ?, ?, ?)');
          for (const entry of commit.transcript) addLine.run(commit.key, entry.episode, entry.at, JSON.stringify(entry));
          const ticket = commit.ticket;
          if (ticket) {
            const inserted = this.sql(
                `INSERT INTO tickets (number, id, dedupe_key, conversation_key, requester_id, status, data, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?) ON CONFLICT DO NOTHING`,
              )
              .run(ticket.number, ticket.id, ticket.dedupeKey, ticket.conversationKey, ticket.requester.userId, ticketData(ticket), ticket.createdAt, now);
            if (inserted.changes !== 1) throw new CommitConflict();
          }
          this.insertOutbox(commit.outbox ?? []);
        })
        .immediate();
    } catch (err) {
      if (err instanceof CommitConflict) return { ok: false };
      throw err;
    }
    return { ok: true, version: commit.expectedVersion + 1 };
  }

  async nextTicketNumber(): Promise<number> {
    const row = this.sql("UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value").get() as { value: number };
    return row.value;
  }

  async findTicketByDedupeKey(dedupeKey: string): Promise<Ticket | undefined> {
    return this.ticketWhere('dedupe_key = ?', dedupeKey)[0];
  }

  async getTicket(id: string): Promise<Ticket | undefined> {
    return this.ticketWhere('id = ?', id)[0];
  }

  async listTickets(query: { requesterId?: string; conversationKey?: string } = {}): Promise<Ticket[]> {
    if (query.requesterId !== undefined) return this.ticketWhere('requester_id = ?', query.requesterId);
    if (query.conversationKey !== undefined) return this.ticketWhere('conversation_key = ?', query.conversationKey);
    return this.ticketWhere('1 = 1');
  }

  async readTranscript(key: string): Promise<TranscriptEntry[]> {
    const rows = this.sql('SELECT entry FROM transcript WHERE conversation_key = ? ORDER BY id').all(key) as { entry: string }[];
    return rows.map((r) => JSON.parse(r.entry) as TranscriptEntry);
  }

  async claimEvent(source: string, eventId: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const claimed = this.db
      .transaction(() => {
        this.sql('DELETE FROM channel_events WHERE expires_at <= ?').run(now);
        return this.sql('INSERT INTO channel_events (source, event_id, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
          .run(source, eventId, now + ttlMs).changes;
      })
      .immediate();
    return claimed === 1;
  }

  async updateTicket(ticket: Ticket, outbox: readonly NewOutboxItem[] = []): Promise<Ticket | undefined> {
    const saved: Ticket = { ...ticket, revision: ticket.revision + 1 };
    return this.db
      .transaction(() => {
        const written = this.sql('UPDATE tickets SET status = ?, data = ?, revision = ?, updated_at = ? WHERE id = ? AND revision = ?').run(
          saved.status,
          ticketData(saved),
          saved.revision,
          saved.updatedAt,
          ticket.id,
          ticket.revision,
        );
        if (written.changes !== 1) return undefined;
        this.insertOutbox(outbox);
        return saved;
      })
      .immediate();
  }

  async createTicket(ticket: NewTicket, outbox: readonly NewOutboxItem[] = []): Promise<{ ticket: Ticket; created: boolean }> {
    const created = this.db
      .transaction(() => {
        const now = new Date().toISOString();
        const inserted = this.sql(
          `INSERT INTO tickets (number, id, dedupe_key, conversation_key, requester_id, status, data, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?) ON CONFLICT DO NOTHING`,
        ).run(ticket.number, ticket.id, ticket.dedupeKey, ticket.conversationKey, ticket.requester.userId, ticketData(ticket), ticket.createdAt, now);
        if (inserted.changes !== 1) return false;
        this.insertOutbox(outbox);
        return true;
      })
      .immediate();
    const stored = this.ticketWhere('dedupe_key = ?', ticket.dedupeKey)[0];
    if (!stored) throw new Error(`ticket ${ticket.id} could not be stored (its number is taken)`);
    return { ticket: stored, created };
  }

  async linkSupportThread(ticketId: string, post: SupportPost): Promise<void> {
    this.sql('INSERT INTO support_threads (channel, conversation_id, message_id, ticket_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
      post.channel,
      post.conversationId,
      post.messageId,
      ticketId,
    );
  }

  async supportPostOf(ticketId: string): Promise<SupportPost | undefined> {
    const row = this.sql('SELECT channel, conversation_id, message_id FROM support_threads WHERE ticket_id = ? ORDER BY rowid LIMIT 1').get(ticketId) as
      | { channel: SupportPost['channel']; conversation_id: string; message_id: string }
      | undefined;
    return row ? { channel: row.channel, conversationId: row.conversation_id, messageId: row.message_id } : undefined;
  }

  async findTicketBySupportThread(channel: SupportPost['channel'], conversationId: string, messageId: string): Promise<Ticket | undefined> {
    const row = this.sql('SELECT ticket_id FROM support_threads WHERE channel = ? AND conversation_id = ? AND message_id = ?').get(
      channel,
      conversationId,
      messageId,
    ) as { ticket_id: string } | undefined;
    return row ? this.ticketWhere('id = ?', row.ticket_id)[0] : undefined;
  }

  async enqueueOutbox(items: readonly NewOutboxItem[]): Promise<void> {
    this.db.transaction(() => this.insertOutbox(items)).immediate();

  }

  async leaseOutbox(limit: number, leaseMs: number): Promise<OutboxItem[]> {
    const now = Date.now();
    const rows = this.db
      .transaction(() => {
        const due = this.sql(
          'SELECT id, channel, payload, coalesce_key, attempts, generation FROM outbox WHERE due_at <= ? AND leased_until <= ? ORDER BY id LIMIT ?',
        ).all(now, now, limit) as Parameters<typeof outboxFromRow>[0][];
        const lease = this.sql('UPDATE outbox SET leased_until = ? WHERE id = ?');
        for (const row of due) lease.run(now + leaseMs, row.id);
        return due;
      })
      .immediate();
    return rows.map(outboxFromRow);
  }

  async completeOutbox(item: OutboxItem): Promise<void> {
    this.db
      .transaction(() => {
        const removed = this.sql('DELETE FROM outbox WHERE id = ? AND generation = ?').run(item.id, item.generation);
        if (removed.changes === 0) this.sql('UPDATE outbox SET leased_until = 0 WHERE id = ?').run(item.id);
      })
      .immediate();

  }

  async retryOutbox(id: number, dueAt: Date, error: string): Promise<void> {
    this.sql('UPDATE outbox SET attempts = attempts + 1, due_at = ?, leased_until = 0, last_error = ? WHERE id = ?').run(dueAt.getTime(), error, id);

  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = this.sql('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.sql('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
      key,
      value,
      new Date().toISOString(),
    );

  }

  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Prepared statements, compiled once per connection. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private ticketWhere(where: string, ...params: unknown[]): Ticket[] {
    const rows = this.sql(`SELECT data, status, revision FROM tickets WHERE ${where} ORDER BY number`).all(...params) as Row[];
    return rows.map((r) => ticketFromRow(r as { data: string; status: string; revision: number }));
  }

  /** Inside a transaction: new items, or a newer generation of a waiting item with the same coalesce key. */
  private insertOutbox(items: readonly NewOutboxItem[]): void {
    const now = Date.now();
    const insert = this.sql(
      `INSERT INTO outbox (channel, payload, coalesce_key, due_at, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (coalesce_key) WHERE coalesce_key IS NOT NULL
       DO UPDATE SET generation = generation + 1, due_at = MIN(due_at, excluded.due_at), payload = excluded.payload`,
    );
    for (const item of items) insert.run(item.channel, JSON.stringify(item.payload), item.coalesceKey ?? null, now, new Date(now).toISOString());
  }
}
