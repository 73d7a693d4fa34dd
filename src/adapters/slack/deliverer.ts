/**
 * The Slack side of the outbox: ticket cards in the support channel (posted once, then updated in
 * place), notes in a card's thread, and notifications to a requester in their own conversation.
 * Each call is tried once; a failure becomes a DeliveryError and the dispatcher retries it on its
 * own persisted schedule (a 429's Retry-After, else backoff), so an outage loses nothing.
 */
import type { SupportDesk } from '../../bot/desk';
import { DeliveryError, DeliveryProgress, type Deliverer } from '../../bot/outbox';
import type { Logger, OutboxItem, Storage } from '../../bot/ports';
import { ticketView } from '../../bot/ticket-view';
import { renderReply, type SlackMessage } from './blocks';
import type { Place } from './inbound';
import { ticketCardBlocks } from './ticket-card';
import { SlackApiError, type SlackApi } from './web-api';

export interface SlackDelivererDeps {
  /** A client without retries of its own (`new SlackApi(…, { retries: false })`). */
  readonly api: SlackApi;
  readonly storage: Storage;
  readonly desk: SupportDesk;
  readonly logger: Logger;
  /** The title of a guide, shown on the card next to its id. */
  readonly flowTitle?: (flowId: string) => string | undefined;
}

/** Slack errors that mean the bot cannot post there until someone changes something. */
const NOT_IN_CHANNEL = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);

export class SlackDeliverer implements Deliverer {
  private readonly progress = new DeliveryProgress();

  constructor(private readonly deps: SlackDelivererDeps) {}

  async deliver(item: OutboxItem): Promise<void> {
    if (item.channel !== 'slack') throw new DeliveryError(`a ${item.channel} item reached the Slack deliverer`, 'WRONG_CHANNEL');
    try {
      await this.send(item);
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  private async send(item: OutboxItem): Promise<void> {
    const { payload } = item;
    switch (payload.kind) {
      case 'ticket-card':
        return this.card(payload.ticketId);
      case 'thread-note': {
        const place = await this.deps.desk.notePlace(payload.ticketId, 'slack');
        if (place.kind === 'wait') throw new DeliveryError(`the card of ${payload.ticketId} is not posted in Slack yet`, 'CARD_NOT_POSTED');
        if (place.kind === 'elsewhere') {
          this.deps.logger.warn({ code: 'CARD_NOT_HERE', ticketId: payload.ticketId }, `slack: thread line of ${payload.ticketId} dropped: ${place.reason}`);
          return;
        }
        await this.post({ channel: place.post.conversationId, threadTs: place.post.messageId }, renderReply({ kind: 'text', text: payload.text }));
        return;
      }
      case 'to-user': {
        const { ref, replies } = payload;
        const place = { channel: ref.conversationId, ...(ref.threadId ? { threadTs: ref.threadId } : {}) };
        // Questions become answer buttons carrying the thread, so a click comes back to the engine.
        const done = this.progress.sentOf(item);
        for (const [i, reply] of replies.entries()) {
          if (i < done) continue;
          await this.post(place, renderReply(reply, ref.threadId));
          if (i < replies.length - 1) this.progress.record(item, i + 1);
        }
        this.progress.forget(item);
        return;
      }
    }
  }

  /** A message Slack refuses as invalid would be refused forever: it goes again as plain text. */
  private async post(place: Place, message: SlackMessage): Promise<void> {
    try {
      await this.deps.api.postMessage(place, message);
    } catch (err) {
      if (!(err instanceof SlackApiError && err.slackError === 'invalid_blocks')) throw err;
      this.deps.logger.error({ err, code: err.code, slackError: err.slackError }, 'slack: blocks refused; sending plain text');
      await this.deps.api.postMessage(place, { text: message.text, blocks: [] });
    }
  }

  /** Posts the card the first time, afterwards updates it; always rendered from the ticket as it is now. */
  private async card(ticketId: string): Promise<void> {
    const { storage, desk, api, logger } = this.deps;
    const ticket = await storage.getTicket(ticketId);
    if (!ticket) {
      logger.warn({ code: 'TICKET_NOT_FOUND', ticketId }, 'slack: card for a ticket that does not exist dropped');
      return;
    }
    const flowTitle = ticket.flowId ? this.deps.flowTitle?.(ticket.flowId) : undefined;
    const card = ticketCardBlocks(ticketView(ticket, flowTitle), ticket.id);
    // ticketCardBlocks builds Block Kit by hand (buttons, users_select); the shapes are Slack's.
    const message: SlackMessage = { text: card.text, blocks: card.blocks as unknown as SlackMessage['blocks'] };
    const place = await desk.cardPlace(ticket, 'slack');
    if (place.kind === 'elsewhere') {
      logger.warn({ code: 'CARD_NOT_HERE', ticketId }, `slack: card of ${ticketId} not posted in Slack: ${place.reason}`);
      return;
    }
    if (place.kind === 'update') {
      await api.update(place.post.conversationId, place.post.messageId, message);
      return;
    }
    const { support } = place;
    const ts = await api.postMessage({ channel: support.conversationId }, message);
    if (!ts) throw new DeliveryError('chat.postMessage returned no ts for the card', 'SLACK_API_ERROR');
    try {
      await storage.linkSupportThread(ticketId, { channel: 'slack', conversationId: support.conversationId, messageId: ts });
    } catch (err) {
      // The card is up but unlinked: the retry posts it again rather than lose the thread.
      logger.error({ err, code: 'STORAGE_UNAVAILABLE', ticketId, ts }, 'slack: card posted but its thread could not be recorded');
      throw new DeliveryError(`could not record the card of ${ticketId}`, 'STORAGE_UNAVAILABLE');
    }
    logger.info({ ticketId, channel: support.conversationId, ts }, 'slack: ticket card posted');
  }
}

/** Slack failures → what the dispatcher needs: a stable code, and Retry-After for a 429. */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof SlackApiError) {
    if (err.code === 'SLACK_RATE_LIMITED') return new DeliveryError(err.message, 'SLACK_RATE_LIMITED', err.retryAfterMs);
    if (err.code === 'SLACK_UNREACHABLE') return new DeliveryError(err.message, 'SLACK_UNREACHABLE');
    if (err.slackError && NOT_IN_CHANNEL.has(err.slackError))
      return new DeliveryError(`${err.message} (invite the bot to the channel, or set another support channel)`, 'SLACK_NOT_IN_CHANNEL');
    // The message carries Slack's own error string (e.g. invalid_blocks, not_authed).
    return new DeliveryError(err.message, 'SLACK_API_ERROR');
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DeliveryError(message, 'DELIVERY_FAILED');
}
