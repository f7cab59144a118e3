import { describe, expect, it } from 'vitest';
import { createRecommender, type RecommenderOptions } from '@mycontent/core';
import { createExactVectorIndex, createMemoryCache, createMemoryStore } from '@mycontent/adapters/memory';
import { createContentModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { rejection } from './helpers';

// What a reader sees right after they (or an editor) act: no stale or empty answer kept from before.
async function engine(extra: Partial<RecommenderOptions> = {}) {
  let now = Date.UTC(2026, 0, 10, 12);
  const recommender = createRecommender({
    store: createMemoryStore(),
    cache: createMemoryCache(),
    models: {
      trending: createPopularityModel({ halfLifeMs: 6 * 3_600_000 }), // re-ranks at most once a second
      related: createItemKnnModel({ similarity: 'cosine' }),
      content: createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) }),
    },
    blend: { related: 0.85, trending: 0.15 },
    now: () => now,
    ...extra,
  });
  const at = (minutes: number) => now - minutes * 60_000;
  await recommender.ingestItems([
    { id: 'a1', title: 'Election night', category: 'politics', createdAt: at(120), embedding: [1, 0, 0] },
    { id: 'a2', title: 'Cup final', category: 'sport', createdAt: at(120), embedding: [0, 1, 0] },
    { id: 'a3', title: 'Budget vote', category: 'politics', createdAt: at(120), embedding: [0.9, 0.1, 0] },
  ]);
  await recommender.ingestInteractions([
    { userId: 'u1', itemId: 'a1', type: 'click', timestamp: at(30), sessionId: 's1' },
    { userId: 'u2', itemId: 'a1', type: 'click', timestamp: at(20), sessionId: 's2' },
    { userId: 'u2', itemId: 'a3', type: 'click', timestamp: at(19), sessionId: 's2' },
  ]);
  await recommender.train();
  return { recommender, advance: (ms: number) => (now += ms), at };
}

describe('answers after an action', () => {
  it('counts a like in trending at once, and never keeps an empty list as an answer', async () => {
    const { recommender } = await engine();
    expect(await recommender.trending({ category: 'sport', n: 5 })).toEqual([]); // nobody read sport yet
    expect((await recommender.trending({ n: 5 })).map((r) => r.itemId)).toEqual(['a1', 'a3']); // cached
    await recommender.feedback({ userId: 'u1', itemId: 'a2', type: 'like' });
    expect((await recommender.trending({ category: 'sport', n: 5 })).map((r) => r.itemId)).toEqual(['a2']);
    expect((await recommender.trending({ n: 5 })).map((r) => r.itemId)).toContain('a2');
  });

  it('puts an article published after a list was cached into that list at once', async () => {
    const { recommender, advance, at } = await engine({ blend: { content: 1, related: 0, trending: 0 } });
    const before = await recommender.recommend({ userId: 'u1', n: 5 });
    expect((await recommender.recommend({ userId: 'u1', n: 5 })).cached).toBe(true);
    advance(1_000);
    await recommender.ingestItems([{ id: 'scoop', title: 'Scoop', category: 'politics', createdAt: at(0), embedding: [1, 0.05, 0] }]);
    const after = await recommender.recommend({ userId: 'u1', n: 5 });
    expect(after.cached).toBe(false);
    expect(after.items[0]!.itemId).toBe('scoop');
    expect(before.items.map((r) => r.itemId)).not.toContain('scoop');
    expect((await recommender.similarItems('a1', { n: 2 })).map((r) => r.itemId)).toContain('scoop');
  });

  it('returns items as JSON can carry them: the embedding as an array of numbers', async () => {
    const { recommender } = await engine();
    const details = (await recommender.getItem('a2'))!;
    expect(details.item.embedding).toEqual([0, 1, 0]);
    expect(JSON.parse(JSON.stringify(details))).toEqual(details);
  });
});

describe('nothing accepted silently', () => {
  it('refuses feedback on an item the catalogue does not hold, naming the field', async () => {
    const { recommender } = await engine();
    const error = await rejection(recommender.feedback({ userId: 'u1', itemId: 'no-such-article', type: 'like' }));
    expect(error).toMatchObject({ code: 'NOT_FOUND', field: 'itemId', value: 'no-such-article' });
    expect((await recommender.getProfile('u1')).recentItems).toEqual(['a1']);
  });

  it('refuses preferences naming categories the catalogue does not have', async () => {
    const { recommender } = await engine();
    const error = await rejection(recommender.setPreferences('newbie', { categories: ['sport', 'knitting'], excludedCategories: ['gossip'] }));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'categories.1', value: 'knitting' });
    expect(error.issues.map((i) => i.field)).toEqual(['categories.1', 'excludedCategories.0']);
    expect((await recommender.getProfile('newbie')).preferences.categories).toEqual([]);
  });

  it('diversifies a cold-start list when the request asks for it', async () => {
    const { recommender } = await engine();
    await recommender.ingestInteractions([{ userId: 'u3', itemId: 'a2', type: 'click', timestamp: Date.UTC(2026, 0, 10, 11) }]);
    const plain = await recommender.recommend({ userId: 'stranger', n: 2, diversity: false });
    const diverse = await recommender.recommend({ userId: 'stranger', n: 2, diversity: { lambda: 0.3, by: 'category' } });
    expect(plain.phase).toBe('cold-start');
    expect(plain.items.map((r) => r.category)).toEqual(['politics', 'politics']);
    expect(diverse.items.map((r) => r.category).sort()).toEqual(['politics', 'sport']);
  });
});
