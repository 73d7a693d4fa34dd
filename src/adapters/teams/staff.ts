/**
 * Support staff in Teams: ticket card buttons, messages in ticket threads (relayed to the
 * requester), "@bot use this channel for tickets", "@bot triage" in a channel thread, and the
 * "Create helpdesk ticket" message action. Decisions only; the bot posts the replies.
 */
import { TeamsInfo, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import type { StaffAction, SupportDesk } from '../../bot/desk';
import type { ConversationRef, Inbound } from '../../bot/messages';
import type { Logger, Person } from '../../bot/ports';
import { parseStaffCommand } from '../../bot/staff-commands';
import { baseConversationId, htmlToText, mentionsBot, threadRootOf } from './inbound';
import type { TicketSubmit } from './ticket-card';

/** Thread roots remembered (author and text) so "@bot triage" knows the original poster. */
const MAX_ROOTS = 5000;

export type ChannelDecision =
  /** Dealt with here; `reply` (if any) goes back to the sender. */
  | { readonly kind: 'done'; readonly reply?: string }
  /** Not for the desk: the usual triage of an @mention. */
  | { readonly kind: 'triage' }
  /** "@bot triage": start a triage in this thread for someone else, with a notice first. */
  | { readonly kind: 'triage-for'; readonly inbound: Inbound; readonly notice: string };

interface MessagePayload {
  readonly id?: string;
  readonly replyToId?: string;
  readonly from?: { readonly user?: { readonly id?: string; readonly displayName?: string; readonly aadObjectId?: string } };
  readonly body?: { readonly contentType?: string; readonly content?: string };
}

export const personOf = (activity: Pick<Activity, 'from'>): Person => {
  const from = activity.from ?? { id: '' };
  return { channel: 'teams', id: from.aadObjectId ?? from.id, ...(from.name ? { name: from.name } : {}) };
};

export class TeamsStaff {
  private readonly roots = new Map<string, { readonly user: ConversationRef['user']; readonly text: string }>();

  constructor(
    private readonly desk: SupportDesk,
    private readonly logger: Logger,
  ) {}

  /** A ticket card button: acts only when clicked in the support channel; returns the refusal to show. */
  async ticketSubmit(context: TurnContext, submit: TicketSubmit): Promise<string | undefined> {
    const activity = context.activity;
    const by = personOf(activity);
    const action: StaffAction =
      submit.ticketAction === 'reassign' ? { kind: 'reassign', to: await this.member(context, submit.assignee ?? '') } : { kind: submit.ticketAction };
    const result = await this.desk.act(submit.ticketId, action, by, { channel: 'teams', conversationId: baseConversationId(activity) });
    if (result.ok) return undefined;
    this.logger.info({ code: result.code, ticketId: submit.ticketId, action: submit.ticketAction }, 'teams: ticket action refused');
    return result.message;
  }

  /**
   * A text message in a team channel. With the ChannelMessage.Read.Group permission the bot
   * receives every channel message, so only @mentions are triaged; in the support channel,
   * replies in a ticket's thread go to the requester and nothing is triaged.
   */
  async channelMessage(context: TurnContext, inbound: Extract<Inbound, { kind: 'text' }>): Promise<ChannelDecision> {
    const activity = context.activity;
    const channelId = baseConversationId(activity);
    const root = threadRootOf(activity);
    if (root && root === activity.id) this.remember(channelId, root, inbound);
    const mentioned = mentionsBot(activity);
    if (mentioned) {
      const command = parseStaffCommand(inbound.text);
      if (command === 'use-channel' || command === 'release-channel') {
        const support = { channel: 'teams' as const, conversationId: channelId, ...(activity.serviceUrl ? { serviceUrl: activity.serviceUrl } : {}) };
        const result =
          command === 'use-channel' ? await this.desk.useChannel(support, personOf(activity)) : await this.desk.releaseChannel(support, personOf(activity));
        return { kind: 'done', reply: result.message };
      }
      if (command === 'triage') return this.triageFor(inbound, channelId, root);
    }
    // A reply in a ticket card's thread goes to the requester, also in a channel that was the
    // support channel when the card was posted (its tickets are still worked there).
    if (root && root !== activity.id && inbound.text !== '') {
      const ticket = await this.desk.relayFromStaff({ channel: 'teams', conversationId: channelId, messageId: root }, personOf(activity), inbound.text);
      if (ticket) return { kind: 'done' };
    }
    // The original poster answering in a thread staff made a ticket from: their words go to the ticket.
    if (!mentioned && root && root !== activity.id && (await this.desk.threadTicketOf(inbound.ref))) return { kind: 'triage' };
    if (await this.desk.isSupportChannel('teams', channelId)) {
      return mentioned
        ? { kind: 'done', reply: 'This is the support channel: I post tickets here. Reply in a ticket’s thread to write to the requester, or use the buttons on its card.' }
        : { kind: 'done' };
    }
    return mentioned ? { kind: 'triage' } : { kind: 'done' };
  }

  /** "Create helpdesk ticket" on a message: one ticket per message, with its author as the requester. */
  async messageAction(activity: Activity): Promise<InvokeResponse> {
    const value = (activity.value ?? {}) as { readonly messagePayload?: MessagePayload };
    const payload = value.messagePayload;
    if (!payload || typeof payload.id !== 'string' || payload.id === '') return actionAnswer('I could not read that message, so no ticket was made.');
    const by = personOf(activity);
    const author = payload.from?.user;
    const user = author?.id ? { id: author.aadObjectId ?? author.id, ...(author.displayName ? { name: author.displayName } : {}) } : { id: by.id, ...(by.name ? { name: by.name } : {}) };
    const channelId = baseConversationId(activity);
    const inChannel = activity.conversation?.conversationType === 'channel';
    const ref: ConversationRef = {
      channel: 'teams',
      conversationId: channelId,
      // In a channel the requester is answered in the message's thread.
      ...(inChannel ? { threadId: payload.replyToId || threadRootOf(activity) || payload.id } : {}),
      user,
      ...(activity.serviceUrl ? { serviceUrl: activity.serviceUrl } : {}),
    };
    const body = payload.body?.content ?? '';
    const text = payload.body?.contentType === 'text' ? body.trim() : htmlToText(body);
    const { ticket, created } = await this.desk.ticketFromThread({
      ref,
      messageId: payload.id,
      messages: [`${user.name ?? user.id}: ${text}`],
      by,
      source: 'message action',
    });
    return actionAnswer(
      created
        ? `Ticket ${ticket.id} created for ${user.name ?? 'the author'}; the support team will pick it up.`
        : `This message is already ticket ${ticket.id}.`,
    );
  }

  private triageFor(inbound: Extract<Inbound, { kind: 'text' }>, channelId: string, root: string | undefined): ChannelDecision {
    if (!root) return { kind: 'done', reply: 'Use "triage" in a reply to the message that describes the problem.' };
    const known = this.roots.get(`${channelId}|${root}`);
    const ref: ConversationRef = { ...inbound.ref, user: known?.user ?? inbound.ref.user };
    const notice = known
      ? `Starting a triage for ${known.user.name ?? 'the person who started this thread'} here.`
      : `I do not know who started this thread, so I am starting a triage for you, ${inbound.ref.user.name ?? 'who asked'}.`;
    const start: Inbound = known && known.text !== '' ? { kind: 'text', ref, text: known.text } : { kind: 'command', command: 'help', ref };
    return { kind: 'triage-for', inbound: start, notice };
  }

  private remember(channelId: string, root: string, inbound: Extract<Inbound, { kind: 'text' }>): void {
    if (this.roots.size >= MAX_ROOTS) {
      const oldest = this.roots.keys().next().value;
      if (oldest !== undefined) this.roots.delete(oldest);
    }
    this.roots.set(`${channelId}|${root}`, { user: inbound.ref.user, text: inbound.text });
  }

  /** The person picked in the card's people picker (an Entra object id), with a name when Teams tells it. */
  private async member(context: TurnContext, id: string): Promise<Person> {
    try {
      const member = await TeamsInfo.getMember(context, id);
      return { channel: 'teams', id, ...(member.name ? { name: member.name } : {}) };
    } catch (err) {
      this.logger.info({ err, code: 'TEAMS_MEMBER_UNKNOWN' }, 'teams: could not look up the new assignee; using the id');
      return { channel: 'teams', id };
    }
  }
}

const actionAnswer = (text: string): InvokeResponse => ({ status: 200, body: { composeExtension: { type: 'message', text } } });
