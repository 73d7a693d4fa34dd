/**
 * Teams activities → the channel-neutral `Inbound`. Personal chats and group chats are one
 * conversation each; in a channel every reply chain (thread) is its own conversation, so two
 * people triaging in two threads of one channel never share state.
 */
import { TurnContext, type Activity } from 'botbuilder';
import type { ConversationRef, Inbound } from '../../bot/messages';
import { parseChoiceSubmit } from './cards';

/** Teams marks the reply chain inside a channel conversation id: `19:…@thread.tacv2;messageid=<root>`. */
const THREAD_SUFFIX = ';messageid=';

export function conversationRefOf(activity: Activity): ConversationRef {
  const id = activity.conversation?.id ?? '';
  const at = id.indexOf(THREAD_SUFFIX);
  const inThread = activity.conversation?.conversationType === 'channel' && at > 0;
  const from = activity.from ?? { id: '' };
  return {
    channel: 'teams',
    conversationId: inThread ? id.slice(0, at) : id,
    ...(inThread ? { threadId: id.slice(at + THREAD_SUFFIX.length) } : {}),
    // The Entra object id is the same person everywhere; the Emulator and Playground only send `id`.
    user: { id: from.aadObjectId ?? from.id, ...(from.name ? { name: from.name } : {}) },
  };
}

export type ParsedMessage =
  | { readonly kind: 'inbound'; readonly inbound: Inbound }
  /** A card submit this bot did not render (another card's data, a forgery): ignored, logged. */
  | { readonly kind: 'foreign-submit' };

/**
 * A message activity as a turn: a card's Action.Submit (its `value`) becomes a choice, text
 * becomes text with the bot's @mention removed. Empty text (a bare @mention) is a greeting.
 */
export function parseMessage(activity: Activity): ParsedMessage {
  const ref = conversationRefOf(activity);
  if (activity.value !== undefined && activity.value !== null) {
    const choice = parseChoiceSubmit(activity.value);
    return choice ? { kind: 'inbound', inbound: { kind: 'choice', ref, ...choice } } : { kind: 'foreign-submit' };
  }
  const text = typeof activity.text === 'string' ? withoutBotMention(activity) : '';
  return { kind: 'inbound', inbound: { kind: 'text', ref, text } };
}

/** The text without the "<at>Bot</at>" mention Teams puts in channel and group chat messages. */
function withoutBotMention(activity: Activity): string {
  const copy = { ...activity, entities: activity.entities ?? [] } as Activity;
  const mentioned = TurnContext.getMentions(copy).some((m) => m.mentioned?.id === activity.recipient?.id && typeof m.text === 'string');
  const text = mentioned ? TurnContext.removeRecipientMention(copy) : copy.text;
  // Teams can leave a non-breaking space where the mention was.
  return (text ?? '').replace(/\u00a0/g, ' ').trim();
}
