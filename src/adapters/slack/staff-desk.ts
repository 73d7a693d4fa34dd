/**
 * The support staff's side of Slack: the buttons on a ticket card, replies in a card's thread
 * (relayed to the requester), the staff commands ("@bot use this channel for tickets",
 * "@bot triage"), and turning a message's thread into a ticket (message shortcut or :ticket:).
 * Transport only: every decision (who may act, what changes, what is sent) is the desk's.
 * All of this runs after the request was acknowledged; failures are logged, never thrown.
 */
import type { StaffAction, SupportDesk } from '../../bot/desk';
import type { Logger, Person, Storage } from '../../bot/ports';
import { parseStaffCommand } from '../../bot/staff-commands';
import { renderReply } from './blocks';
import { isPersonTyping, plainText, type BotIdentity, type Place, type Routed, type SlackBlockActions, type SlackMessageEvent } from './inbound';
import type { SlackPeople } from './people';
import { TICKET_ACTION_PREFIX } from './ticket-card';
import { SlackApiError, type SlackApi, type SlackHistoryMessage } from './web-api';

/** The card's buttons and its users_select (src/adapters/slack/ticket-card.ts). */
export const TICKET_ACTION = /^ticket\.(assign|resolve|reopen|reassign)$/;
/** callback_id of the message shortcut "Create helpdesk ticket" (manifest/slack/manifest.yaml). */
export const TICKET_SHORTCUT = 'create_ticket';
/** The reaction that turns a message's thread into a ticket: :ticket:. */
export const TICKET_REACTION = 'ticket';

const TICKET_ID = /^HD-\d{1,12}$/;
/** A ticket made from a thread carries at most this many of its messages. */
const THREAD_MESSAGES_MAX = 50;

/** A click on a ticket card: a button (value = ticket id) or the users_select (block_id = ticket:<id>). */
interface TicketActionBody extends SlackBlockActions {
  readonly actions?: readonly {
    readonly type?: string;
    readonly action_id?: string;
    readonly block_id?: string;
    readonly value?: string;
    readonly selected_user?: string;
    readonly action_ts?: string;
  }[];
}

/** The fields of a message shortcut payload (`message_action`) this adapter reads. */
export interface SlackMessageShortcut {
  readonly type: string;
  readonly callback_id?: string;
  readonly user?: { readonly id?: string };
  readonly channel?: { readonly id?: string };
  readonly message_ts?: string;
  readonly message?: { readonly ts?: string; readonly thread_ts?: string };
}

/** The fields of a `reaction_added` event this adapter reads. */
export interface SlackReactionEvent {
  readonly type: string;
  readonly user?: string;
  readonly reaction?: string;
  readonly item?: { readonly type?: string; readonly channel?: string; readonly ts?: string };
}

export interface SlackStaffDeps {
  readonly api: SlackApi;
  readonly desk: SupportDesk;
  readonly storage: Storage;
  readonly logger: Logger;
  readonly people: SlackPeople;
  /** Runs a triage turn and posts its replies (the channel's own turn queue). */
  readonly converse: (routed: Routed) => Promise<void>;
}

export class SlackStaffDesk {

  constructor(private readonly deps: SlackStaffDeps) {}

  /** Assign / resolve / reopen / reassign on a card. A refusal is told only to the clicker. */
  async onTicketAction(body: TicketActionBody): Promise<void> {
    const action = body.actions?.[0];
    const channel = body.channel?.id;
    const user = body.user?.id;
    const kind = action?.action_id?.slice(TICKET_ACTION_PREFIX.length);
    const ticketId = kind === 'reassign' ? action?.block_id?.replace(/^ticket:/, '') : action?.value;
    if (!action || !channel || !user || !kind || !ticketId || !TICKET_ID.test(ticketId)) {
      this.deps.logger.warn({ code: 'SLACK_BAD_PAYLOAD' }, 'slack: a ticket action this bot did not render was ignored');
      return;
    }
    let staffAction: StaffAction;
    switch (kind) {
      case 'assign':
      case 'resolve':
      case 'reopen':
        staffAction = { kind };
        break;
      case 'reassign': {
        const to = action.selected_user;
        if (!to) return;
        staffAction = { kind: 'reassign', to: await this.person(to) };
        break;
      }
      default:
        return;
    }
    const place: Place = { channel, ...(body.message?.thread_ts ? { threadTs: body.message.thread_ts } : {}) };
    let result;
    try {
      result = await this.deps.desk.act(ticketId, staffAction, await this.person(user), { channel: 'slack', conversationId: channel });
    } catch (err) {
      this.deps.logger.error({ err, code: 'STORAGE_UNAVAILABLE', ticketId, action: kind }, 'slack: ticket action failed');
      await this.ephemeral(place, user, `I could not change ${ticketId} right now. Please try again in a minute.`);
      return;
    }
    if (result.ok) return;
    this.deps.logger.info({ code: result.code, ticketId, action: kind, channel }, 'slack: ticket action refused');
    await this.ephemeral(place, user, result.message);
  }

