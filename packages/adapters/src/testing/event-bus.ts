import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusMessage, EventBus } from '@mycontent/core';
import { partitionOf } from '@mycontent/core';
import { sleep, suiteTitle, type ConformanceOptions } from './shared';

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Options of {@link describeEventBusConformance}. */
export interface EventBusConformanceOptions extends ConformanceOptions {
  /**
   * For buses shared between processes (`capabilities.distributed`): messages a consumer left
   * unacknowledged must reach another consumer of the group after this many ms (the adapter's
   * claim delay, set low by the factory). Omit to skip that test.
   */
  reclaimAfterMs?: number;
  /**
   * Takes `count` messages of `topic` for `group` (created at the earliest message if new) as a
   * consumer that dies at once, without acknowledging them — on a distributed bus, a raw read on
   * the backend. With `reclaimAfterMs`; omit to skip that test.
   */
  crashedConsumer?: (topic: string, group: string, count: number) => Promise<void>;
}

/**
 * The event bus conformance suite. `factory` returns a fresh bus for each test (isolate topics);
 * for a distributed bus, two buses from `factory` must share messages (same backend). Run it
 * again with a bus made with `partitions` (4, say) for the partition tests, which skip otherwise.
 *
 * @example
 * ```ts
 * describeEventBusConformance('memory', () => createMemoryEventBus());
 * ```
 */
