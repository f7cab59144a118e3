import { describe, expect, it } from 'vitest';
import { createRecommender, type ItemStatsStore } from '@mycontent/core';
import { createMemoryCache, createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';

const NOW = Date.UTC(2024, 5, 1, 12);
const HOUR = 3_600_000;

async function engine(itemStats?: ItemStatsStore) {
  const store = createMemoryStore();
  const recommender = createRecommender({
    store,
    ...(itemStats ? { itemStats } : {}),
    cache: createMemoryCache(),
    models: { popular: createPopularityModel({ rerankIntervalMs: 0 }) },
    countImpressions: true,
    now: () => NOW,
    logger: { warn: () => undefined },
  });
  await recommender.ingestItems(['a', 'b', 'c', 'd'].map((id) => ({ id, category: 'news', createdAt: NOW - 72 * HOUR })));
  await recommender.ingestInteractions(['a', 'b', 'c', 'd'].map((itemId, i) => ({ userId: `r${i}`, itemId, type: 'click' as const, timestamp: NOW - 60 * HOUR })));
  await recommender.train();
  return { recommender, store };
}

describe('counting impressions (countImpressions)', () => {
  it('counts every item of every served list, cached lists included, once flushed', async () => {
    const { recommender, store } = await engine();
    const first = await recommender.recommend({ userId: 'visitor', n: 2 });
    const again = await recommender.recommend({ userId: 'visitor', n: 2 });
    expect(again.cached).toBe(true);
    const shown = first.items.map((r) => r.itemId);
    await recommender.flush();
    const stats = await store.itemStats.getItemStats(['a', 'b', 'c', 'd']);
    for (const s of stats) expect(s.views).toBe(shown.includes(s.itemId) ? 2 : 0);
    expect(recommender.metrics().impressionsCounted).toBe(4);
  });

  it('keeps the counts of a failed write and adds them to the next one', async () => {
    const inner = createMemoryStore().itemStats;
    let failures = 0;
    const flaky: ItemStatsStore = {
      ...inner,
      name: 'flaky-stats',
      async incrementItemStats(deltas) {
        if (failures-- > 0) throw new Error('connection reset');
        return inner.incrementItemStats(deltas);
      },
    };
    const { recommender } = await engine(flaky);
    failures = 1; // the next write fails
    const list = await recommender.recommend({ userId: 'visitor', n: 3 });
    await expect(recommender.flush()).rejects.toThrow('connection reset');
    expect(recommender.metrics().impressionErrors).toBe(1);
    await recommender.recommend({ userId: 'other', n: 3 });
    await recommender.flush();
    const views = (await inner.getItemStats(list.items.map((r) => r.itemId))).map((s) => s.views);
    expect(views.every((v) => v >= 1)).toBe(true);
    expect(recommender.metrics().impressionsCounted).toBe(6); // nothing lost, nothing counted twice
  });
});
