/**
 * The support-staff side of a ticket, channel-neutral: where tickets are worked (the support
 * channel), what staff may do to a ticket, and the messages each change sends. Every change is
 * saved together with its deliveries (card update, thread note, user notification) in one
 * transaction; the outbox delivers them, so a platform outage delays them and loses nothing.
 */
import { conversationKey, type ChannelName, type ConversationRef, type Reply } from './messages';
import type { Logger, NewOutboxItem, NewTicket, Person, Storage, SupportPost, Ticket, TicketEvent } from './ports';

export type SupportPlatform = SupportPost['channel'];

/** A support channel: Slack channel id, or Teams channel conversation id with its service URL. */
export interface SupportChannel {
  readonly channel: SupportPlatform;
  readonly conversationId: string;
  readonly serviceUrl?: string;
}

export interface ThreadTicketRequest {
  /** The original poster, where they can be reached: the thread the message is in. */
  readonly ref: ConversationRef;
  /** The message the ticket is made from (Slack ts, Teams message id). */
  readonly messageId: string;
  /** The message and its thread replies, oldest first, as "name: text". */
  readonly messages: readonly string[];
  readonly by: Person;
  readonly source: 'shortcut' | 'reaction' | 'message action';
}

export type StaffAction =
  | { readonly kind: 'assign' }
  | { readonly kind: 'reassign'; readonly to: Person }
  | { readonly kind: 'resolve' }
  | { readonly kind: 'reopen' };

export type DeskRefusal = 'NOT_SUPPORT_CHANNEL' | 'SUPPORT_CHANNEL_TAKEN' | 'TICKET_NOT_FOUND' | 'INVALID_TRANSITION' | 'CONCURRENT_UPDATE';

export type CardPlace =
  | { readonly kind: 'update'; readonly post: SupportPost }
  | { readonly kind: 'post'; readonly support: SupportChannel }
  | { readonly kind: 'elsewhere'; readonly reason: string };

/** The answer to a staff command: what to tell the person who typed it. */
export type DeskNotice = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly code: DeskRefusal; readonly message: string };

export type DeskResult = { readonly ok: true; readonly ticket: Ticket } | { readonly ok: false; readonly code: DeskRefusal; readonly message: string };

/** Option ids of the questions the requester gets when their ticket is resolved. */
export const SOLVED_QUESTION = 'ticket.solved';
export const RATING_QUESTION = 'ticket.rating';

const settingKey = (channel: SupportPlatform) => `support-channel.${channel}`;

export interface DeskDeps {
  readonly storage: Storage;
  readonly logger: Logger;
  /** Support channels from the configuration; one set in chat takes precedence. */
  readonly configured?: Partial<Record<SupportPlatform, SupportChannel>>;
  /** Called after deliveries were queued, so the outbox sends them now. */
  readonly onQueued?: () => void;
  readonly now?: () => Date;
}

export class SupportDesk {
  private readonly now: () => Date;

