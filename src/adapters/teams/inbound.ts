/**
 * Teams activities → the channel-neutral `Inbound`. Personal chats and group chats are one
 * conversation each; in a channel every reply chain (thread) is its own conversation, so two
 * people triaging in two threads of one channel never share state.
 */
import { TurnContext, type Activity } from 'botbuilder';
import type { ConversationRef, Inbound } from '../../bot/messages';
import { parseChoiceSubmit } from './cards';
import { parseTicketSubmit, type TicketSubmit } from './ticket-card';

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
    // Kept with a ticket's ref so the requester can be notified later (proactive messages).
    ...(activity.serviceUrl ? { serviceUrl: activity.serviceUrl } : {}),
  };
}

export type ParsedMessage =
  | { readonly kind: 'inbound'; readonly inbound: Inbound }
  /** A ticket card's button (support staff): never a triage answer. */
  | { readonly kind: 'ticket-submit'; readonly submit: TicketSubmit; readonly ref: ConversationRef }
  /** A card submit this bot did not render (another card's data, a forgery): ignored, logged. */
  | { readonly kind: 'foreign-submit' };

/**
 * A message activity as a turn: a card's Action.Submit (its `value`) becomes a choice, text
 * becomes text with the bot's @mention removed. Empty text (a bare @mention) is a greeting.
 */
export function parseMessage(activity: Activity): ParsedMessage {
  const ref = conversationRefOf(activity);
  if (activity.value !== undefined && activity.value !== null) {
    const ticket = parseTicketSubmit(activity.value);
    if (ticket) return { kind: 'ticket-submit', submit: ticket, ref };
    const choice = parseChoiceSubmit(activity.value);
    return choice ? { kind: 'inbound', inbound: { kind: 'choice', ref, ...choice } } : { kind: 'foreign-submit' };
  }
  const text = typeof activity.text === 'string' ? withoutBotMention(activity) : '';
  return { kind: 'inbound', inbound: { kind: 'text', ref, text } };
}

/** The channel (or chat) conversation id without the reply chain's `;messageid=…`. */
export function baseConversationId(activity: Pick<Activity, 'conversation'>): string {
  const id = activity.conversation?.id ?? '';
  const at = id.indexOf(THREAD_SUFFIX);
  return at > 0 ? id.slice(0, at) : id;
}

/** The root message id of the reply chain a channel activity belongs to, if any. */
export function threadRootOf(activity: Pick<Activity, 'conversation'>): string | undefined {
  const id = activity.conversation?.id ?? '';
  const at = id.indexOf(THREAD_SUFFIX);
  return at > 0 ? id.slice(at + THREAD_SUFFIX.length) || undefined : undefined;
}

/** True when the message @mentions this bot. */
export function mentionsBot(activity: Activity): boolean {
  const copy = { ...activity, entities: activity.entities ?? [] } as Activity;
  return TurnContext.getMentions(copy).some((m) => m.mentioned?.id === activity.recipient?.id);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** A Teams message body (HTML) as plain text: line breaks kept, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, code: string) => {
      if (code.startsWith('#')) {
        const n = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
        return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
      }
      return ENTITIES[code.toLowerCase()] ?? whole;
    })
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The text without the "<at>Bot</at>" mention Teams puts in channel and group chat messages. */
function withoutBotMention(activity: Activity): string {
  const copy = { ...activity, entities: activity.entities ?? [] } as Activity;
  const mentioned = TurnContext.getMentions(copy).some((m) => m.mentioned?.id === activity.recipient?.id && typeof m.text === 'string');
  const text = mentioned ? TurnContext.removeRecipientMention(copy) : copy.text;
  // Teams can leave a non-breaking space where the mention was.
  return (text ?? '').replace(/\u00a0/g, ' ').trim();
}