  /**
   * A channel message (not a DM). A person's reply in a ticket card's thread goes to the
   * requester; the original poster's reply in a thread staff made a ticket from goes to that
   * ticket. Everything else in channels is left alone.
   */
  async onChannelMessage(event: SlackMessageEvent, bot: BotIdentity): Promise<void> {
    if (event.type !== 'message' || (event.channel_type !== 'channel' && event.channel_type !== 'group')) return;
    if (!isPersonTyping(event, bot) || !event.thread_ts || event.thread_ts === event.ts) return;
    const channel = event.channel!;
    const text = plainText(event.text ?? '', bot.botUserId);
    if (!text) return;
    // "@bot triage" and the like are commands (handled as app_mention), not words for the requester.
    if ((event.text ?? '').includes(`<@${bot.botUserId}`) && parseStaffCommand(text)) return;
    const ticket = await this.deps.storage.findTicketBySupportThread('slack', channel, event.thread_ts);
    if (!ticket) {
      // The original poster answering in the thread staff made a ticket from: their words go to the ticket.
      const ref = { channel: 'slack' as const, conversationId: channel, threadId: event.thread_ts, user: { id: event.user! } };
      if (!(event.text ?? '').includes(`<@${bot.botUserId}`) && (await this.deps.desk.threadTicketOf(ref))) {
        await this.deps.converse({ inbound: { kind: 'text', ref, text }, place: { channel, threadTs: event.thread_ts } });
      }
      return;
    }
    await this.deps.desk.relayFromStaff({ channel: 'slack', conversationId: channel, messageId: event.thread_ts }, await this.person(event.user!), text);
    this.deps.logger.info({ ticketId: ticket.id }, 'slack: staff reply relayed to the requester');
  }

  /** An @mention: staff commands, and mentions where no triage belongs. Returns true when handled here. */
  async onMention(event: SlackMessageEvent, bot: BotIdentity): Promise<boolean> {
    if (event.type !== 'app_mention' || !isPersonTyping(event, bot)) return false;
    const channel = event.channel!;
    const user = event.user!;
    const root = event.thread_ts ?? event.ts!;
    const place: Place = { channel, threadTs: root };
    const command = parseStaffCommand(plainText(event.text ?? '', bot.botUserId));
    if (command === 'use-channel' || command === 'release-channel') {
      const by = await this.person(user);
      const support = { channel: 'slack' as const, conversationId: channel };
      const result = command === 'use-channel' ? await this.deps.desk.useChannel(support, by) : await this.deps.desk.releaseChannel(support, by);
      await this.say(place, result.message);
      return true;
    }
    if (command === 'triage') {
      await this.triageThread(event, bot, place);
      return true;
    }
    const support = await this.deps.desk.isSupportChannel('slack', channel);
    if (event.thread_ts && (await this.deps.storage.findTicketBySupportThread('slack', channel, event.thread_ts))) return true; // relayed as a thread reply
    if (support) {
      await this.ephemeral(place, user, 'This is the support channel: I post tickets here. Reply in a ticket’s thread to write to the requester; to triage someone’s problem, mention me with "triage" in a reply to their message.');
      return true;
    }
    return false;
  }

  /** The message shortcut "Create helpdesk ticket". */
  async onShortcut(body: SlackMessageShortcut, bot: BotIdentity | undefined, respond?: (text: string) => Promise<unknown>): Promise<void> {
    const channel = body.channel?.id;
    const user = body.user?.id;
    const ts = body.message?.ts ?? body.message_ts;
    if (!channel || !user || !ts) {
      this.deps.logger.warn({ code: 'SLACK_BAD_PAYLOAD' }, 'slack: a message shortcut without channel, user or message was ignored');
      return;
    }
    await this.ticketFromThread(channel, ts, body.message?.thread_ts, user, 'shortcut', bot, respond);
  }

  /** :ticket: added to a message. */
  async onReaction(event: SlackReactionEvent, bot: BotIdentity | undefined): Promise<void> {
    const { item, user } = event;
    if (event.reaction !== TICKET_REACTION || item?.type !== 'message' || !item.channel || !item.ts || !user) return;
    if (bot && user === bot.botUserId) return;
    await this.ticketFromThread(item.channel, item.ts, undefined, user, 'reaction', bot);
  }