  constructor(private readonly deps: DeskDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The platform's support channel: one set in chat wins over the configured one; a released one is none. */
  async supportChannel(channel: SupportPlatform): Promise<SupportChannel | undefined> {
    const stored = await this.storedChannel(channel);
    if (stored) return stored.released ? undefined : stored;
    return this.deps.configured?.[channel];
  }

  /**
   * Where the platform accepts the bot's posts (Teams: the service URL), also once the support
   * channel was released: cards already posted there are still updated.
   */
  async serviceUrlOf(channel: SupportPlatform): Promise<string | undefined> {
    return (await this.storedChannel(channel))?.serviceUrl ?? this.deps.configured?.[channel]?.serviceUrl;
  }

  private async storedChannel(channel: SupportPlatform): Promise<(SupportChannel & { released?: true }) | undefined> {
    const stored = await this.deps.storage.getSetting(settingKey(channel));
    return stored ? (JSON.parse(stored) as SupportChannel & { released?: true }) : undefined;
  }

  /**
   * "@bot use this channel for tickets". Whoever can see the support channel is staff, so it is
   * claimed in chat only when nothing would be taken from existing staff: on first setup (no
   * support channel on either platform), or after staff released this platform's channel with
   * "stop using this channel for tickets". Otherwise (a channel here, or tickets already worked
   * on the other platform) the configuration decides. Open tickets that never got a card (no
   * support channel at the time) are posted in the new one.
   */
  async useChannel(support: SupportChannel, by: Person): Promise<DeskNotice> {
    const current = await this.supportChannel(support.channel);
    if (current?.conversationId === support.conversationId) return { ok: true, message: 'This channel is already the support channel: new tickets are posted here.' };
    if (current) {
      return refuse(
        'SUPPORT_CHANNEL_TAKEN',
        'Tickets already go to another support channel. Staff there can type "stop using this channel for tickets" first; then say "use this channel for tickets" here again.',
      );
    }
    const released = (await this.storedChannel(support.channel))?.released === true;
    const other: SupportPlatform = support.channel === 'slack' ? 'teams' : 'slack';
    if (!released && (await this.supportChannel(other))) {
      const setting = support.channel === 'slack' ? 'SLACK_SUPPORT_CHANNEL' : 'TEAMS_SUPPORT_CHANNEL and TEAMS_SERVICE_URL';
      return refuse(
        'SUPPORT_CHANNEL_TAKEN',
        `Tickets are already worked in a ${other === 'slack' ? 'Slack' : 'Teams'} support channel. To work them here as well, an admin sets ${setting} in the bot's configuration.`,
      );
    }
    await this.deps.storage.setSetting(settingKey(support.channel), JSON.stringify(support));
    this.deps.logger.info({ channel: support.channel, conversationId: support.conversationId, by: by.id }, 'support channel set in chat');
    const waiting: NewOutboxItem[] = [];
    for (const ticket of await this.deps.storage.listTickets()) {
      if (ticket.status === 'resolved' || (await this.deps.storage.supportPostOf(ticket.id))) continue;
      if ((await this.channelFor(ticket))?.conversationId === support.conversationId) waiting.push(cardUpdate(support.channel, ticket.id));
    }
    await this.queue(waiting);
    const posted = waiting.length === 0 ? '' : ` ${waiting.length === 1 ? 'One open ticket that had no card is' : `${waiting.length} open tickets that had no card are`} posted now.`;
    return { ok: true, message: `Done: new tickets will be posted in this channel. Use the buttons on a ticket to work it, and reply in its thread to write to the requester.${posted}` };
  }

  /** "@bot stop using this channel for tickets", accepted only in the current support channel. */
  async releaseChannel(from: SupportChannel, by: Person): Promise<DeskNotice> {
    if (!(await this.isSupportChannel(from.channel, from.conversationId))) return refuse('NOT_SUPPORT_CHANNEL', 'This is not the support channel, so there is nothing to stop here.');
    const released = { ...((await this.supportChannel(from.channel)) ?? from), released: true };
    await this.deps.storage.setSetting(settingKey(from.channel), JSON.stringify(released));
    this.deps.logger.info({ channel: from.channel, conversationId: from.conversationId, by: by.id }, 'support channel released in chat');
    return {
      ok: true,
      message: 'Done: new tickets are no longer posted here. Type "use this channel for tickets" in the channel that takes over; tickets already posted here stay here.',
    };
  }

  /** Only messages and clicks from the support channel may act on tickets: who can see it is staff. */
  async isSupportChannel(channel: ChannelName, conversationId: string): Promise<boolean> {
    if (channel === 'web') return false;
    const support = await this.supportChannel(channel);
    return support !== undefined && support.conversationId === conversationId;
  }

  /** Staff are whoever can see the support channel, or the channel where this ticket's card is (it stays there after a move). */
  private async maySee(ticketId: string, from: { channel: ChannelName; conversationId: string }): Promise<boolean> {
    if (await this.isSupportChannel(from.channel, from.conversationId)) return true;
    const posted = await this.deps.storage.supportPostOf(ticketId);
    return posted !== undefined && posted.channel === from.channel && posted.conversationId === from.conversationId;
  }

  /**
   * Where a ticket is worked: where its card was posted, once it was; before that, the support
   * channel of the requester's platform if it has one, else the other platform's.
   */
  async channelFor(ticket: Pick<Ticket, 'id' | 'requester'>): Promise<SupportChannel | undefined> {
    // Once the card is posted, the ticket stays where it is worked.
    const posted = await this.deps.storage.supportPostOf(ticket.id);
    if (posted) {
      const serviceUrl = await this.serviceUrlOf(posted.channel);
      return { channel: posted.channel, conversationId: posted.conversationId, ...(serviceUrl ? { serviceUrl } : {}) };
    }
    const own = ticket.requester.channel;
    const order: SupportPlatform[] = own === 'teams' ? ['teams', 'slack'] : ['slack', 'teams'];
    for (const channel of order) {
      const found = await this.supportChannel(channel);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Where a platform's deliverer puts a ticket's card: update the card it already posted, post it
   * in this platform's support channel, or nothing because the ticket is worked on the other
   * platform now (or no support channel is set: its card is queued again when one is).
   */
  async cardPlace(ticket: Pick<Ticket, 'id' | 'requester'>, platform: SupportPlatform): Promise<CardPlace> {
    const post = await this.deps.storage.supportPostOf(ticket.id);
    if (post) return post.channel === platform ? { kind: 'update', post } : { kind: 'elsewhere', reason: `its card is in ${post.channel}` };
    const home = await this.channelFor(ticket);
    if (!home) return { kind: 'elsewhere', reason: 'no support channel is set; the card is posted when one is' };
    return home.channel === platform ? { kind: 'post', support: home } : { kind: 'elsewhere', reason: `it is worked in ${home.channel}` };
  }

  /** Where a line for a ticket's thread goes: under the posted card, later (card not posted yet), or nowhere on this platform. */
  async notePlace(ticketId: string, platform: SupportPlatform): Promise<{ kind: 'post'; post: SupportPost } | { kind: 'wait' } | { kind: 'elsewhere'; reason: string }> {
    const ticket = await this.deps.storage.getTicket(ticketId);
    if (!ticket) return { kind: 'elsewhere', reason: `there is no ticket ${ticketId}` };
    const place = await this.cardPlace(ticket, platform);
    if (place.kind === 'update') return { kind: 'post', post: place.post };
    return place.kind === 'post' ? { kind: 'wait' } : place;
  }

  /** Deliveries that announce a new ticket: its card in the support channel. */
  async announce(ticket: NewTicket): Promise<NewOutboxItem[]> {
    const support = await this.channelFor(ticket);
    if (!support) {
      this.deps.logger.warn({ code: 'NO_SUPPORT_CHANNEL', ticketId: ticket.id }, 'ticket created but no support channel is set');
      return [];
    }
    return [cardUpdate(support.channel, ticket.id)];
  }

  /**
   * Staff turned a chat message (and its thread) into a ticket, with the original poster as the
   * requester. One ticket per message, however often the shortcut, reaction or action fires.
   */
  async ticketFromThread(request: ThreadTicketRequest): Promise<{ ticket: Ticket; created: boolean }> {
    const { storage, logger } = this.deps;
    const dedupeKey = `thread:${request.ref.channel}:${request.ref.conversationId}:${request.messageId}`;
    const existing = await storage.findTicketByDedupeKey(dedupeKey);
    if (existing) return { ticket: existing, created: false };
    const number = await storage.nextTicketNumber();
    const firstLine = request.messages[0]?.split('\n')[0]?.trim() ?? '';
    const ticket: NewTicket = {
      id: `HD-${number}`,
      number,
      dedupeKey,
      conversationKey: conversationKey(request.ref),
      requester: { channel: request.ref.channel, userId: request.ref.user.id, ...(request.ref.user.name ? { name: request.ref.user.name } : {}) },
      ref: request.ref,
      reason: `${request.by.name ?? request.by.id} made a ticket from a chat message (${request.source}).`,
      summary: firstLine.length > 120 ? `${firstLine.slice(0, 119)}…` : firstLine || 'Ticket from a chat thread',
      messages: request.messages,
      trail: [],
      createdAt: this.now().toISOString(),
    };
    const result = await storage.createTicket(ticket, await this.announce(ticket));
    if (result.created) {
      logger.info({ ticketId: result.ticket.id, source: request.source }, 'ticket created from a thread');
      this.deps.onQueued?.();
    }
    return result;
  }

  /**
   * The open ticket staff made from this chat thread, when `ref.user` is its requester (the
   * original poster): what they write there goes to the ticket.
   */
  async threadTicketOf(ref: ConversationRef): Promise<Ticket | undefined> {
    if (ref.channel === 'web' || !ref.threadId) return undefined;
    const tickets = await this.deps.storage.listTickets({ conversationKey: conversationKey(ref) });
    return tickets
      .filter((t) => t.dedupeKey.startsWith('thread:') && t.status !== 'resolved' && t.requester.userId === ref.user.id)
      .sort((a, b) => b.number - a.number)[0];
  }

  /** A staff action from a button; refused unless it comes from the support channel or the channel holding the ticket's card. */
  async act(ticketId: string, action: StaffAction, by: Person, from: { channel: ChannelName; conversationId: string }): Promise<DeskResult> {
    if (!(await this.maySee(ticketId, from))) return refuse('NOT_SUPPORT_CHANNEL', 'Ticket actions work only in the support channel.');
    for (let attempt = 0; attempt < 5; attempt++) {
      const ticket = await this.deps.storage.getTicket(ticketId);
      if (!ticket) return refuse('TICKET_NOT_FOUND', `There is no ticket ${ticketId}.`);
      const change = this.apply(ticket, action, by);
      if (!change.ok) return change;
      const saved = await this.save(change.ticket, change.note, change.toUser);
      if (saved) return { ok: true, ticket: saved };
    }
    return refuse('CONCURRENT_UPDATE', `${ticketId} kept changing; please try again.`);
  }

  /** The requester answered the "is it solved?" question: no reopens the ticket. */
  async requesterVerdict(ticketId: string, requesterId: string, solved: boolean): Promise<DeskResult> {
    const ticket = await this.deps.storage.getTicket(ticketId);
    if (!ticket || ticket.requester.userId !== requesterId) return refuse('TICKET_NOT_FOUND', `There is no ticket ${ticketId} of yours.`);
    if (solved) return { ok: true, ticket };
    if (ticket.status !== 'resolved') return { ok: true, ticket };
    const reopened = this.transition(ticket, ticket.assignee ? 'assigned' : 'open', { kind: 'reopened', detail: 'the requester says it is not solved' });
    const saved = await this.save(reopened, `${ticket.id} was reopened by the requester: not solved.`);
    return saved ? { ok: true, ticket: saved } : refuse('CONCURRENT_UPDATE', 'Please try again.');
  }

  async rate(ticketId: string, requesterId: string, rating: number): Promise<DeskResult> {
    const ticket = await this.deps.storage.getTicket(ticketId);
    if (!ticket || ticket.requester.userId !== requesterId) return refuse('TICKET_NOT_FOUND', `There is no ticket ${ticketId} of yours.`);
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) return refuse('INVALID_TRANSITION', 'A rating is a whole number from 1 to 5.');
    const rated: Ticket = { ...this.transition(ticket, ticket.status, { kind: 'rated', detail: String(rating) }), rating };
    const saved = await this.save(rated, `${ticket.requester.name ?? 'The requester'} rated the support for ${ticket.id}: ${rating}/5.`);
    return saved ? { ok: true, ticket: saved } : refuse('CONCURRENT_UPDATE', 'Please try again.');
  }

  /** A staff message in a ticket's thread: goes to the requester, with the staff member's name. */
  async relayFromStaff(post: SupportPost, by: Person, text: string): Promise<Ticket | undefined> {
    const ticket = await this.deps.storage.findTicketBySupportThread(post.channel, post.conversationId, post.messageId);
    if (!ticket) return undefined;
    await this.queue(toUserItems(ticket, [{ kind: 'text', text: `${by.name ?? 'Support'} (IT support, ${ticket.id}): ${text}` }]));
    return ticket;
  }

  /**
   * What the requester writes while their ticket is open goes to the ticket's thread. Returns
   * the deliveries (the engine commits them with the turn); none when no support channel is set.
   */
  async relayFromUser(ticket: Ticket, text: string): Promise<NewOutboxItem[]> {
    const support = await this.channelFor(ticket);
    if (!support) return [];
    return [{ channel: support.channel, payload: { kind: 'thread-note', ticketId: ticket.id, text: `${ticket.requester.name ?? 'Requester'}: ${text}` } }];
  }

  private apply(ticket: Ticket, action: StaffAction, by: Person): { ok: true; ticket: Ticket; note: string; toUser?: Reply[] } | { ok: false; code: DeskRefusal; message: string } {
    const who = by.name ?? by.id;
    switch (action.kind) {
      case 'assign':
      case 'reassign': {
        const assignee = action.kind === 'assign' ? by : action.to;
        if (ticket.status === 'resolved') return refuse('INVALID_TRANSITION', `${ticket.id} is resolved; reopen it first.`);
        if (ticket.assignee && samePerson(ticket.assignee, assignee)) return refuse('INVALID_TRANSITION', `${ticket.id} is already assigned to ${assignee.name ?? assignee.id}.`);
        const next: Ticket = { ...this.transition(ticket, 'assigned', { kind: 'assigned', by, detail: assignee.name ?? assignee.id }), assignee };
        const name = assignee.name ?? 'A member of the support team';
        return {
          ok: true,
          ticket: next,
          note: samePerson(assignee, by) ? `${who} took ${ticket.id}.` : `${who} assigned ${ticket.id} to ${assignee.name ?? assignee.id}.`,
          toUser: [{ kind: 'text', text: `${name} from IT support is now working on your ticket ${ticket.id}. They will reply here.` }],
        };
      }
      case 'resolve': {
        if (ticket.status === 'resolved') return refuse('INVALID_TRANSITION', `${ticket.id} is already resolved.`);
        const next = this.transition(ticket, 'resolved', { kind: 'resolved', by });
        return {
          ok: true,
          ticket: next,
          note: `${who} resolved ${ticket.id}.`,
          toUser: [
            {
              kind: 'question',
              nodeId: `${SOLVED_QUESTION}:${ticket.id}`,
              text: `IT support marked your ticket ${ticket.id} as resolved. Is the problem solved?`,
              options: [
                { id: 'yes', label: 'Yes, it is solved' },
                { id: 'no', label: 'No, it still happens' },
              ],
            },
            {
              kind: 'question',
              nodeId: `${RATING_QUESTION}:${ticket.id}`,
              text: 'How happy are you with the help you got? (1 = not at all, 5 = very)',
              options: ['1', '2', '3', '4', '5'].map((n) => ({ id: n, label: n })),
            },
          ],
        };
      }
      case 'reopen': {
        if (ticket.status !== 'resolved') return refuse('INVALID_TRANSITION', `${ticket.id} is not resolved.`);
        const next = this.transition(ticket, ticket.assignee ? 'assigned' : 'open', { kind: 'reopened', by });
        return {
          ok: true,
          ticket: next,
          note: `${who} reopened ${ticket.id}.`,
          toUser: [{ kind: 'text', text: `IT support reopened your ticket ${ticket.id}. They will reply here.` }],
        };
      }
    }
  }

  private transition(ticket: Ticket, status: Ticket['status'], event: Omit<TicketEvent, 'at'>): Ticket {
    const at = this.now().toISOString();
    return { ...ticket, status, updatedAt: at, history: [...ticket.history, { at, ...event }] };
  }

  /** Saves the change with its card update, thread note and user notification, atomically. */
  private async save(ticket: Ticket, note: string, replies?: readonly Reply[]): Promise<Ticket | undefined> {
    const support = await this.channelFor(ticket);
    const outbox: NewOutboxItem[] = [];
    if (support) {
      outbox.push(cardUpdate(support.channel, ticket.id));
      outbox.push({ channel: support.channel, payload: { kind: 'thread-note', ticketId: ticket.id, text: note } });
    }
    if (replies?.length) outbox.push(...toUserItems(ticket, replies));
    const saved = await this.deps.storage.updateTicket(ticket, outbox);
    if (saved) {
      this.deps.logger.info({ ticketId: ticket.id, status: saved.status, revision: saved.revision }, 'ticket changed');
      this.deps.onQueued?.();
    }
    return saved;
  }

  private async queue(items: NewOutboxItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.deps.storage.enqueueOutbox(items);
    this.deps.onQueued?.();
  }
}

/** The card is rendered at delivery time, so waiting updates of one ticket collapse into one. */
export const cardUpdate = (channel: SupportPlatform, ticketId: string): NewOutboxItem => ({
  channel,
  payload: { kind: 'ticket-card', ticketId },
  // Per platform: a card waiting for a platform the ticket left must not swallow the new one.
  coalesceKey: `card:${channel}:${ticketId}`,
});

/** Web chat cannot be reached proactively; Teams and Slack users get their notifications. */
function toUserItems(ticket: Ticket, replies: readonly Reply[]): NewOutboxItem[] {
  return ticket.requester.channel === 'web' ? [] : [toUser(ticket, replies)];
}

const toUser = (ticket: Ticket, replies: readonly Reply[]): NewOutboxItem => ({
  channel: ticket.requester.channel,
  payload: { kind: 'to-user', ticketId: ticket.id, ref: ticket.ref, replies },
});

const samePerson = (a: Person, b: Person) => a.channel === b.channel && a.id === b.id;

const refuse = (code: DeskRefusal, message: string) => ({ ok: false as const, code, message });
