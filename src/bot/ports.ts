/**
 * Ports: what the engine needs from the outside world. Storage backends live in
 * `src/adapters/storage` and all pass the same conformance suite.
 */
import type { FlowContext } from '../flows/compile';
import type { ChannelName, Command, ConversationRef, Reply } from './messages';

/** What is persisted per conversation, beside a version for optimistic concurrency. */
export interface ConversationState {
  /** Increments each time a new triage starts; one ticket at most per episode. */
  readonly episode: number;
  /** The running flow: its id, the content hash it was started with, and the machine snapshot. */
  readonly flow?: {
    readonly id: string;
    readonly hash: string;
    readonly value: string;
    readonly context: FlowContext;
    /** Facts read from the first message (src/bot/routing/facts.ts); they answer questions in advance. */
    readonly facts?: Readonly<Record<string, string>>;
    /** Questions answered from those facts instead of by the user, in order. */
    readonly prefilled?: readonly string[];
  };
  /** The two-way question after an ambiguous first message is open: its flows and the message's facts. */
  readonly routing?: { readonly flowIds: readonly string[]; readonly facts?: Readonly<Record<string, string>> };
  /** The user's own description of the problem (their first free-text message), for the ticket summary. */
  readonly problem?: string;
  /** Who else is affected, when the first message said so ("only me" / "everyone"). */
  readonly scope?: 'me' | 'many';
  /** A ticket is about to be opened: what the escalation carries, and the intake answers so far. */
  readonly intake?: {
    readonly request: {
      readonly reason: string;
      readonly flowId?: string;
      readonly nodeId?: string;
      readonly urgency?: 'high' | 'medium' | 'low';
      readonly impact?: 'high' | 'medium' | 'low';
      readonly trail: readonly TrailItem[];
    };
    readonly summary?: string;
    readonly since?: string;
    readonly affected?: Affected;
  };
  /** This episode's ticket exists; asking for a person again finds it rather than starting a new intake. */
  readonly escalated?: true;
}

export interface StoredConversation {
  readonly state: ConversationState;
  /** Bumped on every committed turn; 0 means "not stored yet". */
  readonly version: number;
}

export type UserInput =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'choice'; readonly nodeId: string; readonly optionId: string; readonly label?: string }
  | { readonly kind: 'command'; readonly command: Command };

export type TranscriptEntry =
  | { readonly at: string; readonly episode: number; readonly actor: 'user'; readonly input: UserInput }
  | { readonly at: string; readonly episode: number; readonly actor: 'bot'; readonly reply: Reply };

/** One line of the question-and-answer trail a ticket carries for support staff. */
export type TrailItem =
  | {
      readonly kind: 'question';
      readonly nodeId: string;
      readonly question: string;
      readonly answer: string;
      /** Set when the answer was taken from the user's first message rather than chosen. */
      readonly source?: 'first-message';
    }
  | {
      readonly kind: 'remediation';
      readonly nodeId: string;
      readonly title: string;
      readonly audience: 'user' | 'admin';
      readonly outcome: 'fixed' | 'not fixed';
    };

export type TicketStatus = 'open' | 'assigned' | 'resolved';

/** ITIL priority from impact × urgency (see src/bot/priority.ts). */
export type Priority = 'P1' | 'P2' | 'P3' | 'P4';

/** Who else has the problem, as the user said it. */
export type Affected = 'me' | 'some' | 'many' | 'unknown';

/** A person on a chat platform: a requester or a member of support staff. */
export interface Person {
  readonly channel: ChannelName;
  readonly id: string;
  readonly name?: string;
}

/** Where a ticket's card sits in the support channel; its thread is the card's thread. */
export interface SupportPost {
  readonly channel: 'slack' | 'teams';
  readonly conversationId: string;
  /** Slack message ts, Teams activity id; also the thread the staff talk in. */
  readonly messageId: string;
}

export interface TicketEvent {
  readonly at: string;
  readonly kind: 'created' | 'assigned' | 'resolved' | 'reopened' | 'rated';
  /** Staff member for assigned/resolved/reopened by staff; absent when the requester acted. */
  readonly by?: Person;
  readonly detail?: string;
}

export interface NewTicket {
  readonly id: string;
  readonly number: number;
  /** One ticket per conversation episode: a retried or repeated request finds the same ticket. */
  readonly dedupeKey: string;
  readonly conversationKey: string;
  readonly requester: { readonly channel: ChannelName; readonly userId: string; readonly name?: string };
  /** Where the user can be reached again. */
  readonly ref: ConversationRef;
  readonly flowId?: string;
  readonly reason: string;
  readonly trail: readonly TrailItem[];
  readonly createdAt: string;
  /** Defaults to P3 (one user, degraded) when the intake did not tell more. */
  readonly priority?: Priority;
  readonly summary?: string;
  readonly since?: string;
  readonly affected?: Affected;
  /** For a ticket made from a chat thread: the original message and the replies, oldest first. */
  readonly messages?: readonly string[];
}

