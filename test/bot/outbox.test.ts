import { backoffMs, DeliveryError, OutboxDispatcher, type Deliverer } from '../../src/bot/outbox';
import type { OutboxItem, Storage } from '../../src/bot/ports';
import { silentLogger } from '../../src/logger';
import { memoryStorage } from '../helpers/fixtures';

const note = (ticketId: string, text: string) => ({ channel: 'slack' as const, payload: { kind: 'thread-note' as const, ticketId, text } });
const textOf = (item: OutboxItem) => (item.payload.kind === 'thread-note' ? item.payload.text : item.payload.kind);

class FakeSlack implements Deliverer {
  delivered: string[] = [];
  failures: DeliveryError[] = [];
  async deliver(item: OutboxItem): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.delivered.push(textOf(item));
  }
}

describe('outbox dispatcher', () => {
  let storage: Storage;
  let slack: FakeSlack;
  let dispatcher: OutboxDispatcher;

  beforeEach(async () => {
    storage = await memoryStorage();
    slack = new FakeSlack();
    dispatcher = new OutboxDispatcher({ storage, deliverers: { slack }, logger: silentLogger, pollMs: 10 });
  });
  afterEach(async () => {
    await dispatcher.stop();
    await storage.close();
  });

  it('delivers due items in order and removes them', async () => {
    await storage.enqueueOutbox([note('HD-1', 'a'), note('HD-2', 'b')]);
    expect(await dispatcher.runOnce()).toBe(2);
    expect(slack.delivered).toEqual(['a', 'b']);
    expect(await dispatcher.runOnce()).toBe(0);
  });

  it("honours a 429's Retry-After and holds back the ticket's later items so they stay in order", async () => {
    await storage.enqueueOutbox([note('HD-1', 'first'), note('HD-1', 'second'), note('HD-2', 'other ticket')]);
    slack.failures.push(new DeliveryError('ratelimited', 'SLACK_RATE_LIMITED', 50));
    expect(await dispatcher.runOnce()).toBe(1);
    expect(slack.delivered).toEqual(['other ticket']);
    expect(await dispatcher.runOnce()).toBe(0); // not due yet
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await dispatcher.runOnce()).toBe(2);
    expect(slack.delivered).toEqual(['other ticket', 'first', 'second']);
  });

  it('keeps an item for a channel that is not configured instead of dropping it', async () => {
    await storage.enqueueOutbox([{ channel: 'teams', payload: { kind: 'ticket-card', ticketId: 'HD-1' } }]);
    expect(await dispatcher.runOnce()).toBe(0);
    const later = new OutboxDispatcher({ storage, deliverers: {}, logger: silentLogger });
    expect(await later.runOnce()).toBe(0);
  });

  it('delivers in the background once started and when kicked, surviving failures', async () => {
    dispatcher.start();
    slack.failures.push(new DeliveryError('down', 'SLACK_API_ERROR', 20));
    await storage.enqueueOutbox([note('HD-1', 'x')]);
    dispatcher.kick();
    for (let i = 0; i < 100 && slack.delivered.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(slack.delivered).toEqual(['x']);
  });

  it('backs off exponentially up to a cap', () => {
    const half = () => 0.5;
    expect([0, 1, 2, 3, 10, 40].map((n) => backoffMs(n, 300_000, half))).toEqual([1000, 2000, 4000, 8000, 300_000, 300_000]);
    expect(backoffMs(0, 300_000, () => 0)).toBe(800);
    expect(backoffMs(0, 300_000, () => 1)).toBe(1200);
  });
});