  /** "@bot triage" in a thread: a triage for whoever started the thread, answered in the thread. */
  private async triageThread(event: SlackMessageEvent, bot: BotIdentity, place: Place): Promise<void> {
    const channel = event.channel!;
    if (!event.thread_ts) {
      await this.say(place, 'Mention me with "triage" in a reply to someone’s message, and I will help them in that thread.');
      return;
    }
    const thread = await this.guard('conversations.replies', () => this.deps.api.replies(channel, event.thread_ts!, 1));
    const parent = thread?.find((m) => m.ts === event.thread_ts) ?? thread?.[0];
    if (!parent?.user || parent.bot_id) {
      await this.ephemeral(place, event.user!, 'I can only triage a thread that a person started.');
      return;
    }
    const ref = { channel: 'slack' as const, conversationId: channel, threadId: event.thread_ts, user: { id: parent.user } };
    const text = plainText(parent.text ?? '', bot.botUserId);
    this.deps.logger.info({ channel, by: event.user }, 'slack: triage started for a thread by staff');
    await this.deps.converse({
      inbound: text ? { kind: 'text', ref, text } : { kind: 'command', ref, command: 'help' },
      place: { channel, threadTs: event.thread_ts },
    });
  }

  /**
   * The thread a message is in, as a ticket for the thread's original poster. The desk makes one
   * ticket per thread however often this fires; a repeat is told the ticket that exists.
   */
  private async ticketFromThread(
    channel: string,
    ts: string,
    knownRoot: string | undefined,
    by: string,
    source: 'shortcut' | 'reaction',
    bot: BotIdentity | undefined,
    respond?: (text: string) => Promise<unknown>,
  ): Promise<void> {
    const { api, desk, logger } = this.deps;
    let root = knownRoot ?? ts;
    let thread = await this.guard('conversations.replies', () => api.replies(channel, root));
    if (!thread) {
      // Most likely the bot is not in the channel, so it cannot post there either: the shortcut's
      // response_url still reaches the person.
      const text = 'I could not read that message. Invite me to this channel (/invite @Helpdesk Triage) and try again.';
      if (respond) await this.guard('response_url', () => respond(text));
      else await this.ephemeral({ channel }, by, text);
      return;
    }
    const message = thread.find((m) => m.ts === ts);
    if (!knownRoot && message?.thread_ts && message.thread_ts !== ts) {
      // A reply: the ticket is the whole thread, from its first message.
      root = message.thread_ts;
      thread = (await this.guard('conversations.replies', () => api.replies(channel, root))) ?? [];
    }
    const place: Place = { channel, threadTs: root };
    const parent = thread.find((m) => m.ts === root);
    if (!parent?.user || parent.bot_id) {
      await this.ephemeral(place, by, 'A ticket needs a thread that a person started; this one was started by an app.');
      return;
    }
    const messages: string[] = [];
    for (const m of thread.filter((m) => !(bot && m.bot_id === bot.botId)).slice(0, THREAD_MESSAGES_MAX)) {
      messages.push(`${await this.author(m)}: ${plainText(m.text ?? '', bot?.botUserId ?? '')}`);
    }
    const requester = await this.person(parent.user);
    const result = await desk.ticketFromThread({
      ref: { channel: 'slack', conversationId: channel, threadId: root, user: { id: requester.id, ...(requester.name ? { name: requester.name } : {}) } },
      messageId: root,
      messages,
      by: await this.person(by),
      source,
    });
    const id = result.ticket.id;
    if (result.created) {
      logger.info({ ticketId: id, source, channel }, 'slack: ticket made from a thread');
      await this.say(place, `Ticket ${id} was opened for this thread, so the support team has it. They will reply here.`);
    } else {
      await this.ephemeral(place, by, `This thread is already ticket ${id}; no new ticket was made.`);
    }
  }

  private async author(m: SlackHistoryMessage): Promise<string> {
    if (m.user) return (await this.person(m.user)).name ?? m.user;
    return m.username ?? 'an app';
  }

  /** A Slack user with the name people see; the id when users.info fails. */
  private person(userId: string): Promise<Person> {
    return this.deps.people.person(userId);
  }

  private async say(place: Place, text: string): Promise<void> {
    await this.guard('chat.postMessage', () => this.deps.api.postMessage(place, renderReply({ kind: 'text', text })));
  }

  private async ephemeral(place: Place, user: string, text: string): Promise<void> {
    await this.guard('chat.postEphemeral', () => this.deps.api.postEphemeral(place, user, renderReply({ kind: 'text', text }).text));
  }

  /** Runs a Web API call; a failure is logged with its code and gives undefined. */
  private async guard<T>(method: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      const e = err instanceof SlackApiError ? err : undefined;
      this.deps.logger.error({ err, code: e?.code ?? 'INTERNAL', method, slackError: e?.slackError }, `slack: ${method} failed`);
      return undefined;
    }
  }
}
