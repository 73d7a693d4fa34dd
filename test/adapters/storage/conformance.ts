/**
 * The storage conformance suite: every backend must pass it unchanged. `open()` returns a
 * fresh, migrated store; `openSecond()` another connection to the same database (a second
 * bot instance).
 */
import { conversationKey } from '../../../src/bot/messages';
import type { NewTicket, Storage, TranscriptEntry } from '../../../src/bot/ports';
import { Chat, engineFor, fixtureCatalogue, webRef } from '../../helpers/fixtures';

export interface StorageHarness {
  open(): Promise<Storage>;
  openSecond(): Promise<Storage>;
  cleanup(): Promise<void>;
}

const at = '2026-11-22T10:00:00.000Z';
const entry = (episode: number, text: string): TranscriptEntry => ({ at, episode, actor: 'user', input: { kind: 'text', text } });

const ticket = (number: number, dedupeKey: string, userId = 'u-1'): NewTicket => ({
  id: `HD-${number}`,
  number,
  dedupeKey,
  conversationKey: 'web/c1/',
  requester: { channel: 'web', userId, name: 'Pat' },
  ref: { channel: 'web', conversationId: 'c1', user: { id: userId, name: 'Pat' } },
  flowId: 'wifi-down',
  reason: 'still broken',
  trail: [{ kind: 'question', nodeId: 'wf-where', question: 'Where are you?', answer: 'At home' }],
  createdAt: at,
});

