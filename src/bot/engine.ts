/**
 * The triage engine: one turn per inbound message. Each turn restores the conversation from
 * storage, plans the reply (pure), creates a ticket when the turn escalates, and commits state,
 * transcript and ticket atomically. Turns of one conversation are serialized in-process, and a
 * version check makes concurrent turns on other instances retry instead of losing an update.
 */
import type { Catalogue } from '../flows/catalogue';
import { planTurn, type EscalationRequest, type TurnPlan } from './conversation';
import { BotError } from './errors';
import { conversationKey, type Inbound, type Reply } from './messages';
import type { ConversationState, Logger, NewOutboxItem, NewTicket, Storage, Ticket, TranscriptEntry, UserInput } from './ports';
import { parseCommand } from './commands';
import { ticketPriority } from './priority';
import { RATING_QUESTION, SOLVED_QUESTION, type SupportDesk } from './desk';
import type { Router } from './router';

export interface EngineDeps {
  readonly catalogue: Catalogue;
  readonly storage: Storage;
  readonly router: Router;
  readonly logger: Logger;
  /** Announces new tickets in the support channel (through the outbox, in the same commit). */
  readonly desk?: SupportDesk;
  /** Called after a commit queued deliveries, so the outbox sends them now. */
  readonly onQueued?: () => void;
  readonly now?: () => Date;
  /** How often a turn is retried when another turn committed first. */
  readonly maxAttempts?: number;
}

export const formatTicketId = (n: number) => `HD-${n}`;

export class TriageEngine {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly now: () => Date;
  private readonly maxAttempts: number;

  constructor(private readonly deps: EngineDeps) {
    this.now = deps.now ?? (() => new Date());
    this.maxAttempts = deps.maxAttempts ?? 8;
  }

