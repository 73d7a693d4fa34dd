/**
 * Slack payloads → channel-neutral `Inbound` (pure). Decides which messages are a person talking
 * to the bot, which conversation they belong to (a DM, or a channel thread keyed by its root ts)
 * and where the answer goes.
 */
import type { ConversationRef, Inbound } from '../../bot/messages';
import { decodeChoice, unescapeSlack } from './blocks';

/** Same cap as the web chat: longer messages are cut, not refused. */
export const MAX_TEXT_LENGTH = 4000;

/** Where the bot's replies to an inbound message are posted. */
export interface Place {
  readonly channel: string;
  /** Reply in this thread; absent: top level of the channel (a DM). */
  readonly threadTs?: string;
}

export interface Routed {
  readonly inbound: Inbound;
  readonly place: Place;
}

/** The fields of a Slack `message` / `app_mention` event this adapter reads. */
export interface SlackMessageEvent {
  readonly type: string;
  readonly subtype?: string;
  readonly channel?: string;
  readonly channel_type?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly text?: string;
  readonly ts?: string;
  readonly thread_ts?: string;
}

/** Message subtypes that are still a person typing; edits, joins, bot messages and the like are not. */
const PERSON_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

/** The bot's own identity, to ignore itself and strip its mention. */
export interface BotIdentity {
  readonly botUserId: string;
  readonly botId: string;
}

export function isPersonTyping(event: SlackMessageEvent, bot: BotIdentity): boolean {
  if (event.subtype !== undefined && !PERSON_SUBTYPES.has(event.subtype)) return false;
  if (event.bot_id !== undefined) return false; // any bot, ourselves included: no bot-to-bot loops
  if (!event.user || event.user === bot.botUserId) return false;
  return typeof event.channel === 'string' && typeof event.ts === 'string';
}

/**
 * Slack message markup → the plain text the engine reads: the bot's own mention removed, other
 * mentions, channels and links reduced to their labels, entities decoded. Whatever the engine
 * echoes back is escaped again on the way out.
 */
export function plainText(text: string, botUserId: string): string {
  const plain = text
    .replace(new RegExp(`<@${escapeRegExp(botUserId)}(\\|[^>]*)?>`, 'g'), ' ')
    .replace(/<([@#!])([^>|]*)\|([^>]*)>/g, (_m, sigil: string, _id: string, label: string) => `${sigil === '!' ? '@' : sigil}${label}`)
    .replace(/<!([^>]*)>/g, (_m, what: string) => `@${what}`)
    .replace(/<([@#])([^>]*)>/g, (_m, sigil: string, id: string) => `${sigil}${id}`)
    .replace(/<([^>|]*)\|([^>]*)>/g, (_m, _url: string, label: string) => label)
    .replace(/<([^>]*)>/g, (_m, url: string) => url);
  return unescapeSlack(plain).replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT_LENGTH);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A direct message (`message.im`). Threads inside a DM stay the same conversation. */
export function directMessage(event: SlackMessageEvent, bot: BotIdentity): Routed | undefined {
  if (event.type !== 'message' || event.channel_type !== 'im' || !isPersonTyping(event, bot)) return undefined;
  const channel = event.channel!;
  const ref: ConversationRef = { channel: 'slack', conversationId: channel, user: { id: event.user! } };
  return {
    inbound: { kind: 'text', ref, text: plainText(event.text ?? '', bot.botUserId) },
    place: { channel, ...(event.thread_ts ? { threadTs: event.thread_ts } : {}) },
  };
}

/** An @mention in a channel: the conversation is the thread it starts or is in. */
export function mention(event: SlackMessageEvent, bot: BotIdentity): Routed | undefined {
  if (event.type !== 'app_mention' || !isPersonTyping(event, bot)) return undefined;
  const channel = event.channel!;
  const root = event.thread_ts ?? event.ts!;
  const ref: ConversationRef = { channel: 'slack', conversationId: channel, threadId: root, user: { id: event.user! } };
  return {
    inbound: { kind: 'text', ref, text: plainText(event.text ?? '', bot.botUserId) },
    place: { channel, threadTs: root },
  };
}

/** The fields of a `block_actions` payload this adapter reads. */
export interface SlackBlockActions {
  readonly type: string;
  readonly user?: { readonly id?: string };
  readonly channel?: { readonly id?: string };
  readonly message?: { readonly ts?: string; readonly thread_ts?: string; readonly blocks?: unknown };
  readonly actions?: readonly { readonly type?: string; readonly action_id?: string; readonly block_id?: string; readonly value?: string; readonly text?: { readonly text?: string }; readonly action_ts?: string }[];
}

export interface RoutedChoice extends Routed {
  /** The clicked message, to update it with the answer. */
  readonly messageTs: string;
  /** The button's label as Slack shows it. */
  readonly label: string;
}

/** A click on an answer button in a message. Undefined for a payload this adapter did not produce. */
export function choiceClick(body: SlackBlockActions): RoutedChoice | undefined {
  const action = body.actions?.[0];
  const choice = decodeChoice(action?.value);
  const channel = body.channel?.id;
  const user = body.user?.id;
  const messageTs = body.message?.ts;
  if (body.type !== 'block_actions' || action?.type !== 'button' || !choice || !channel || !user || !messageTs) return undefined;
  const ref: ConversationRef = { channel: 'slack', conversationId: channel, ...(choice.threadId ? { threadId: choice.threadId } : {}), user: { id: user } };
  const threadTs = body.message?.thread_ts;
  return {
    inbound: { kind: 'choice', ref, nodeId: choice.nodeId, optionId: choice.optionId },
    place: { channel, ...(threadTs ? { threadTs } : {}) },
    messageTs,
    label: action.text?.text ?? choice.optionId,
  };
}
