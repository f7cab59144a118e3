import { describe, expect, it } from 'vitest';
import { createRecommender, isMyContentError, type InteractionInput, type ItemInput } from '@mycontent/core';
import { createMemoryCache, createMemoryModelRegistry, createMemoryStore } from '@mycontent/adapters/memory';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

const T0 = Date.UTC(2024, 5, 1);
const minute = (m: number) => T0 + m * 60_000;

// Two topics. Sport readers read s1 then s2 or s3; politics readers read p1 and most read p2.
// All-time counts: s1 6, p1 4, s2 3, s3 3, p2 3 (ties rank by catalogue order).
const items: ItemInput[] = [
  { id: 's1', category: 'sport', publisher: 'daily', createdAt: minute(0) },
  { id: 's2', category: 'sport', publisher: 'daily', createdAt: minute(0) },
  { id: 's3', category: 'sport', publisher: 'weekly', createdAt: minute(0) },
  { id: 'p1', category: 'politics', publisher: 'daily', createdAt: minute(0) },
  { id: 'p2', category: 'politics', publisher: 'daily', createdAt: minute(0) },
  { id: 'p3', category: 'politics', publisher: 'weekly', createdAt: minute(-60 * 24 * 30) },
];

function clicks(): InteractionInput[] {
  const out: InteractionInput[] = [];
  for (let u = 0; u < 6; u++) {
    out.push({ userId: `sport${u}`, itemId: 's1', type: 'click', timestamp: minute(u * 10), sessionId: `ss${u}` });
    out.push({ userId: `sport${u}`, itemId: u % 2 ? 's2' : 's3', type: 'click', timestamp: minute(u * 10 + 1), sessionId: `ss${u}` });
  }
  for (let u = 0; u < 4; u++) {
    out.push({ userId: `pol${u}`, itemId: 'p1', type: 'click', timestamp: minute(u * 10 + 2), sessionId: `ps${u}` });
    if (u < 3) out.push({ userId: `pol${u}`, itemId: 'p2', type: 'click', timestamp: minute(u * 10 + 3), sessionId: `ps${u}` });
  }
  return out;
}

async function setup(options: { cache?: boolean } = {}) {
  const store = createMemoryStore();
  const cache = options.cache === false ? undefined : createMemoryCache();
  const recommender = createRecommender({
    store,
    ...(cache ? { cache } : {}),
    models: {
      popular: createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY, rerankIntervalMs: 0 }),
      related: createItemKnnModel({ similarity: 'cooccurrence' }),
    },
    blend: { related: 1, popular: 0 },
    registry: createMemoryModelRegistry(),
    now: () => minute(100),
  });
  await recommender.ingestItems(items);
  await recommender.ingestInteractions(clicks());
  await recommender.train();
  return { recommender, store, cache };
}

