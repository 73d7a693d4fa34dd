/**
 * Delivers what the bot must post on its own initiative (ticket cards, thread notes, user
 * notifications) from the persisted outbox. Items are leased, so several instances share the
 * work and a crashed instance's items are picked up again; failures are retried with the
 * platform's Retry-After or exponential backoff, forever, so an outage loses nothing.
 */
import type { ChannelName } from './messages';
import type { Logger, OutboxItem, Storage } from './ports';

/** A platform adapter's side of the outbox. */
export interface Deliverer {
  /** Resolves once the platform accepted the item; throws (ideally a DeliveryError) otherwise. */
  deliver(item: OutboxItem): Promise<void>;
}

/**
 * How many messages of a multi-message delivery (a notification with several replies) a platform
 * already accepted, so a retry after a later one failed does not send the first ones again.
 * Kept in this process only: after a restart a retry may repeat some.
 */
export class DeliveryProgress {
  private readonly sent = new Map<string, number>();

  constructor(private readonly max = 1_000) {}

  /** Messages of this item already sent. */
  sentOf(item: OutboxItem): number {
    return this.sent.get(key(item)) ?? 0;
  }

  record(item: OutboxItem, count: number): void {
    if (this.sent.size >= this.max) this.sent.clear();
    this.sent.set(key(item), count);
  }

  forget(item: OutboxItem): void {
    this.sent.delete(key(item));
  }
}

const key = (item: OutboxItem) => `${item.id}:${item.generation}`;

/** A failed delivery, with what the platform said about retrying. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** From a 429's Retry-After header. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface OutboxOptions {
  readonly storage: Storage;
  readonly deliverers: Partial<Record<ChannelName, Deliverer>>;
  readonly logger: Logger;
  /** How often to look for due items when nothing kicked the dispatcher (default 1 s). */
  readonly pollMs?: number;
  /** How long an instance owns the items it leased (default 60 s). */
  readonly leaseMs?: number;
  readonly batchSize?: number;
  /** Longest wait between two attempts (default 5 min). */
  readonly maxBackoffMs?: number;
}

/** Wait before attempt n+1 after n failures: 1 s, 2 s, 4 s … capped, with ±20% jitter. */
export function backoffMs(failures: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, 1000 * 2 ** Math.min(failures, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class OutboxDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: OutboxOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.batchSize = options.batchSize ?? 20;
    this.maxBackoffMs = options.maxBackoffMs ?? 300_000;
  }

  /** Starts polling. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Something was queued: deliver it now rather than at the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Stops polling and waits for the delivery in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over the due items; returns how many were delivered. Never throws. */
  async runOnce(): Promise<number> {
    const { storage, logger } = this.options;
    let items: OutboxItem[];
    try {
      items = await storage.leaseOutbox(this.batchSize, this.leaseMs);
    } catch (err) {
      logger.warn({ err, code: 'STORAGE_UNAVAILABLE' }, 'outbox: could not read due deliveries');
      return 0;
    }
    let delivered = 0;
    // A ticket's items go out in order: after one fails, the later ones wait with it.
    const blocked = new Map<string, number>();
    for (const item of items) {
      const ticketId = item.payload.ticketId;
      const waitMs = blocked.get(ticketId);
      if (waitMs !== undefined) {
        await storage.retryOutbox(item.id, new Date(Date.now() + waitMs), 'WAITING: an earlier delivery for this ticket failed').catch(() => undefined);
        continue;
      }
      const failedWaitMs = await this.deliver(item);
      if (failedWaitMs === undefined) delivered++;
      else blocked.set(ticketId, failedWaitMs);
    }
    return delivered;
  }

  /** Returns undefined when delivered, else how long until the next attempt. */
  private async deliver(item: OutboxItem): Promise<number | undefined> {
    const { storage, logger, deliverers } = this.options;
    const deliverer = deliverers[item.channel];
    try {
      if (!deliverer) throw new DeliveryError(`the ${item.channel} channel is not configured`, 'CHANNEL_OFF');
      await deliverer.deliver(item);
    } catch (err) {
      const e = err instanceof DeliveryError ? err : undefined;
      const waitMs = e?.retryAfterMs ?? backoffMs(item.attempts, this.maxBackoffMs);
      const code = e?.code ?? 'DELIVERY_FAILED';
      logger.warn({ code, outboxId: item.id, kind: item.payload.kind, channel: item.channel, attempts: item.attempts + 1, retryInMs: waitMs, err: e ? undefined : err }, `outbox: delivery failed: ${(err as Error).message}`);
      await storage.retryOutbox(item.id, new Date(Date.now() + waitMs), `${code}: ${(err as Error).message}`.slice(0, 500)).catch(() => undefined);
      return waitMs;
    }
    // Delivered: if the bookkeeping fails, the lease runs out and the item goes again (at least once).
    await storage.completeOutbox(item).catch((err: unknown) => logger.warn({ err, code: 'STORAGE_UNAVAILABLE', outboxId: item.id }, 'outbox: could not mark an item delivered'));
    return undefined;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.running || this.stopped) return;
    this.again = false;
    this.running = this.runOnce().then(() => undefined);
    await this.running;
    this.running = undefined;
    this.schedule(this.again ? 0 : this.pollMs);
  }
}
