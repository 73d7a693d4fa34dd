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
  };
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
  | { readonly kind: 'question'; readonly nodeId: string; readonly question: string; readonly answer: string }
  | {
      readonly kind: 'remediation';
      readonly nodeId: string;
      readonly title: string;
      readonly audience: 'user' | 'admin';
      readonly outcome: 'fixed' | 'not fixed';
    };

export type TicketStatus = 'open';

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
}

export interface Ticket extends NewTicket {
  readonly status: TicketStatus;
}

export interface TurnCommit {
  readonly key: string;
  /** The version read at the start of the turn; the commit fails if another turn got there first. */
  readonly expectedVersion: number;
  readonly state: ConversationState;
  readonly transcript: readonly TranscriptEntry[];
  readonly ticket?: NewTicket;
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
