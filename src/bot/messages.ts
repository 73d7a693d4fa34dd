/**
 * The channel-neutral message contract. Channel adapters (web, Teams, Slack) translate their
 * platform payloads into `Inbound` and render `Reply` natively; nothing here knows a channel SDK.
 */

export type ChannelName = 'web' | 'teams' | 'slack';

/** Where a message came from and where replies go. */
export interface ConversationRef {
  readonly channel: ChannelName;
  /** Web chat conversation id, Teams conversation.id, Slack channel id. */
  readonly conversationId: string;
  /** Slack thread_ts or Teams reply chain, when the conversation lives in a thread. */
  readonly threadId?: string;
  readonly user: { readonly id: string; readonly name?: string };
  /**
   * Where the platform accepts proactive messages for this conversation (Teams only: the
   * activity's serviceUrl). Not part of the conversation's identity (see conversationKey).
   */
  readonly serviceUrl?: string;
}

export type Command = 'restart' | 'help' | 'human' | 'tickets';

export type Inbound =
  | { readonly kind: 'text'; readonly ref: ConversationRef; readonly text: string }
  | { readonly kind: 'choice'; readonly ref: ConversationRef; readonly nodeId: string; readonly optionId: string }
  | { readonly kind: 'command'; readonly ref: ConversationRef; readonly command: Command };

export interface ReplyOption {
  readonly id: string;
  readonly label: string;
}

/**
 * What the bot says. Replies produced inside a flow carry `flowId` and `nodeId`; a question is
 * answered by sending back a choice with its `nodeId` and one of its option ids.
 */
export type Reply =
  | { readonly kind: 'text'; readonly text: string; readonly flowId?: string; readonly nodeId?: string }
  | {
      readonly kind: 'question';
      readonly text: string;
      readonly nodeId: string;
      readonly options: readonly ReplyOption[];
      readonly flowId?: string;
    }
  | {
      readonly kind: 'remediation';
      /** Title of the fix, and why it helps when the flow says so. */
      readonly text: string;
      readonly flowId: string;
      readonly nodeId: string;
      /** Ordered steps; `backticks` mark commands, paths and settings. */
      readonly steps: readonly string[];
      /** Who has to carry the steps out. */
      readonly audience: 'user' | 'admin';
    }
  | {
      readonly kind: 'escalation';
      readonly text: string;
      readonly ticketId: string;
      readonly flowId?: string;
      readonly nodeId?: string;
    };

/** The storage key of a conversation: one per channel conversation (and thread). */
export function conversationKey(ref: ConversationRef): string {
  const parts = [ref.channel, ref.conversationId, ref.threadId ?? ''];
  return parts.map(encodeURIComponent).join('/');
}
