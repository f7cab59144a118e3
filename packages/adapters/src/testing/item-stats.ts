import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ItemStatsStore } from '@mycontent/core';
import { ODD_IDS, suiteTitle, type ConformanceOptions } from './shared';

const T0 = Date.UTC(2024, 0, 1);

/** The item-statistics tests, shared by the store suite and the item-stats suite. */
export function itemStatsTests(stats: () => ItemStatsStore): void {
  it('adds deltas and returns zeros for unseen items', async () => {
    await stats().incrementItemStats([{ itemId: 'a', clicks: 2, readSeconds: 30, lastInteractionAt: T0 + 5 }]);
    await stats().incrementItemStats([{ itemId: 'a', clicks: 1, likes: 1, lastInteractionAt: T0 + 1 }]);
    const [a, z] = await stats().getItemStats(['a', 'z']);
    expect(a).toEqual({ itemId: 'a', views: 0, clicks: 3, reads: 0, likes: 1, dislikes: 0, shares: 0, ratings: 0, ratingSum: 0, readSeconds: 30, lastInteractionAt: T0 + 5 });
    expect(z).toMatchObject({ itemId: 'z', clicks: 0, likes: 0, lastInteractionAt: 0 });
  });

  it('adds several deltas of one item in one call, and fractional sums exactly', async () => {
    await stats().incrementItemStats([
      { itemId: 'r', ratings: 1, ratingSum: 4.5, readSeconds: 12.25 },
      { itemId: 'r', ratings: 1, ratingSum: 3, readSeconds: 0.5 },
      { itemId: 'other', shares: 7 },
    ]);
    const [r, other] = await stats().getItemStats(['r', 'other']);
    expect(r).toMatchObject({ ratings: 2, ratingSum: 7.5, readSeconds: 12.75 });
    expect(other?.shares).toBe(7);
  });

  it('loses no increment under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 50 }, () => stats().incrementItemStats([{ itemId: 'hot', views: 1, clicks: 2 }])));
    const [hot] = await stats().getItemStats(['hot']);
    expect(hot?.views).toBe(50);
    expect(hot?.clicks).toBe(100);
  });

  it('keeps odd item ids apart, byte-exact', async () => {
    await stats().incrementItemStats(ODD_IDS.map((itemId, i) => ({ itemId, views: i + 1 })));
    const got = await stats().getItemStats(ODD_IDS);
    expect(got.map((s) => [s.itemId, s.views])).toEqual(ODD_IDS.map((id, i) => [id, i + 1]));
  });
}

/**
 * The item-statistics conformance suite: run it against every {@link ItemStatsStore} (every
 * store is one; so is the Redis counter store).
 *
 * @example
 * ```ts
 * describeItemStatsConformance('redis', () => createRedisItemStats({ client }));
 * ```
 */
export function describeItemStatsConformance(
  name: string,
  factory: () => ItemStatsStore | Promise<ItemStatsStore>,
  options: ConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('item stats', name, options.skip), () => {
    let stats: ItemStatsStore;
    beforeAll(async () => {
      stats = await factory();
      await stats.clear();
    });
    afterEach(async () => {
      await stats.clear();
    });
    afterAll(async () => {
      await stats?.dispose?.();
    });
    itemStatsTests(() => stats);
  });
}
