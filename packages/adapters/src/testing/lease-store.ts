import { beforeEach, describe, expect, it } from 'vitest';
import type { LeaseStore } from '@mycontent/core';
import { sleep, suiteTitle, type ConformanceOptions } from './shared';

/**
 * The lease store conformance suite. `factory` returns a store for each test; two stores from it
 * must see the same leases (the same backend), as two processes do. The expiry tests wait a few
 * hundred milliseconds.
 *
 * @example
 * ```ts
 * describeLeaseStoreConformance('memory', () => createMemoryLeaseStore());
 * ```
 */
export function describeLeaseStoreConformance(name: string, factory: () => LeaseStore | Promise<LeaseStore>, options: ConformanceOptions = {}): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('lease store', name, options.skip), () => {
    let leases: LeaseStore;
    let group: string;
    let n = 0;
    beforeEach(async () => {
      leases = await factory();
      group = `conformance-${Date.now()}-${n++}`;
    });

    it('gives a free lease to one owner, renews it for that owner, and refuses it to others', async () => {
      expect(await leases.acquire(group, ['0', '1'], 'a', 10_000)).toEqual([true, true]);
      expect(await leases.acquire(group, ['1', '2'], 'b', 10_000)).toEqual([false, true]);
      expect(await leases.acquire(group, ['0', '1', '2'], 'a', 10_000)).toEqual([true, true, false]);
      expect(await leases.holders(group, ['0', '1', '2', '3'])).toEqual(['a', 'a', 'b', undefined]);
      expect(await leases.acquire(group, [], 'a', 10_000)).toEqual([]);
    });

    it('lets a lease lapse after its time unless renewed', async () => {
      await leases.acquire(group, ['kept', 'lapsed'], 'a', 300);
      await sleep(150);
      await leases.acquire(group, ['kept'], 'a', 300);
      await sleep(220);
      expect(await leases.holders(group, ['kept', 'lapsed'])).toEqual(['a', undefined]);
      expect(await leases.acquire(group, ['kept', 'lapsed'], 'b', 300)).toEqual([false, true]);
    });

    it('releases only what the owner holds', async () => {
      await leases.acquire(group, ['0'], 'a', 10_000);
      await leases.acquire(group, ['1'], 'b', 10_000);
      await leases.release(group, ['0', '1'], 'a');
      expect(await leases.holders(group, ['0', '1'])).toEqual([undefined, 'b']);
      expect(await leases.acquire(group, ['0'], 'b', 10_000)).toEqual([true]);
    });

    it('gives a contested lease to exactly one of many owners', async () => {
      const other = await factory();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? leases : other).acquire(group, ['hot'], `owner-${i}`, 10_000)));
      expect(results.filter(([taken]) => taken)).toHaveLength(1);
      const winner = results.findIndex(([taken]) => taken);
      expect(await other.holders(group, ['hot'])).toEqual([`owner-${winner}`]);
    });

    it('keeps groups apart', async () => {
      await leases.acquire(group, ['0'], 'a', 10_000);
      expect(await leases.acquire(`${group}-other`, ['0'], 'b', 10_000)).toEqual([true]);
      await leases.heartbeat(group, 'a', 10_000);
      expect(await leases.heartbeat(`${group}-other`, 'b', 10_000)).toEqual(['b']);
    });

    it('lists the live members sorted, drops the lapsed ones, and forgets one that leaves', async () => {
      expect(await leases.heartbeat(group, 'm2', 300)).toEqual(['m2']);
      expect(await leases.heartbeat(group, 'm1', 10_000)).toEqual(['m1', 'm2']);
      expect(await leases.heartbeat(group, 'm3', 10_000)).toEqual(['m1', 'm2', 'm3']);
      await sleep(350);
      expect(await leases.heartbeat(group, 'm3', 10_000)).toEqual(['m1', 'm3']);
      await leases.leave(group, 'm1');
      expect(await leases.heartbeat(group, 'm3', 10_000)).toEqual(['m3']);
    });
  });
}