export function describeEventBusConformance(
  name: string,
  factory: () => EventBus | Promise<EventBus>,
  options: EventBusConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('event bus', name, options.skip), () => {
    let bus: EventBus;
    let topic: string;
    let n = 0;
    beforeEach(async () => {
      bus = await factory();
      topic = `conformance-${Date.now()}-${n++}`;
    });
    afterEach(async () => {
      await bus.close();
    });

    it('delivers published messages in order to a subscriber', async () => {
      const got: number[] = [];
      await bus.subscribe<{ n: number }>(topic, (m) => void got.push(m.payload.n));
      for (let i = 0; i < 20; i++) await bus.publish(topic, { n: i });
      await until(() => got.length === 20);
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('stamps each message with its publication time and distinct ids', async () => {
      const got: { id: string; publishedAt: number }[] = [];
      await bus.subscribe(topic, (m) => void got.push({ id: m.id, publishedAt: m.publishedAt }));
      const before = Date.now();
      await bus.publish(topic, { n: 1 });
      await bus.publishBatch(topic, [{ n: 2 }, { n: 3 }]);
      const after = Date.now();
      await until(() => got.length === 3);
      expect(new Set(got.map((m) => m.id)).size).toBe(3);
      // The bus's clock may be a server's: allow it a little skew.
      for (const m of got) expect(m.publishedAt).toBeGreaterThanOrEqual(before - 1_000);
      for (const m of got) expect(m.publishedAt).toBeLessThanOrEqual(after + 1_000);
    });

    it('gives every group every message, and shares a group between its consumers', async () => {
      const a: number[] = [];
      const b1: number[] = [];
      const b2: number[] = [];
      await bus.subscribe<{ n: number }>(topic, (m) => void a.push(m.payload.n), { group: 'a' });
      await bus.subscribe<{ n: number }>(topic, async (m) => { b1.push(m.payload.n); await sleep(2); }, { group: 'b' });
      await bus.subscribe<{ n: number }>(topic, async (m) => { b2.push(m.payload.n); await sleep(2); }, { group: 'b' });
      for (let i = 0; i < 40; i++) await bus.publish(topic, { n: i });
      await until(() => a.length === 40 && b1.length + b2.length === 40);
      expect([...b1, ...b2].sort((x, y) => x - y)).toEqual(a);
      expect(b1.length).toBeGreaterThan(0);
      expect(b2.length).toBeGreaterThan(0);
    });

    it('redelivers a message whose handler throws, with the delivery count', async () => {
      const deliveries: number[] = [];
      await bus.subscribe(topic, (m: BusMessage) => {
        deliveries.push(m.deliveries);
        if (m.deliveries < 3) throw new Error('transient');
      }, { maxDeliveries: 5 });
      await bus.publish(topic, { n: 1 });
      await until(() => deliveries.length === 3);
      await sleep(50);
      expect(deliveries).toEqual([1, 2, 3]);
      expect(await bus.deadLetters(topic)).toEqual([]);
    });

    it('dead-letters a poison message after maxDeliveries and keeps processing the rest', async () => {
      const ok: number[] = [];
      await bus.subscribe<{ n: number }>(topic, (m) => {
        if (m.payload.n === 0) throw new Error('poison');
        ok.push(m.payload.n);
      }, { maxDeliveries: 2 });
      for (let i = 0; i < 5; i++) await bus.publish(topic, { n: i });
      await until(() => ok.length === 4);
      await until(async () => (await bus.deadLetters(topic)).length === 1);
      const dead = await bus.deadLetters(topic);
      expect(dead[0]!.error).toContain('poison');
      expect(dead[0]!.message.payload).toEqual({ n: 0 });
      expect(ok.sort()).toEqual([1, 2, 3, 4]);
    });

    it('delivers batches of at most batchSize and acknowledges all but the failed messages', async () => {
      const sizes: number[] = [];
      const seen: number[] = [];
      const deliveriesOf3: number[] = [];
      await bus.subscribeBatch<{ n: number }>(
        topic,
        (messages) => {
          sizes.push(messages.length);
          const failed = [];
          for (const m of messages) {
            seen.push(m.payload.n);
            expect(m.bytes).toBe(JSON.stringify(m.payload).length);
            if (m.payload.n === 3) {
              deliveriesOf3.push(m.deliveries);
              if (m.deliveries === 1) failed.push({ id: m.id, error: new Error('transient') });
            }
          }
          return { failed };
        },
        { batchSize: 10, maxDeliveries: 3 },
      );
      const ids = await bus.publishBatch(topic, Array.from({ length: 25 }, (_, n) => ({ n })));
      expect(new Set(ids).size).toBe(25);
      await until(() => seen.length === 26);
      await sleep(100);
      expect(seen.length).toBe(26); // 25 + one redelivery of n = 3
      expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, n) => n));
      expect(deliveriesOf3).toEqual([1, 2]);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
      expect(sizes.some((n) => n > 1)).toBe(true);
      expect(await bus.deadLetters(topic)).toEqual([]);
    });

    it('redelivers the whole batch when the batch handler throws, then dead-letters it', async () => {
      let calls = 0;
      await bus.subscribeBatch(topic, () => {
        calls++;
        throw new Error('store down');
      }, { batchSize: 10, maxDeliveries: 2 });
      await bus.publishBatch(topic, [{ n: 1 }, { n: 2 }]);
      await until(async () => (await bus.deadLetters(topic)).length === 2);
      const dead = await bus.deadLetters<{ n: number }>(topic);
      expect(dead.map((d) => d.message.payload.n).sort()).toEqual([1, 2]);
      expect(dead.every((d) => d.error === 'store down' && d.message.deliveries === 2)).toBe(true);
      expect(calls).toBeGreaterThanOrEqual(2);
    });

    it('gives released messages back uncounted: more releases than maxDeliveries dead-letter nothing', async () => {
      const deliveries: number[] = [];
      let releases = 0;
      await bus.subscribeBatch<{ n: number }>(topic, (messages) => {
        if (releases < 4) {
          releases++;
          return { released: messages.map((m) => m.id) };
        }
        deliveries.push(...messages.map((m) => m.deliveries));
        return {};
      }, { batchSize: 10, maxDeliveries: 2 });
      await bus.publishBatch(topic, [{ n: 1 }, { n: 2 }]);
      await until(() => deliveries.length === 2);
      await sleep(50);
      expect(deliveries).toEqual([1, 1]);
      expect(await bus.deadLetters(topic)).toEqual([]);
    });

    it.skipIf(options.reclaimAfterMs === undefined)('lets a slow handler keep its messages: no other consumer takes them over', async () => {
      const other = await factory();
      const seen: { by: string; n: number; deliveries: number }[] = [];
      // The first consumer holds its batch for several claim delays (a database outage, say).
      await bus.subscribeBatch<{ n: number }>(topic, async (messages) => {
        seen.push(...messages.map((m) => ({ by: 'slow', n: m.payload.n, deliveries: m.deliveries })));
        await sleep(options.reclaimAfterMs! * 4);
      }, { group: 'workers', batchSize: 50 });
      await bus.publishBatch(topic, Array.from({ length: 5 }, (_, n) => ({ n })));
      await until(() => seen.length === 5);
      await other.subscribeBatch<{ n: number }>(topic, (messages) => {
        seen.push(...messages.map((m) => ({ by: 'other', n: m.payload.n, deliveries: m.deliveries })));
      }, { group: 'workers', batchSize: 50 });
      await sleep(options.reclaimAfterMs! * 5);
      expect(seen).toEqual(Array.from({ length: 5 }, (_, n) => ({ by: 'slow', n, deliveries: 1 })));
      await other.close();
    });

    it('finds and erases the messages a predicate selects, dead letters included', async (context) => {
      if (!bus.findMessages || !bus.eraseMessages) return context.skip();
      type Event = { user: string; n: number };
      const handled: number[] = [];
      await bus.subscribeBatch<Event>(topic, (messages) => {
        handled.push(...messages.map((m) => m.payload.n));
        return { failed: messages.filter((m) => m.payload.n === 0).map((m) => ({ id: m.id, error: new Error('poison') })) };
      }, { maxDeliveries: 1, group: 'g', startFrom: 'earliest' });
      await bus.publishBatch<Event>(topic, [{ user: 'x', n: 0 }, { user: 'y', n: 1 }, { user: 'x', n: 2 }]);
      await until(async () => handled.length === 3 && (await bus.deadLetters(topic)).length === 1);
      const ofX = async () => (await bus.findMessages!<Event>(topic, (p) => p.user === 'x')).map((m) => m.payload.n).sort();
      expect(await ofX()).toEqual([0, 2]);
      expect(await bus.eraseMessages!<Event>(topic, (p) => p.user === 'x')).toBe(2);
      expect(await ofX()).toEqual([]);
      expect(await bus.deadLetters(topic)).toEqual([]);
      expect((await bus.findMessages!<Event>(topic, () => true)).map((m) => m.payload)).toEqual([{ user: 'y', n: 1 }]);
      // A group created now, from the earliest message, gets only what was not erased.
      const later: Event[] = [];
      await bus.subscribe<Event>(topic, (m) => void later.push(m.payload), { group: 'late', startFrom: 'earliest' });
      await until(() => later.length === 1);
      await sleep(50);
      expect(later).toEqual([{ user: 'y', n: 1 }]);
    });

    it("starts a new group at the earliest retained message, or at the next one", async () => {
      await bus.publishBatch(topic, [{ n: 1 }, { n: 2 }]);
      const earliest: number[] = [];
      const latest: number[] = [];
      await bus.subscribe<{ n: number }>(topic, (m) => void earliest.push(m.payload.n), { group: 'replay', startFrom: 'earliest' });
      await bus.subscribe<{ n: number }>(topic, (m) => void latest.push(m.payload.n), { group: 'live' });
      await bus.publish(topic, { n: 3 });
      await until(() => earliest.length === 3 && latest.length === 1);
      expect(earliest).toEqual([1, 2, 3]);
      expect(latest).toEqual([3]);
    });

    it('stops delivering to a closed subscription', async () => {
      const got: number[] = [];
      const sub = await bus.subscribe<{ n: number }>(topic, (m) => void got.push(m.payload.n));
      await bus.publish(topic, { n: 1 });
      await until(() => got.length === 1);
      await sub.close();
      await bus.publish(topic, { n: 2 });
      await sleep(50);
      expect(got).toEqual([1]);
    });

    it.skipIf(options.crashedConsumer === undefined)('gives another consumer the messages a crashed consumer never acknowledged', async () => {
      await bus.publishBatch(topic, Array.from({ length: 5 }, (_, n) => ({ n })));
      // A consumer of the group takes the messages and dies before acknowledging them.
      await options.crashedConsumer!(topic, 'workers', 5);
      const second: { n: number; deliveries: number }[] = [];
      await bus.subscribeBatch<{ n: number }>(topic, (messages) => {
        second.push(...messages.map((m) => ({ n: m.payload.n, deliveries: m.deliveries })));
      }, { group: 'workers', batchSize: 50 });
      await until(() => second.length === 5, options.reclaimAfterMs! + 10_000);
      await sleep(50);
      expect(second.map((m) => m.n).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(second.every((m) => m.deliveries === 2)).toBe(true);
    });

    describe('partitions (a bus made with partitions > 1)', () => {
      type Keyed = { key: string; n: number };
      let partitions = 1;
      beforeEach((context) => {
        partitions = bus.capabilities.partitions ?? 1;
        if (partitions <= 1) context.skip();
      });
      /** Keys k0, k1… and the first key of each partition that has one. */
      const keys = Array.from({ length: 24 }, (_, i) => `k${i}`);

      it('puts every message of a key on its partition, in order', async () => {
        const seen: { key: string; n: number; partition: number }[] = [];
        for (let p = 0; p < partitions; p++) {
          await bus.subscribe<Keyed>(topic, (m) => void seen.push({ ...m.payload, partition: p }), { group: 'by-partition', partitions: [p] });
        }
        const batch = Array.from({ length: 96 }, (_, n) => ({ key: keys[n % keys.length]!, n }));
        await bus.publishBatch<Keyed>(topic, batch.slice(0, 48), { keys: batch.slice(0, 48).map((m) => m.key) });
        for (const m of batch.slice(48)) await bus.publish<Keyed>(topic, m, { key: m.key });
        await until(() => seen.length === 96);
        for (const m of seen) expect(m.partition).toBe(partitionOf(m.key, partitions));
        for (const key of keys) {
          const ns = seen.filter((m) => m.key === key).map((m) => m.n);
          expect(ns).toEqual([...ns].sort((a, b) => a - b));
          expect(ns.length).toBe(4);
        }
        expect(new Set(seen.map((m) => m.partition)).size).toBeGreaterThan(1);
      });

      it('shares a group between consumers of disjoint partitions, each message once', async () => {
        const half = Math.ceil(partitions / 2);
        const mine = Array.from({ length: half }, (_, p) => p);
        const theirs = Array.from({ length: partitions - half }, (_, p) => half + p);
        const a: Keyed[] = [];
        const b: Keyed[] = [];
        await bus.subscribeBatch<Keyed>(topic, (ms) => void a.push(...ms.map((m) => m.payload)), { group: 'workers', partitions: mine });
        await bus.subscribeBatch<Keyed>(topic, (ms) => void b.push(...ms.map((m) => m.payload)), { group: 'workers', partitions: theirs });
        await bus.publishBatch<Keyed>(topic, Array.from({ length: 120 }, (_, n) => ({ key: keys[n % keys.length]!, n })), { keys: Array.from({ length: 120 }, (_, n) => keys[n % keys.length]) });
        await until(() => a.length + b.length === 120);
        await sleep(50);
        expect([...a, ...b].map((m) => m.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 120 }, (_, n) => n));
        expect(a.every((m) => mine.includes(partitionOf(m.key, partitions)))).toBe(true);
        expect(b.every((m) => theirs.includes(partitionOf(m.key, partitions)))).toBe(true);
      });

      it("hands a partition over: the group's next consumer of it resumes where the last one stopped", async () => {
        const key = keys[0]!;
        const p = partitionOf(key, partitions);
        const first: number[] = [];
        const before = await bus.subscribe<Keyed>(topic, (m) => void first.push(m.payload.n), { group: 'owners', partitions: [p] });
        for (let n = 0; n < 10; n++) await bus.publish<Keyed>(topic, { key, n }, { key });
        await until(() => first.length === 10);
        await before.close();
        for (let n = 10; n < 20; n++) await bus.publish<Keyed>(topic, { key, n }, { key });
        const next = bus.capabilities.distributed ? await factory() : bus; // another process, where there can be one
        const second: number[] = [];
        await next.subscribe<Keyed>(topic, (m) => void second.push(m.payload.n), { group: 'owners', partitions: [p] });
        await until(() => second.length === 10);
        await sleep(50);
        expect(first).toEqual(Array.from({ length: 10 }, (_, n) => n));
        expect(second).toEqual(Array.from({ length: 10 }, (_, n) => 10 + n));
        if (next !== bus) await next.close();
      });

      it("keys by the session, else the user, by default; and refuses a partition it does not have", async () => {
        const got: { sessionId?: string; userId: string; partition: number }[] = [];
        for (let p = 0; p < partitions; p++) {
          await bus.subscribe<{ sessionId?: string; userId: string }>(topic, (m) => void got.push({ ...m.payload, partition: p }), { group: 'g', partitions: [p] });
        }
        const events = keys.map((k, i) => (i % 2 === 0 ? { sessionId: `s-${k}`, userId: `u-${k}` } : { userId: `u-${k}` }));
        await bus.publishBatch(topic, events);
        await until(() => got.length === events.length);
        for (const e of got) expect(e.partition).toBe(partitionOf(e.sessionId ?? e.userId, partitions));
        await expect(bus.subscribe(topic, () => {}, { partitions: [partitions] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      });
    });
  });
}
