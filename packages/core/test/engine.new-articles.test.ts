import { describe, expect, it } from 'vitest';
import {
  articleQualityScore,
  articleReach,
  createRecommender,
  emptyItemStats,
  exposureSchema,
  expansionRate,
  type InteractionInput,
  type ItemStats,
} from '@mycontent/core';
import { createExactVectorIndex, createMemoryStore } from '@mycontent/adapters/memory';
import { createContentModel, createPopularityModel } from '@mycontent/algorithms';

const HOUR = 3_600_000;
const policy = exposureSchema.parse({});
const stats = (fields: Partial<ItemStats>): ItemStats => ({ ...emptyItemStats('x'), ...fields });

describe('quality score and reach (the seed formula)', () => {
  it('scores 0.4 CTR + 0.3 read time + 0.2 share rate + 0.1 like rate, normalised and capped', () => {
    // CTR 0.1 (ref 0.1 -> 1), read 60 s (ref 120 -> 0.5), shares 5 % of clicks (-> 1), likes 5 % (ref 10 % -> 0.5).
    const good = stats({ views: 1000, clicks: 100, reads: 50, readSeconds: 3000, shares: 5, likes: 5 });
    expect(articleQualityScore(good, policy)).toBeCloseTo(0.4 + 0.15 + 0.2 + 0.05, 10);
    // CTR 0.01 (-> 0.1), read 10 s (-> 1/12), no shares or likes.
    const weak = stats({ views: 1000, clicks: 10, reads: 5, readSeconds: 50 });
    expect(articleQualityScore(weak, policy)).toBeCloseTo(0.04 + 0.3 / 12, 10);
    expect([0.8, 0.6, 0.5, 0.1].map((s) => expansionRate(s, policy))).toEqual([0.5, 0.3, 0.1, 0.1]);
  });

  it('grows the reach per hour of age by the quality rate, after enough impressions', () => {
    const good = stats({ views: 1000, clicks: 100, reads: 50, readSeconds: 3000, shares: 5, likes: 5 });
    const weak = stats({ views: 1000, clicks: 10, reads: 5, readSeconds: 50 });
    expect(articleReach(good, 3 * HOUR, policy)).toBe(Math.floor(100 * 1.5 ** 3)); // 337
    expect(articleReach(weak, 3 * HOUR, policy)).toBe(Math.floor(100 * 1.1 ** 3)); // 133
    expect(articleReach(stats({ views: 49, clicks: 49 }), 10 * HOUR, policy)).toBe(100); // too few impressions to judge
    expect(articleReach(good, 24 * HOUR, policy)).toBeGreaterThan(100 * articleReach(weak, 24 * HOUR, policy));
  });
});

