import { describe, expect, it } from 'vitest';
import { createRecommender, type InteractionInput } from '@mycontent/core';
import { interleave } from '@mycontent/core/internal';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { rejection } from './helpers';

const T0 = Date.UTC(2024, 5, 1);
const CATEGORIES = ['politics', 'sport', 'culture'];

async function engine(progressive: Parameters<typeof createRecommender>[0]['progressive']) {
  const store = createMemoryStore();
  const recommender = createRecommender({
    store,
    models: { popular: createPopularityModel({ rerankIntervalMs: 0 }), related: createItemKnnModel({ context: 'user' }) },
    blend: { related: 1 },
    progressive,
    now: () => T0 + 86_400_000,
  });
  // 60 articles, 20 per category; the higher the number, the newer.
  await recommender.ingestItems(
    CATEGORIES.flatMap((category, c) => Array.from({ length: 20 }, (_, i) => ({ id: `${category[0]}${i}`, category, createdAt: T0 + i * 60_000 + c }))),
  );
  const clicks: InteractionInput[] = [];
  for (let u = 0; u < 30; u++) {
    const category = CATEGORIES[u % 3]![0];
    for (let i = 0; i < 5; i++) clicks.push({ userId: `reader${u}`, itemId: `${category}${(u + i) % 6}`, type: 'click', timestamp: T0 + u * 1000 + i });
  }
  await recommender.ingestInteractions(clicks);
  await recommender.train();
  return { recommender, store };
}

const clicksOf = (userId: string, items: string[]): InteractionInput[] => items.map((itemId, i) => ({ userId, itemId, type: 'click', timestamp: T0 + 3_600_000 + i }));

describe('interleave', () => {
  it('spreads extras over the list', () => {
    expect(interleave(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], ['X'], 10)).toEqual(['a', 'b', 'c', 'd', 'e', 'X', 'f', 'g', 'h', 'i']);
    expect(interleave(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], ['X', 'Y'], 10)).toEqual(['a', 'b', 'c', 'X', 'd', 'e', 'Y', 'f', 'g', 'h']);
    expect(interleave(['a'], ['X', 'Y'], 10)).toEqual(['a', 'X', 'Y']);
  });
});

describe('progressive profiling (the seed cold-start strategy)', () => {
  it('onboards a new user with 60 % preferred, 30 % popular, 10 % fresh exploration', async () => {
    const { recommender } = await engine({ explorePool: 5 });
    await recommender.setPreferences('newbie', { categories: ['sport'] });
    const list = await recommender.recommend({ userId: 'newbie', n: 10 });
    expect(list.phase).toBe('cold-start');
    const sources = list.items.map((r) => r.source);
    expect(sources.filter((s) => s === 'cold-start:preferred')).toHaveLength(6);
    expect(sources.filter((s) => s === 'cold-start:popular')).toHaveLength(3);
    expect(sources.filter((s) => s === 'explore:fresh')).toHaveLength(1);
    expect(list.items[5]!.source).toBe('explore:fresh'); // mid-list, not buried at the bottom
    expect(['p19', 's19', 'c19', 'p18', 's18']).toContain(list.items[5]!.itemId); // among the 5 newest
    expect(list.items.filter((r) => r.source === 'cold-start:preferred').every((r) => r.category === 'sport')).toBe(true);
    expect(list.items.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Same user, same state: the same exploration.
    expect((await recommender.recommend({ userId: 'newbie', n: 10, useCache: false })).items).toEqual(list.items);
  });

  it('learns quickly: affinity source, early interactions weigh double, exploration falls with each interaction', async () => {
    const { recommender, store } = await engine(true);
    await recommender.ingestInteractions(clicksOf('learner', ['c1', 'c2']));
    const list = await recommender.recommend({ userId: 'learner', n: 10 });
    expect(list.phase).toBe('learning');
    // 0.3 - 2 × 0.05 = 0.2: two explored articles, at ranks 4 and 7.
    expect(list.items.filter((r) => r.source === 'explore:fresh').map((r) => r.rank)).toEqual([4, 7]);
    expect(list.items.some((r) => (r.contributions['learning:affinity'] ?? 0) > 0)).toBe(true);
    const profile = await store.profiles.get('learner');
    const { recommender: plain, store: plainStore } = await engine(undefined);
    await plain.ingestInteractions(clicksOf('learner', ['c1', 'c2']));
    const plainProfile = await plainStore.profiles.get('learner');
    expect(profile!.categoryAffinity.culture!).toBeCloseTo(2 * plainProfile!.categoryAffinity.culture!, 10);
    // Past 10 interactions: the mature blend, 10 % exploration.
    await recommender.ingestInteractions(clicksOf('learner', ['c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11']));
    const mature = await recommender.recommend({ userId: 'learner', n: 10 });
    expect(mature.phase).toBe('personalized');
    expect(mature.items.filter((r) => r.source === 'explore:fresh')).toHaveLength(1);
    expect(mature.items.some((r) => 'learning:affinity' in r.contributions)).toBe(false);
  });

  it('changes nothing when off', async () => {
    const { recommender } = await engine(undefined);
    await recommender.ingestInteractions(clicksOf('learner', ['c1', 'c2']));
    const list = await recommender.recommend({ userId: 'learner', n: 10 });
    expect(list.phase).toBe('personalized');
    expect(list.items.some((r) => r.source === 'explore:fresh')).toBe(false);
  });

  it('rejects negative or all-zero shares', async () => {
    expect(() => createRecommender({ store: createMemoryStore(), models: { p: createPopularityModel() }, progressive: { onboarding: { preferred: -0.1 } } })).toThrow(
      /onboarding.preferred/,
    );
    const error = await rejection(
      (async () => createRecommender({ store: createMemoryStore(), models: { p: createPopularityModel() }, progressive: { onboarding: { preferred: 0, popular: 0, explore: 0 } } }))(),
    );
    expect(error.message).toContain('must not all be 0');
  });
});
