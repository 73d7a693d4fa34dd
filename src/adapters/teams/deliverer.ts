/**
 * The Teams side of the outbox: what the bot posts on its own initiative, through the Bot
 * Connector API of the conversation's serviceUrl.
 *
 * - `ticket-card`: the first time, the ticket card as a new post (a new thread) in the support
 *   channel, whose activity id is then linked to the ticket; afterwards that post is updated in
 *   place. The card is rendered from the ticket as it is at delivery time.
 * - `thread-note`: a reply in the card's thread (`<channel id>;messageid=<card activity id>`).
 * - `to-user`: the replies in the requester's own conversation (ticket ref and its serviceUrl).
 *
 * Failures become DeliveryErrors (429 with its Retry-After); the dispatcher retries them. The
 * connector client's own pipeline already retries a few times before that (see retry.ts).
 */
import type { Activity } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import type { SupportDesk } from '../../bot/desk';
import { DeliveryError, DeliveryProgress, type Deliverer } from '../../bot/outbox';
import type { Logger, OutboxItem, OutboxPayload, Storage } from '../../bot/ports';
import { ticketView } from '../../bot/ticket-view';
import { ADAPTIVE_CARD, renderReply } from './cards';
import { retryAfterMs, statusOf } from './retry';
import { ticketCard } from './ticket-card';

/** A connector client for a serviceUrl, authenticated as the bot (no credentials in local mode). */
export type ConnectorFor = (serviceUrl: string) => Promise<ConnectorClient>;

export interface TeamsDelivererDeps {
  readonly storage: Storage;
  readonly desk: SupportDesk;
  readonly logger: Logger;
  readonly connector: ConnectorFor;
}

/** The conversation id of a reply chain in a Teams channel. */
export const threadConversationId = (channelId: string, rootId: string) => `${channelId};messageid=${rootId}`;

export class TeamsDeliverer implements Deliverer {
  private readonly progress = new DeliveryProgress();

  constructor(private readonly deps: TeamsDelivererDeps) {}

  async deliver(item: OutboxItem): Promise<void> {
    if (item.channel !== 'teams') throw new DeliveryError(`a ${item.channel} delivery was given to Teams`, 'WRONG_CHANNEL');
    const payload = item.payload;
    switch (payload.kind) {
      case 'ticket-card':
        return this.card(payload.ticketId);
      case 'thread-note':
        return this.note(payload);
      case 'to-user':
        return this.toUser(item, payload);
    }
  }

  private async card(ticketId: string): Promise<void> {
    const { storage, desk, logger } = this.deps;
    const ticket = await storage.getTicket(ticketId);
    if (!ticket) {
      logger.warn({ code: 'TICKET_NOT_FOUND', ticketId }, 'teams: card for a ticket that does not exist; dropped');
      return;
    }
    const view = ticketView(ticket);
    const message: Partial<Activity> = {
      type: 'message',
      summary: view.summaryLine,
      attachments: [{ contentType: ADAPTIVE_CARD, content: ticketCard(view, ticket.id) }],
    };
    const place = await desk.cardPlace(ticket, 'teams');
    if (place.kind === 'elsewhere') {
      logger.warn({ code: 'CARD_NOT_HERE', ticketId }, `teams: card of ${ticketId} not posted in Teams: ${place.reason}`);
      return;
    }
    if (place.kind === 'update') {
      // The card stays where it was posted, also after the support channel moved.
      const { post } = place;
      const client = await this.client(await desk.serviceUrlOf('teams'), 'the ticket card cannot be updated');
      await call(() => client.conversations.updateActivity(post.conversationId, post.messageId, { ...message, id: post.messageId }));
      return;
    }
    const { support } = place;
    const client = await this.client(support.serviceUrl, 'the ticket card cannot be posted');
    // A post to the channel's own conversation id starts a new thread.
    const sent = await call(() => client.conversations.sendToConversation(support.conversationId, message));
    if (!sent.id) throw new DeliveryError('Teams did not return the id of the posted card', 'TEAMS_API_FAILED');
    await storage.linkSupportThread(ticketId, { channel: 'teams', conversationId: support.conversationId, messageId: sent.id });
    logger.info({ ticketId, messageId: sent.id }, 'teams: ticket card posted in the support channel');
  }

  private async note(payload: Extract<OutboxPayload, { kind: 'thread-note' }>): Promise<void> {
    const place = await this.deps.desk.notePlace(payload.ticketId, 'teams');
    // The card goes first (items of a ticket are delivered in order); wait for it.
    if (place.kind === 'wait') throw new DeliveryError(`the card of ${payload.ticketId} is not posted yet`, 'CARD_NOT_POSTED');
    if (place.kind === 'elsewhere') {
      this.deps.logger.warn({ code: 'CARD_NOT_HERE', ticketId: payload.ticketId }, `teams: thread line of ${payload.ticketId} dropped: ${place.reason}`);
      return;
    }
    const posted = place.post;
    const client = await this.client(await this.deps.desk.serviceUrlOf('teams'), 'the thread note cannot be posted');
    await call(() =>
      client.conversations.sendToConversation(threadConversationId(posted.conversationId, posted.messageId), {
        type: 'message',
        text: payload.text,
        textFormat: 'plain',
      }),
    );
  }

  private async toUser(item: OutboxItem, payload: Extract<OutboxPayload, { kind: 'to-user' }>): Promise<void> {
    const { ref } = payload;
    // A ref stored before serviceUrl was kept: the support channel's is the same tenant's service.
    const serviceUrl = ref.serviceUrl ?? (await this.deps.desk.serviceUrlOf('teams'));
    if (!serviceUrl) {
      this.deps.logger.error({ code: 'TEAMS_UNREACHABLE', ticketId: payload.ticketId }, 'teams: the requester cannot be reached (no serviceUrl); notification dropped');
      return;
    }
    const client = await this.deps.connector(serviceUrl);
    const conversationId = ref.threadId ? threadConversationId(ref.conversationId, ref.threadId) : ref.conversationId;
    const done = this.progress.sentOf(item);
    for (const [i, reply] of payload.replies.entries()) {
      if (i < done) continue;
      const message = renderReply(reply);
      try {
        await client.conversations.sendToConversation(conversationId, message);
        if (i < payload.replies.length - 1) this.progress.record(item, i + 1);
      } catch (err) {
        // The bot is not in that conversation (e.g. a ticket made from a chat it was never added
        // to): retrying cannot help, and it would hold up the ticket's other deliveries.
        const status = statusOf(err);
        if (status === 403 || status === 404) {
          this.deps.logger.error({ code: 'TEAMS_UNREACHABLE', status, ticketId: payload.ticketId }, 'teams: the requester cannot be reached in their conversation; notification dropped');
          return;
        }
        throw asDeliveryError(err);
      }
    }
    this.progress.forget(item);
  }

  private async client(serviceUrl: string | undefined, what: string): Promise<ConnectorClient> {
    if (!serviceUrl) throw new DeliveryError(`the Teams support channel has no serviceUrl: ${what}`, 'NO_SUPPORT_CHANNEL');
    return this.deps.connector(serviceUrl);
  }
}

/** One Bot Connector call; a failure becomes a DeliveryError the dispatcher retries. */
async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asDeliveryError(err);
  }
}

function asDeliveryError(err: unknown): DeliveryError {
  const status = statusOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (status === 429) return new DeliveryError(`Teams throttled the call: ${detail}`, 'TEAMS_THROTTLED', retryAfterMs(err));
  return new DeliveryError(`Teams API call failed${status ? ` with HTTP ${status}` : ''}: ${detail}`, 'TEAMS_API_FAILED');
}