describe('recommend()', () => {
  it('recommends co-read items, never what the user already saw, with scores, ranks and sources', async () => {
    const { recommender } = await setup();
    const list = await recommender.recommend({ userId: 'sport1', n: 3 });
    expect(list.phase).toBe('personalized');
    // sport1 read s1 and s2: s3 is co-read with s1; the rest come from the popular fallback.
    expect(list.items[0]).toMatchObject({ itemId: 's3', rank: 1, source: 'related', category: 'sport' });
    expect(list.items.map((r) => r.itemId)).not.toContain('s1');
    expect(list.items.map((r) => r.itemId)).not.toContain('s2');
    expect(list.items.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(list.items.slice(1).every((r) => r.source === 'fallback:popular')).toBe(true);
    for (let i = 1; i < list.items.length; i++) expect(list.items[i - 1]!.score).toBeGreaterThanOrEqual(list.items[i]!.score);
  });

  it('answers an unknown user with popular items (cold start), never an exception', async () => {
    const { recommender } = await setup();
    const list = await recommender.recommend({ userId: 'never-seen', n: 2 });
    expect(list.phase).toBe('cold-start');
    expect(list.items.map((r) => r.itemId)).toEqual(['s1', 'p1']);
    expect(list.items.every((r) => r.source === 'cold-start:popular')).toBe(true);
  });

  it('starts a user with declared preferences in their categories', async () => {
    const { recommender } = await setup();
    await recommender.setPreferences('newbie', { categories: ['politics'] });
    const list = await recommender.recommend({ userId: 'newbie', n: 3 });
    expect(list.phase).toBe('cold-start');
    // 70% of 3 rounds to 2 preferred items, then the most popular overall.
    expect(list.items.slice(0, 2).map((r) => [r.itemId, r.source])).toEqual([
      ['p1', 'cold-start:preferred'],
      ['p2', 'cold-start:preferred'],
    ]);
    expect(list.items[2]).toMatchObject({ itemId: 's1', source: 'cold-start:popular' });
  });

  it('recommends for an anonymous session', async () => {
    const { recommender } = await setup();
    const list = await recommender.recommend({ session: ['p1'], n: 1 });
    expect(list.items[0]).toMatchObject({ itemId: 'p2', source: 'related' });
  });

  it('honours exclusions and business filters', async () => {
    const { recommender } = await setup();
    const excluded = await recommender.recommend({ userId: 'sport1', n: 5, exclude: ['s3'] });
    expect(excluded.items.map((r) => r.itemId)).not.toContain('s3');
    const politics = await recommender.recommend({ userId: 'sport1', n: 5, filters: { categories: ['politics'] } });
    expect(politics.items.length).toBeGreaterThan(0);
    expect(politics.items.every((r) => r.category === 'politics')).toBe(true);
    const fresh = await recommender.recommend({ userId: 'pol0', n: 5, filters: { maxAgeMs: 24 * 3_600_000 } });
    expect(fresh.items.map((r) => r.itemId)).not.toContain('p3');
    const weekly = await recommender.recommend({ userId: 'pol0', n: 5, filters: { publishers: ['weekly'] } });
    expect(weekly.items.map((r) => r.itemId).sort()).toEqual(['p3', 's3']);
    // p3 has no clicks: it completes the short list as the newest article passing the filters.
    expect(weekly.items.find((r) => r.itemId === 'p3')?.source).toBe('fallback:fresh');
  });

  it('caches a list and serves it until the user interacts', async () => {
    const { recommender } = await setup();
    const first = await recommender.recommend({ userId: 'sport1', n: 2 });
    const second = await recommender.recommend({ userId: 'sport1', n: 2 });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.items).toEqual(first.items);
    await recommender.feedback({ userId: 'sport1', itemId: 's3', type: 'click' });
    const third = await recommender.recommend({ userId: 'sport1', n: 2 });
    expect(third.cached).toBe(false);
    expect(third.items.map((r) => r.itemId)).not.toContain('s3');
    expect(recommender.metrics()).toMatchObject({ cacheHits: 1, recommendations: 3 });
  });

  it('keeps answering when the cache fails, counts the failures and warns once per interval', async () => {
    const { recommender } = await setup();
    const warnings: string[] = [];
    const broken = createRecommender({
      logger: { warn: (message) => warnings.push(message) },
      store: createMemoryStore(),
      cache: {
        ...createMemoryCache(),
        get: async () => {
          throw new Error('cache down');
        },
        set: async () => {
          throw new Error('cache down');
        },
      },
      models: { popular: createPopularityModel() },
    });
    await broken.ingestItems(items);
    await broken.ingestInteractions(clicks());
    await broken.train();
    const list = await broken.recommend({ userId: 'x', n: 2 });
    expect(list.items).toHaveLength(2);
    // The list read, the profile read and the list write each failed once.
    expect(broken.metrics().cacheErrors).toBe(3);
    expect(recommender.metrics().cacheErrors).toBe(0);
    await broken.recommend({ userId: 'y', n: 2 });
    expect(broken.metrics().cacheErrors).toBe(6);
    expect(warnings).toEqual(['[mycontent] [engine] cache "memory-cache" failed; answering without it']);
  });

  it('rejects a bad query with the field and value', async () => {
    const { recommender } = await setup();
    await expect(recommender.recommend({ userId: 'u', n: 0 })).rejects.toSatisfy(
      (e: unknown) => isMyContentError(e, 'INVALID_INPUT') && e.field === 'n' && e.value === 0,
    );
    await expect(recommender.recommend({ userId: '', n: 3 })).rejects.toSatisfy(
      (e: unknown) => isMyContentError(e, 'INVALID_INPUT') && e.field === 'userId',
    );
  });

  it('refuses to recommend before training', async () => {
    const recommender = createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() } });
    await expect(recommender.recommend({ userId: 'u' })).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'NOT_TRAINED'));
  });
});