export function storageConformance(name: string, makeHarness: () => Promise<StorageHarness>): void {
  describe(`storage conformance: ${name}`, () => {
    let harness: StorageHarness;
    let store: Storage;

    beforeEach(async () => {
      harness = await makeHarness();
      store = await harness.open();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('migrates idempotently, also from a second instance', async () => {
      await store.migrate();
      const second = await harness.openSecond();
      await second.migrate();
      await expect(second.ping()).resolves.toBeUndefined();
    });

    it('stores a conversation with a version that advances on each commit', async () => {
      expect(await store.loadConversation('k1')).toBeUndefined();
      expect(await store.commitTurn({ key: 'k1', expectedVersion: 0, state: { episode: 1 }, transcript: [entry(1, 'a')] })).toEqual({ ok: true, version: 1 });
      const state = { episode: 1, flow: { id: 'f', hash: 'h', value: 'q1', context: { trail: [{ nodeId: 'q0', optionId: 'x' }] } } };
      expect(await store.commitTurn({ key: 'k1', expectedVersion: 1, state, transcript: [entry(1, 'b')] })).toEqual({ ok: true, version: 2 });
      expect(await store.loadConversation('k1')).toEqual({ version: 2, state });
      expect(await store.readTranscript('k1')).toEqual([entry(1, 'a'), entry(1, 'b')]);
    });

    it('refuses a commit based on a stale version and writes nothing of it', async () => {
      await store.commitTurn({ key: 'k1', expectedVersion: 0, state: { episode: 1 }, transcript: [] });
      expect(await store.commitTurn({ key: 'k1', expectedVersion: 0, state: { episode: 9 }, transcript: [entry(9, 'lost')] })).toEqual({ ok: false });
      await store.commitTurn({ key: 'k1', expectedVersion: 1, state: { episode: 2 }, transcript: [] });
      expect(await store.commitTurn({ key: 'k1', expectedVersion: 1, state: { episode: 9 }, transcript: [entry(9, 'lost')], ticket: ticket(1001, 'd1') })).toEqual({ ok: false });
      expect(await store.loadConversation('k1')).toEqual({ version: 2, state: { episode: 2 } });
      expect(await store.readTranscript('k1')).toEqual([]);
      expect(await store.getTicket('HD-1001')).toBeUndefined();
    });

    it('creates a ticket with its commit, once per dedupe key', async () => {
      const number = await store.nextTicketNumber();
      expect(number).toBeGreaterThanOrEqual(1001);
      expect(await store.nextTicketNumber()).toBe(number + 1);
      const t = ticket(number, 'conv#1');
      expect((await store.commitTurn({ key: 'k1', expectedVersion: 0, state: { episode: 1 }, transcript: [], ticket: t })).ok).toBe(true);
      const stored = { ...t, status: 'open', revision: 1, priority: 'P3', history: [{ at, kind: 'created' }], updatedAt: at };
      expect(await store.getTicket(t.id)).toEqual(stored);
      expect(await store.findTicketByDedupeKey('conv#1')).toEqual(stored);
      // A second ticket for the same dedupe key is refused with the whole commit.
      const dup = ticket(number + 1, 'conv#1');
      expect(await store.commitTurn({ key: 'k1', expectedVersion: 1, state: { episode: 1 }, transcript: [], ticket: dup })).toEqual({ ok: false });
      expect(await store.listTickets()).toHaveLength(1);
    });

    it('lists tickets by requester and by conversation', async () => {
      await store.commitTurn({ key: 'a', expectedVersion: 0, state: { episode: 1 }, transcript: [], ticket: ticket(1001, 'a#1', 'u-1') });
      await store.commitTurn({ key: 'b', expectedVersion: 0, state: { episode: 1 }, transcript: [], ticket: { ...ticket(1002, 'b#1', 'u-2'), conversationKey: 'web/c2/' } });
      expect((await store.listTickets({ requesterId: 'u-2' })).map((t) => t.id)).toEqual(['HD-1002']);
      expect((await store.listTickets({ conversationKey: 'web/c1/' })).map((t) => t.id)).toEqual(['HD-1001']);
      expect((await store.listTickets()).map((t) => t.id)).toEqual(['HD-1001', 'HD-1002']);
    });

    it('hands out ticket numbers that never repeat across instances', async () => {
      const second = await harness.openSecond();
      const numbers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? store : second).nextTicketNumber()));
      expect(new Set(numbers).size).toBe(20);
    });

    it('claims a channel event once, for every instance, until it expires', async () => {
      const second = await harness.openSecond();
      expect(await store.claimEvent('slack', 'Ev1', 60_000)).toBe(true);
      expect(await store.claimEvent('slack', 'Ev1', 60_000)).toBe(false);
      expect(await second.claimEvent('slack', 'Ev1', 60_000)).toBe(false);
      expect(await second.claimEvent('teams', 'Ev1', 60_000)).toBe(true);
      expect(await store.claimEvent('slack', 'Ev2', 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      expect(await second.claimEvent('slack', 'Ev2', 60_000)).toBe(true);
    });

    it('loses no update when two instances handle one conversation at the same time', async () => {
      const catalogue = fixtureCatalogue();
      const second = await harness.openSecond();
      const ref = webRef('race');
      const one = engineFor(catalogue, store);
      const two = engineFor(catalogue, second);
      await new Chat(one, ref).say('wifi broken');
      // Both instances receive "restart" for the same conversation at once, many times over. Each
      // restart bumps the episode, so a lost update shows up as a missing increment.
      const rounds = 10;
      for (let i = 0; i < rounds; i++) {
        await Promise.all([one.handle({ kind: 'text', ref, text: 'restart' }), two.handle({ kind: 'text', ref, text: 'start over' })]);
      }
      const key = conversationKey(ref);
      const stored = await store.loadConversation(key);
      expect(stored?.state.episode).toBe(1 + 2 * rounds);
      expect(stored?.version).toBe(1 + 2 * rounds);
      const commands = (await store.readTranscript(key)).filter((e) => e.actor === 'user');
      expect(commands).toHaveLength(1 + 2 * rounds);
    });

    it('keeps every read-modify-write of two instances (optimistic concurrency)', async () => {
      const second = await harness.openSecond();
      const increment = async (s: Storage) => {
        for (;;) {
          const current = await s.loadConversation('counter');
          const result = await s.commitTurn({
            key: 'counter',
            expectedVersion: current?.version ?? 0,
            state: { episode: (current?.state.episode ?? 0) + 1 },
            transcript: [],
          });
          if (result.ok) return;
        }
      };
      await Promise.all(Array.from({ length: 30 }, (_, i) => increment(i % 2 ? store : second)));
      expect((await store.loadConversation('counter'))?.state.episode).toBe(30);
    });

    it('creates one ticket when two instances escalate one conversation at the same time', async () => {
      const catalogue = fixtureCatalogue();
      const second = await harness.openSecond();
      const ref = webRef('double-click');
      const chat = new Chat(engineFor(catalogue, store), ref);
      await chat.say('wifi broken');
      await chat.say('talk to someone');
      expect(chat.question().nodeId).toBe('intake.since');
      // Asking again during the intake opens the ticket at once, on both instances at the same time.
      const [a, b] = await Promise.all([
        engineFor(catalogue, store).handle({ kind: 'text', ref, text: 'talk to someone' }),
        engineFor(catalogue, second).handle({ kind: 'text', ref, text: 'talk to someone' }),
      ]);
      const ids = [a, b].map((replies) => replies.find((r) => r.kind === 'escalation')).map((r) => r && r.kind === 'escalation' && r.ticketId);
      expect(ids[0]).toMatch(/^HD-\d+$/);
      expect(ids[0]).toBe(ids[1]);
      expect(await store.listTickets({ conversationKey: conversationKey(ref) })).toHaveLength(1);
    });

    it('updates a ticket only from its current revision, queuing its deliveries in the same transaction', async () => {
      await store.commitTurn({ key: 'k', expectedVersion: 0, state: { episode: 1 }, transcript: [], ticket: ticket(1001, 'k#1') });
      const created = (await store.getTicket('HD-1001'))!;
      expect(created).toMatchObject({ status: 'open', revision: 1, priority: 'P3', history: [{ kind: 'created' }] });
      const staff = { channel: 'slack' as const, id: 'U-staff', name: 'Sam' };
      const assigned = { ...created, status: 'assigned' as const, assignee: staff, updatedAt: at };
      const card = { channel: 'slack' as const, payload: { kind: 'ticket-card' as const, ticketId: 'HD-1001' }, coalesceKey: 'card:HD-1001' };
      expect(await store.updateTicket(assigned, [card])).toMatchObject({ revision: 2, status: 'assigned' });
      // A second staff member acting on the same old revision loses, and queues nothing.
      const second = await harness.openSecond();
      expect(await second.updateTicket({ ...created, status: 'resolved', updatedAt: at }, [card])).toBeUndefined();
      expect(await store.getTicket('HD-1001')).toMatchObject({ status: 'assigned', revision: 2, assignee: staff });
      expect((await store.listTickets({ requesterId: 'u-1' }))[0]).toMatchObject({ status: 'assigned', revision: 2 });
      const leased = await store.leaseOutbox(10, 60_000);
      expect(leased).toEqual([expect.objectContaining({ channel: 'slack', payload: card.payload, attempts: 0 })]);
    });

    it('finds a ticket by its support-channel thread', async () => {
      await store.commitTurn({ key: 'k', expectedVersion: 0, state: { episode: 1 }, transcript: [], ticket: ticket(1001, 'k#1') });
      await store.linkSupportThread('HD-1001', { channel: 'slack', conversationId: 'C-support', messageId: '1700000000.000100' });
      await store.linkSupportThread('HD-1001', { channel: 'slack', conversationId: 'C-support', messageId: '1700000000.000100' });
      const second = await harness.openSecond();
      expect((await second.findTicketBySupportThread('slack', 'C-support', '1700000000.000100'))?.id).toBe('HD-1001');
      expect(await second.findTicketBySupportThread('slack', 'C-support', '1700000000.999999')).toBeUndefined();
      expect(await second.findTicketBySupportThread('teams', 'C-support', '1700000000.000100')).toBeUndefined();
      expect(await second.supportPostOf('HD-1001')).toEqual({ channel: 'slack', conversationId: 'C-support', messageId: '1700000000.000100' });
      expect(await second.supportPostOf('HD-1002')).toBeUndefined();
    });

    it('leases outbox items to one instance at a time, oldest first, and hands back failed ones later', async () => {
      const note = (text: string) => ({ channel: 'teams' as const, payload: { kind: 'thread-note' as const, ticketId: 'HD-1', text } });
      await store.enqueueOutbox([note('a'), note('b'), note('c')]);
      const second = await harness.openSecond();
      const [mine, theirs] = await Promise.all([store.leaseOutbox(2, 60_000), second.leaseOutbox(2, 60_000)]);
      const texts = (items: typeof mine) => items.map((i) => (i.payload.kind === 'thread-note' ? i.payload.text : ''));
      expect([...texts(mine), ...texts(theirs)].sort()).toEqual(['a', 'b', 'c']);
      expect(await store.leaseOutbox(10, 60_000)).toEqual([]);
      const first = [...mine, ...theirs].find((i) => texts([i])[0] === 'a')!;
      await store.retryOutbox(first.id, new Date(Date.now() - 1), 'HTTP 503');
      const again = await second.leaseOutbox(10, 60_000);
      expect(again).toEqual([expect.objectContaining({ id: first.id, attempts: 1 })]);
      await second.completeOutbox(again[0]!);
      await store.retryOutbox([...mine, ...theirs].find((i) => texts([i])[0] === 'b')!.id, new Date(Date.now() + 60_000), 'HTTP 429');
      expect(await store.leaseOutbox(10, 60_000)).toEqual([]);
    });

    it('gives an expired lease to another instance (a deliverer that crashed)', async () => {
      await store.enqueueOutbox([{ channel: 'slack', payload: { kind: 'ticket-card', ticketId: 'HD-1' } }]);
      expect(await store.leaseOutbox(1, 1)).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = await harness.openSecond();
      expect(await second.leaseOutbox(1, 60_000)).toHaveLength(1);
    });

    it('coalesces card updates and redelivers a card changed while it was being delivered', async () => {
      const card = { channel: 'slack' as const, payload: { kind: 'ticket-card' as const, ticketId: 'HD-7' }, coalesceKey: 'card:HD-7' };
      await store.enqueueOutbox([card, card]);
      const [leased] = await store.leaseOutbox(10, 60_000);
      expect(leased).toBeDefined();
      await store.enqueueOutbox([card]); // the ticket changed during delivery
      await store.completeOutbox(leased!);
      const [again] = await store.leaseOutbox(10, 60_000);
      expect(again).toMatchObject({ id: leased!.id, generation: leased!.generation + 1 });
      await store.completeOutbox(again!);
      expect(await store.leaseOutbox(10, 60_000)).toEqual([]);
    });

    it('keeps settings across instances', async () => {
      expect(await store.getSetting('support.slack')).toBeUndefined();
      await store.setSetting('support.slack', 'C1');
      await store.setSetting('support.slack', 'C2');
      expect(await (await harness.openSecond()).getSetting('support.slack')).toBe('C2');
    });

    it('creates a ticket outside a turn once per dedupe key, with its deliveries', async () => {
      const card = { channel: 'slack' as const, payload: { kind: 'ticket-card' as const, ticketId: 'HD-1001' } };
      const second = await harness.openSecond();
      const [a, b] = await Promise.all([
        store.createTicket(ticket(1001, 'slack:C1:1700.1'), [card]),
        second.createTicket(ticket(1002, 'slack:C1:1700.1'), [card]),
      ]);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect(a.ticket.id).toBe(b.ticket.id);
      expect(await store.listTickets()).toHaveLength(1);
      expect(await store.leaseOutbox(10, 60_000)).toHaveLength(1);
    });
  });
}
