import { describe, expect, it } from 'vitest';
import { createEventProcessor, createPartitionOwner, createRecommender, partitionOf, type PartitionOwner } from '@mycontent/core';
import { createMemoryEventBus, createMemoryLeaseStore, createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Members of one group on one clock-driven lease store; each logs what it was given and gave up. */
function members(count: number, options: { partitions?: number; ttlMs?: number; now?: () => number } = {}) {
  const leases = createMemoryLeaseStore(options.now ? { now: options.now } : {});
  const log: string[] = [];
  const make = (name: string): PartitionOwner =>
    createPartitionOwner({
      leases,
      group: 'interactions/workers',
      partitions: options.partitions ?? 8,
      member: name,
      ttlMs: options.ttlMs ?? 60_000,
      onAssigned: (ps) => void log.push(`${name}+${ps.join(',')}`),
      onRevoked: async (ps) => {
        await sleep(5); // a batch in flight finishes
        log.push(`${name}-${ps.join(',')}`);
      },
    });
  return { owners: Array.from({ length: count }, (_, i) => make(`m${i}`)), make, log, leases };
}
const owned = (o: PartitionOwner) => o.ownership().owned;
const settle = (owners: PartitionOwner[], rounds = 3) => (async () => {
  for (let r = 0; r < rounds; r++) for (const o of owners) await o.rebalance();
})();

describe('partition ownership', () => {
  it('shares the partitions between the live members, each partition to one', async () => {
    const { owners } = members(3);
    for (const o of owners) await o.start();
    await settle(owners);
    expect(owners.map(owned)).toEqual([[0, 3, 6], [1, 4, 7], [2, 5]]);
    expect(owners[0]!.ownership().members).toEqual(['m0', 'm1', 'm2']);
    for (const o of owners) await o.stop();
  });

  it('hands partitions over when a member joins: given up first, then taken', async () => {
    const { owners, make, log } = members(1, { partitions: 4 });
    const [first] = owners;
    await first!.start();
    expect(owned(first!)).toEqual([0, 1, 2, 3]);
    const second = make('m1');
    await second.start(); // nothing free yet
    expect(owned(second)).toEqual([]);
    await settle([first!, second]);
    expect([owned(first!), owned(second)]).toEqual([[0, 2], [1, 3]]);
    // m0 gave 1 and 3 up before m1 was given them.
    expect(log.indexOf('m0-1,3')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('m0-1,3')).toBeLessThan(log.indexOf('m1+1,3'));
    await first!.stop();
    await settle([second]);
    expect(owned(second)).toEqual([0, 1, 2, 3]);
    await second.stop();
  });

  it('takes over the partitions of a member that died once its leases lapse', async () => {
    let now = 1_000_000;
    const { owners } = members(2, { partitions: 6, ttlMs: 1_000, now: () => now });
    const [alive, dead] = owners;
    for (const o of owners) await o.start();
    await settle(owners);
    expect([owned(alive!), owned(dead!)]).toEqual([[0, 2, 4], [1, 3, 5]]);
    // `dead` stops renewing (killed: no stop()). Before its leases lapse, nobody takes its partitions.
    now += 500;
    await alive!.rebalance();
    expect(owned(alive!)).toEqual([0, 2, 4]);
    now += 600;
    await alive!.rebalance();
    expect(owned(alive!)).toEqual([0, 1, 2, 3, 4, 5]);
    await alive!.stop();
  });

  it('gives up a partition whose lease it lost while paused', async () => {
    let now = 1_000_000;
    const { owners, make } = members(1, { partitions: 2, ttlMs: 1_000, now: () => now });
    const [sleeper] = owners;
    await sleeper!.start();
    now += 5_000; // paused past its leases and its membership
    const other = make('m9');
    await other.start();
    expect(owned(other)).toEqual([0, 1]);
    await sleeper!.rebalance(); // rejoins: m0 and m9 now; its old leases are m9's
    expect(owned(sleeper!)).toEqual([]);
    await settle([other, sleeper!]);
    expect([owned(sleeper!), owned(other)]).toEqual([[0], [1]]);
  });

  it('refuses bad options with the field named', () => {
    const leases = createMemoryLeaseStore();
    const base = { leases, group: 'g', partitions: 4, onAssigned: () => {}, onRevoked: () => {} };
    expect(() => createPartitionOwner({ ...base, partitions: 0 })).toThrow(/partitions must be a positive integer, got 0/);
    expect(() => createPartitionOwner({ ...base, ttlMs: 10 })).toThrow(/ttlMs must be at least 100, got 10/);
    expect(() => createPartitionOwner({ ...base, group: '' })).toThrow(/group must be a non-empty string/);
  });
});

describe('event processors sharing partitions', () => {
  it('apply every event once, each session on one processor in order, across a hand-over', async () => {
    const bus = createMemoryEventBus({ partitions: 8 });
    const leases = createMemoryLeaseStore();
    const seen = new Map<string, { processor: string; n: number }[]>();
    // The processors record what they apply through their recommenders' ingestion.
    const made = ['a', 'b'].map((name) => {
      const store = createMemoryStore();
      const recommender = createRecommender({ store, models: { popular: createPopularityModel() } });
      const ingest = recommender.ingestInteractions.bind(recommender);
      recommender.ingestInteractions = async (batch, ...rest) => {
        for (const x of batch) {
          const session = String(x.sessionId);
          const list = seen.get(session) ?? [];
          list.push({ processor: name, n: Number(String(x.itemId).slice(1)) });
          seen.set(session, list);
        }
        return ingest(batch, ...rest);
      };
      return { name, processor: createEventProcessor({ recommender, bus, batchSize: 20, recompute: false, ownership: { leases, member: name, ttlMs: 300 } }) };
    });
    const [a, b] = made;
    await a!.processor.start();
    await b!.processor.start();
    const T0 = Date.now() - 60_000;
    const publish = (from: number, to: number) =>
      bus.publishBatch(
        'interactions',
        Array.from({ length: to - from }, (_, k) => {
          const n = from + k;
          return { userId: `u${n % 40}`, sessionId: `s${n % 40}`, itemId: `i${n}`, type: 'click', timestamp: T0 + n, eventId: `e${n}` };
        }),
      );
    await publish(0, 400);
    // b joins late in the leases' eyes: until its share is handed over, a holds everything.
    for (let i = 0; i < 20 && (a!.processor.stats().partitions!.length + b!.processor.stats().partitions!.length !== 8 || b!.processor.stats().partitions!.length === 0); i++) await sleep(110);
    await publish(400, 800);
    await sleep(200);
    await a!.processor.stop(); // hands its partitions to b
    for (let i = 0; i < 20 && b!.processor.stats().partitions!.length < 8; i++) await sleep(110);
    expect(b!.processor.stats().partitions).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await publish(800, 1_000);
    for (let i = 0; i < 50 && [...seen.values()].reduce((n, l) => n + l.length, 0) < 1_000; i++) await sleep(50);
    await b!.processor.stop();

    const all = [...seen.values()].flat();
    expect(all).toHaveLength(1_000); // each event once
    expect(new Set(all.map((x) => x.n)).size).toBe(1_000);
    for (const [session, list] of seen) {
      const ns = list.map((x) => x.n);
      expect(ns, session).toEqual([...ns].sort((x, y) => x - y)); // in order, whoever applied it
      // One owner at a time: a session's events go to a, then (after a hand-over) to b, never back.
      const owners = list.map((x) => x.processor).filter((who, i, all) => i === 0 || all[i - 1] !== who);
      expect(['a', 'a,b', 'b'], `${session} (partition ${partitionOf(session, 8)})`).toContain(owners.join());
    }
    expect(new Set(all.map((x) => x.processor))).toEqual(new Set(['a', 'b']));
  });
});