  /** Handles one inbound message and returns the replies. Throws only BotError (storage down, persistent contention). */
  handle(inbound: Inbound): Promise<Reply[]> {
    const key = conversationKey(inbound.ref);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const turn = previous.then(
      () => this.turn(key, inbound),
      () => this.turn(key, inbound),
    );
    const tail = turn.catch(() => undefined);
    this.tails.set(key, tail);
    this.inFlight.add(tail);
    void tail.finally(() => {
      this.inFlight.delete(tail);
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return turn;
  }

  /** Resolves once every turn that has started is finished (for graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private async turn(key: string, inbound: Inbound): Promise<Reply[]> {
    const { storage, logger } = this.deps;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const stored = await this.store(() => storage.loadConversation(key));
      const withTicket = await this.store(() => this.ticketTurn(key, stored?.state, inbound));
      let plan = withTicket?.plan ?? this.plan(stored?.state, inbound);
      const ticket = plan.escalation ? await this.ticketFor(key, plan.state.episode, inbound, plan.escalation) : undefined;
      // A new request after this episode's ticket was resolved opened a new ticket in a new episode.
      if (ticket && ticket.episode !== plan.state.episode) plan = { ...plan, state: { ...plan.state, episode: ticket.episode } };
      const replies = ticket ? fillEscalation(plan.replies, ticket.ticket, ticket.existing) : [...plan.replies];
      if (plan.listTickets) replies.unshift(await this.ticketList(inbound.ref.user.id));
      const at = this.now().toISOString();
      const episode = plan.state.episode;
      const transcript: TranscriptEntry[] = [
        { at, episode, actor: 'user', input: plan.input },
        ...replies.map((reply): TranscriptEntry => ({ at, episode, actor: 'bot', reply })),
      ];
      const newTicket = ticket && !ticket.existing ? ticket.ticket : undefined;
      const result = await this.store(async () =>
        storage.commitTurn({
          key,
          expectedVersion: stored?.version ?? 0,
          state: plan.state,
          transcript,
          ticket: newTicket,
          outbox: [...(withTicket?.outbox ?? []), ...(newTicket && this.deps.desk ? await this.deps.desk.announce(newTicket) : [])],
        }),
      );
      if (result.ok) {
        if (newTicket) logger.info({ ticketId: newTicket.id, flowId: newTicket.flowId, priority: newTicket.priority }, 'ticket created');
        if (newTicket || withTicket?.outbox.length) this.deps.onQueued?.();
        return replies;
      }
      logger.debug({ attempt }, 'conversation changed by a concurrent turn; retrying');
    }
    throw new BotError('CONCURRENT_UPDATE', `conversation ${key} kept changing during ${this.maxAttempts} attempts`);
  }

  /**
   * Plans the turn. A stored state the current code cannot read (a corrupt row, an older
   * format) must not wedge the conversation: it restarts with an apology instead.
   */
  private plan(state: ConversationState | undefined, inbound: Inbound): TurnPlan {
    try {
      return planTurn(state, inbound, this.deps);
    } catch (err) {
      this.deps.logger.error({ err, code: 'INTERNAL' }, 'could not continue a stored conversation; restarting it');
      const episode = typeof state?.episode === 'number' ? state.episode + 1 : 1;
      const plan = planTurn({ episode }, inbound, this.deps);
      const sorry: Reply = { kind: 'text', text: 'Sorry, I lost track of our conversation, so let us start again.' };
      return { ...plan, replies: [sorry, ...plan.replies] };
    }
  }

  /**
   * Turns that belong to the user's ticket rather than to triage: the answers to "is it solved?"
   * and the rating after staff resolved it, and free text while the ticket of this triage is
   * still open, which goes to the ticket's thread for the staff. Undefined: triage handles it.
   */
  private async ticketTurn(
    key: string,
    state: ConversationState | undefined,
    inbound: Inbound,
  ): Promise<{ plan: TurnPlan; outbox: NewOutboxItem[] } | undefined> {
    const desk = this.deps.desk;
    if (!desk) return undefined;
    const unchanged = (input: UserInput, replies: Reply[]): TurnPlan => ({ state: state ?? { episode: 0 }, replies, input });
    const userId = inbound.ref.user.id;

    if (inbound.kind === 'choice' && (inbound.nodeId.startsWith(`${SOLVED_QUESTION}:`) || inbound.nodeId.startsWith(`${RATING_QUESTION}:`))) {
      const [question, ticketId = ''] = inbound.nodeId.split(':');
      const input: UserInput = { kind: 'choice', nodeId: inbound.nodeId, optionId: inbound.optionId };
      if (question === SOLVED_QUESTION) {
        const result = await desk.requesterVerdict(ticketId, userId, inbound.optionId === 'yes');
        const text = !result.ok
          ? result.message
          : inbound.optionId === 'yes'
            ? `Great, ${ticketId} stays closed. Thanks for letting us know.`
            : `Sorry about that. I have reopened ${ticketId} and told the support team; they will reply here.`;
        return { plan: unchanged(input, [{ kind: 'text', text }]), outbox: [] };
      }
      const result = await desk.rate(ticketId, userId, Number(inbound.optionId));
      return { plan: unchanged(input, [{ kind: 'text', text: result.ok ? 'Thank you for the rating.' : result.message }]), outbox: [] };
    }

    if (inbound.kind !== 'text' || parseCommand(inbound.text)) return undefined;
    const episodeTicket = state ? await this.deps.storage.findTicketByDedupeKey(`${key}#${state.episode}`) : undefined;
    const ticket = episodeTicket ?? (await desk.threadTicketOf(inbound.ref));
    if (!ticket || ticket.status === 'resolved') return undefined;
    const outbox = await desk.relayFromUser(ticket, inbound.text);
    if (outbox.length === 0) return undefined;
    const text = `I passed that on to the support team with your ticket ${ticket.id}. Type "restart" if you need help with something else.`;
    return { plan: unchanged({ kind: 'text', text: inbound.text }, [{ kind: 'text', text }]), outbox };
  }

  /** The user's own tickets, newest first; never anyone else's. */
  private async ticketList(userId: string): Promise<Reply> {
    const tickets = await this.store(() => this.deps.storage.listTickets({ requesterId: userId }));
    if (tickets.length === 0) return { kind: 'text', text: 'You have no tickets with the support team.' };
    const lines = [...tickets]
      .sort((a, b) => b.number - a.number)
      .slice(0, 10)
      .map((t) => `${t.id} (${t.status}, opened ${t.createdAt.slice(0, 10)}): ${t.summary ?? t.reason}`);
    const more = tickets.length > 10 ? `\n…and ${tickets.length - 10} older.` : '';
    return { kind: 'text', text: `Your tickets:\n${lines.join('\n')}${more}` };
  }

  private async ticketFor(
    key: string,
    episode: number,
    inbound: Inbound,
    request: EscalationRequest,
  ): Promise<{ ticket: NewTicket | Ticket; existing: boolean; episode: number }> {
    const { storage } = this.deps;
    // One ticket per episode; once it is resolved, asking again opens a new one (next episode).
    let found = await this.store(() => storage.findTicketByDedupeKey(`${key}#${episode}`));
    while (found?.status === 'resolved') {
      episode++;
      found = await this.store(() => storage.findTicketByDedupeKey(`${key}#${episode}`));
    }
    if (found) return { ticket: found, existing: true, episode };
    const dedupeKey = `${key}#${episode}`;
    const number = await this.store(() => storage.nextTicketNumber());
    const { ref } = inbound;
    return {
      existing: false,
      episode,
      ticket: {
        id: formatTicketId(number),
        number,
        dedupeKey,
        conversationKey: key,
        requester: { channel: ref.channel, userId: ref.user.id, ...(ref.user.name ? { name: ref.user.name } : {}) },
        ref,
        ...(request.flowId ? { flowId: request.flowId } : {}),
        reason: request.reason,
        trail: request.trail,
        createdAt: this.now().toISOString(),
        priority: ticketPriority(request.affected, request.urgency, request.impact),
        ...(request.summary ? { summary: request.summary } : {}),
        ...(request.since ? { since: request.since } : {}),
        ...(request.affected ? { affected: request.affected } : {}),
      },
    };
  }

  private async store<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw err instanceof BotError ? err : new BotError('STORAGE_UNAVAILABLE', `storage failed: ${(err as Error).message}`, { cause: err });
    }
  }
}

function fillEscalation(replies: readonly Reply[], ticket: NewTicket, existing: boolean): Reply[] {
  const text = existing
    ? `Your ticket ${ticket.id} is already open with the support team. They will reply here.`
    : `I have opened ticket ${ticket.id} for the support team with everything we covered, so you will not have to repeat it. Someone will reply here.`;
  return replies.map((r) => (r.kind === 'escalation' ? { ...r, text, ticketId: ticket.id } : r));
}