describe('new-article bootstrapping in the engine', () => {
  async function engine() {
    const now = Date.UTC(2024, 5, 1, 12);
    const recommender = createRecommender({
      store: createMemoryStore(),
      models: { popular: createPopularityModel({ rerankIntervalMs: 0 }), content: createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) }) },
      // Lists come from popularity; the content model only finds each new article's neighbours.
      blend: { popular: 1, content: 0 },
      newArticles: { statsTtlMs: 0, similar: 2 }, // a tiny catalogue: only the 2 nearest articles count
      now: () => now,
    });
    const old = now - 72 * HOUR;
    await recommender.ingestItems([
      { id: 'economy', category: 'economy', createdAt: old, embedding: [1, 0, 0] },
      { id: 'markets', category: 'economy', createdAt: old, embedding: [0.95, 0.05, 0] },
      { id: 'football', category: 'sport', createdAt: old, embedding: [0, 1, 0] },
      { id: 'tennis', category: 'sport', createdAt: old, embedding: [0, 0.95, 0.05] },
      { id: 'opera', category: 'culture', createdAt: old, embedding: [0, 0, 1] },
    ]);
    await recommender.ingestInteractions([
      { userId: 'economist', itemId: 'economy', type: 'click', timestamp: old + 1 },
      { userId: 'fan', itemId: 'football', type: 'click', timestamp: old + 2 },
      // Everything old has readers, so popularity fills the lists on its own.
      ...['markets', 'tennis', 'opera'].map((itemId, i) => ({ userId: `reader${i}`, itemId, type: 'click' as const, timestamp: old + 3 + i })),
    ]);
    await recommender.train();
    await recommender.ingestItems([{ id: 'rates-decision', category: 'economy', createdAt: now - HOUR, embedding: [0.9, 0.1, 0] }]);
    return { recommender, now };
  }
  const views = (n: number, now: number, clicks = 0): InteractionInput[] =>
    Array.from({ length: n }, (_, i) => ({ userId: `v${i}`, itemId: 'rates-decision', type: i < clicks ? 'click' : 'view', timestamp: now - 1000 }));

  it('shows a new article to readers of similar ones, and not to others', async () => {
    const { recommender } = await engine();
    const economist = await recommender.recommend({ userId: 'economist', n: 3 });
    expect(economist.items.find((r) => r.itemId === 'rates-decision')?.source).toBe('bootstrap:new');
    const fan = await recommender.recommend({ userId: 'fan', n: 3 });
    expect(fan.items.some((r) => r.source === 'bootstrap:new')).toBe(false);
  });

  it('shows a new article no model can place (no embedding) to readers of its section', async () => {
    const { recommender, now } = await engine();
    await recommender.ingestItems([{ id: 'cup-final', title: 'The cup final goes to extra time', category: 'sport', createdAt: now - 60_000 }]);
    const fan = await recommender.recommend({ userId: 'fan', n: 3 });
    expect(fan.items.find((r) => r.itemId === 'cup-final')?.source).toBe('bootstrap:new');
    const economist = await recommender.recommend({ userId: 'economist', n: 3 });
    expect(economist.items.some((r) => r.itemId === 'cup-final')).toBe(false);
    // A declared section counts as much as a read one.
    await recommender.setPreferences('economist', { categories: ['sport'] });
    const converted = await recommender.recommend({ userId: 'economist', n: 3 });
    expect(converted.items.find((r) => r.itemId === 'cup-final')?.source).toBe('bootstrap:new');
  });

  it('stops once a weak article has used its reach up', async () => {
    const { recommender, now } = await engine();
    await recommender.ingestInteractions(views(100, now)); // 100 impressions, no click: reach 100 used up
    const list = await recommender.recommend({ userId: 'economist', n: 3, useCache: false });
    expect(list.items.some((r) => r.source === 'bootstrap:new')).toBe(false);
  });

  it('holds an article at its reach back from every source, not only its own slot', async () => {
    const { recommender, now } = await engine();
    // 120 impressions and 30 clicks: the most popular article now, but its score (CTR capped: 0.4)
    // grows the reach by 10 % an hour: 110 after its first hour, under the 120 impressions.
    await recommender.ingestInteractions(views(150, now, 30));
    for (const userId of ['fan', 'economist', 'newcomer']) {
      const list = await recommender.recommend({ userId, n: 5, useCache: false });
      expect(list.items.map((r) => r.itemId)).not.toContain('rates-decision');
    }
    // Without the exposure policy, popularity would list it first.
    const open = createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel({ rerankIntervalMs: 0 }) }, now: () => now });
    await open.ingestItems([{ id: 'old', createdAt: now - 72 * HOUR }, { id: 'rates-decision', createdAt: now - HOUR }]);
    await open.ingestInteractions([{ userId: 'r', itemId: 'old', type: 'click', timestamp: now - 2 * HOUR }, ...views(150, now, 30)]);
    await open.train();
    expect((await open.recommend({ userId: 'fan', n: 5 })).items[0]!.itemId).toBe('rates-decision');
  });

  it('keeps a well-received article open past its initial reach', async () => {
    const { recommender, now } = await engine();
    const engaged: InteractionInput[] = [
      ...views(120, now),
      ...Array.from({ length: 40 }, (_, i): InteractionInput => ({ userId: `v${i}`, itemId: 'rates-decision', type: 'click', timestamp: now - 900 })),
      ...Array.from({ length: 5 }, (_, i): InteractionInput => ({ userId: `v${i}`, itemId: 'rates-decision', type: 'share', timestamp: now - 800 })),
      ...Array.from({ length: 4 }, (_, i): InteractionInput => ({ userId: `v${i}`, itemId: 'rates-decision', type: 'like', timestamp: now - 700 })),
    ];
    await recommender.ingestInteractions(engaged);
    // Score 0.4 (CTR capped) + 0.2 (shares) + 0.1 (likes) = 0.7 -> +30 % after its first hour: reach 130 > 120 views.
    const list = await recommender.recommend({ userId: 'economist', n: 3, useCache: false });
    // Now popular too: the blend may list it first; either way it is shown.
    expect(list.items.map((r) => r.itemId)).toContain('rates-decision');
    const fan = await recommender.recommend({ userId: 'fan', n: 5, useCache: false });
    expect(fan.items.some((r) => r.source === 'bootstrap:new')).toBe(false);
  });
});