describe('trending(), similarItems(), profiles', () => {
  it('lists trending items overall and per category', async () => {
    const { recommender } = await setup();
    expect((await recommender.trending({ n: 3 })).map((r) => r.itemId)).toEqual(['s1', 'p1', 's2']);
    expect((await recommender.trending({ category: 'politics', n: 5 })).map((r) => r.itemId)).toEqual(['p1', 'p2']);
    expect(await recommender.trending({ category: 'no-such-category' })).toEqual([]);
  });

  it('finds similar items, and popular items of the category for an unclicked one', async () => {
    const { recommender } = await setup();
    const similar = await recommender.similarItems('p1', { n: 1 });
    expect(similar[0]).toMatchObject({ itemId: 'p2', source: 'related' });
    const cold = await recommender.similarItems('p3', { n: 2, sameCategory: true });
    expect(cold.map((r) => [r.itemId, r.source])).toEqual([
      ['p1', 'fallback:category-popular'],
      ['p2', 'fallback:category-popular'],
    ]);
    const unknown = await recommender.similarItems('nope', { n: 1 });
    expect(unknown[0]).toMatchObject({ itemId: 's1', source: 'fallback:popular' });
  });

  it('builds a profile from interactions: category affinity, recent items, counts', async () => {
    const { recommender } = await setup();
    const profile = await recommender.getProfile('sport1');
    expect(profile.recentItems).toEqual(['s2', 's1']);
    expect(profile.counts).toEqual({ click: 2 });
    expect(profile.interactionCount).toBe(2);
    expect(Object.keys(profile.categoryAffinity)).toEqual(['sport']);
    expect(profile.categoryAffinity.sport).toBeCloseTo(2, 3);
    const unknown = await recommender.getProfile('ghost');
    expect(unknown).toMatchObject({ userId: 'ghost', interactionCount: 0, recentItems: [] });
  });

  it('returns item details with statistics', async () => {
    const { recommender } = await setup();
    const details = await recommender.getItem('s1');
    expect(details?.item.category).toBe('sport');
    expect(details?.stats.clicks).toBe(6);
    expect(await recommender.getItem('nope')).toBeUndefined();
  });

  it('exports and erases a user (GDPR)', async () => {
    const { recommender, cache } = await setup();
    await recommender.recommend({ userId: 'pol1', n: 2 });
    const exported = await recommender.exportUserData('pol1');
    expect(exported.interactions.map((x) => x.itemId)).toEqual(['p2', 'p1']);
    expect(exported.profile?.recentItems).toEqual(['p2', 'p1']);
    expect(JSON.parse(JSON.stringify(exported)).interactions).toHaveLength(2);
    expect(await recommender.deleteUserData('pol1')).toEqual({ interactions: 2, events: 0, modelVersions: 0, assignments: 0, exposures: 0 });
    const after = await recommender.exportUserData('pol1');
    expect(after).toEqual({ user: undefined, profile: undefined, interactions: [], models: {}, events: [] });
    expect(await cache!.get({ family: 'profile', id: 'profile', userId: 'pol1' })).toBeUndefined();
    expect((await recommender.recommend({ userId: 'pol1', n: 2 })).phase).toBe('cold-start');
  });
});

describe('models in the registry', () => {
  it('saves trained models and loads them into a fresh engine with the same answers', async () => {
    const { recommender, store } = await setup({ cache: false });
    const registry = createMemoryModelRegistry();
    const saver = createRecommender({
      store,
      models: {
        popular: createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY }),
        related: createItemKnnModel({ similarity: 'cooccurrence' }),
      },
      registry,
    });
    await saver.train();
    const versions = await saver.saveModels({ note: 'test' });
    expect(versions.related).toMatchObject({ name: 'related', version: 1, metadata: { note: 'test', kind: 'item-knn' } });
    const loader = createRecommender({
      store,
      models: {
        popular: createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY }),
        related: createItemKnnModel({ similarity: 'cooccurrence' }),
      },
      registry,
      blend: { related: 1, popular: 0 },
    });
    await loader.loadModels();
    const expected = await recommender.recommend({ userId: 'sport0', n: 4, useCache: false });
    const actual = await loader.recommend({ userId: 'sport0', n: 4, useCache: false });
    expect(actual.items.map((r) => r.itemId)).toEqual(expected.items.map((r) => r.itemId));
  });
});