export interface Ticket extends NewTicket {
  readonly status: TicketStatus;
  readonly priority: Priority;
  /** Bumped on every change; an update based on an older revision is refused. */
  readonly revision: number;
  readonly assignee?: Person;
  readonly history: readonly TicketEvent[];
  readonly rating?: number;
  readonly updatedAt: string;
}

/**
 * Something the bot must deliver to a chat platform, persisted first so that an outage or a
 * restart loses nothing. The ticket card is rendered from the ticket as it is at delivery time.
 */
export type OutboxPayload =
  /** Post the ticket card to the support channel, or update it in place once posted. */
  | { readonly kind: 'ticket-card'; readonly ticketId: string }
  /** A line in the ticket's thread in the support channel. */
  | { readonly kind: 'thread-note'; readonly ticketId: string; readonly text: string }
  /** Replies for the requester, in their own conversation. */
  | { readonly kind: 'to-user'; readonly ticketId: string; readonly ref: ConversationRef; readonly replies: readonly Reply[] };

export interface NewOutboxItem {
  /** Platform that must deliver it. */
  readonly channel: ChannelName;
  readonly payload: OutboxPayload;
  /**
   * Items with the same key are coalesced while one is waiting (a card needs one update,
   * however many changes happened), so several changes cost one API call.
   */
  readonly coalesceKey?: string;
}

export interface OutboxItem extends NewOutboxItem {
  readonly id: number;
  /** Failed deliveries so far. */
  readonly attempts: number;
  /** Bumped when a newer change is coalesced into this item while it is being delivered. */
  readonly generation: number;
}

export interface TurnCommit {
  readonly key: string;
  /** The version read at the start of the turn; the commit fails if another turn got there first. */
  readonly expectedVersion: number;
  readonly state: ConversationState;
  readonly transcript: readonly TranscriptEntry[];
  readonly ticket?: NewTicket;
  /** Deliveries that must happen if and only if this turn commits (the new ticket's card). */
  readonly outbox?: readonly NewOutboxItem[];
}

export type CommitResult = { readonly ok: true; readonly version: number } | { readonly ok: false };

export interface Storage {
  readonly backend: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; safe to run from several instances at once. */
  migrate(): Promise<void>;
  loadConversation(key: string): Promise<StoredConversation | undefined>;
  /** Writes a turn atomically: state (if the version still matches), transcript lines and ticket. */
  commitTurn(commit: TurnCommit): Promise<CommitResult>;
  /** Reserves the next ticket number (HD-<number>); numbers are never reused. */
  nextTicketNumber(): Promise<number>;
  findTicketByDedupeKey(dedupeKey: string): Promise<Ticket | undefined>;
  getTicket(id: string): Promise<Ticket | undefined>;
  listTickets(query?: { readonly requesterId?: string; readonly conversationKey?: string }): Promise<Ticket[]>;
  readTranscript(key: string): Promise<TranscriptEntry[]>;
  /**
   * Records a channel event id (Slack event_id, Teams activity id). Returns true the first time
   * it is seen within `ttlMs`, false for a redelivery. Shared by every instance using the store.
   */
  claimEvent(source: string, eventId: string, ttlMs: number): Promise<boolean>;
  /**
   * Replaces a ticket if nobody changed it since `ticket.revision` (the revision the change was
   * based on) and queues the deliveries that announce the change, atomically. Returns the saved
   * ticket (revision + 1), or undefined when another change got there first.
   */
  updateTicket(ticket: Ticket, outbox?: readonly NewOutboxItem[]): Promise<Ticket | undefined>;
  /**
   * Creates a ticket outside a triage turn (staff turning a thread into a ticket) with its
   * deliveries; a second call with the same dedupe key returns the first ticket and queues nothing.
   */
  createTicket(ticket: NewTicket, outbox?: readonly NewOutboxItem[]): Promise<{ readonly ticket: Ticket; readonly created: boolean }>;
  /** Records which support-channel thread belongs to a ticket (after its card was posted). */
  linkSupportThread(ticketId: string, post: SupportPost): Promise<void>;
  /** The card (and thread) of a ticket in the support channel, once posted. */
  supportPostOf(ticketId: string): Promise<SupportPost | undefined>;
  findTicketBySupportThread(channel: SupportPost['channel'], conversationId: string, messageId: string): Promise<Ticket | undefined>;
  enqueueOutbox(items: readonly NewOutboxItem[]): Promise<void>;
  /**
   * Leases up to `limit` due items for `leaseMs`, oldest first; another instance does not see
   * them until the lease runs out, so a crashed deliverer's items are picked up again.
   */
  leaseOutbox(limit: number, leaseMs: number): Promise<OutboxItem[]>;
  /** Removes a delivered item, unless a newer change was coalesced into it meanwhile (then it is due again). */
  completeOutbox(item: OutboxItem): Promise<void>;
  /** Gives a leased item back, due again at `dueAt`, with the error that stopped it. */
  retryOutbox(id: number, dueAt: Date, error: string): Promise<void>;
  /** Deployment settings changed in chat (e.g. the support channel). */
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Throws if the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}
