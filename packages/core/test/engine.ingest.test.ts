import { describe, expect, it } from 'vitest';
import { createRecommender } from '@mycontent/core';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { rejection } from './helpers';

const T0 = Date.UTC(2024, 5, 1);

function engine() {
  const store = createMemoryStore();
  const popular = createPopularityModel({ rerankIntervalMs: 0 });
  const recommender = createRecommender({ store, models: { popular }, blend: { popular: 1 } });
  return { store, recommender, popular };
}


describe('ingestion', () => {
  it('rejects a whole batch with one bad record, naming its index, field and value, and writes nothing', async () => {
    const { store, recommender } = engine();
    const error = await rejection(
      recommender.ingestInteractions([
        { userId: 'u1', itemId: 'a', type: 'click', timestamp: T0 },
        { userId: 'u1', itemId: 'b', type: 'click', timestamp: -5 },
        { userId: 'u2', itemId: 'c', type: 'teleport' as never, timestamp: T0 },
      ]),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.issues.map((i) => [i.index, i.field])).toEqual([
      [1, 'timestamp'],
      [2, 'type'],
    ]);
    expect(error.value).toBe(-5);
    expect(error.message).toContain('record 1: timestamp = -5');
    expect(await store.interactions.count()).toBe(0);
    expect(await store.profiles.get('u1')).toBeUndefined();
  });

  it('validates items: missing time, non-finite embedding, over-long id', async () => {
    const { recommender } = engine();
    const error = await rejection(
      recommender.ingestItems([
        { id: 'ok', createdAt: T0 },
        { id: 'no-time' } as never,
        { id: 'nan', createdAt: T0, embedding: [1, Number.NaN] },
        { id: 'x'.repeat(600), createdAt: T0 },
      ]),
    );
    expect(error.issues.map((i) => [i.index, i.field])).toEqual([
      [1, 'createdAt'],
      [2, 'embedding'],
      [3, 'id'],
    ]);
  });

  it('accepts Dates, ISO strings and numeric ids, stored as epoch ms and strings', async () => {
    const { store, recommender } = engine();
    await recommender.ingestItems([{ id: 42, createdAt: new Date(T0) }]);
    await recommender.ingestInteractions([{ userId: 7, itemId: 42, type: 'read', timestamp: new Date(T0).toISOString(), duration: 30 }]);
    expect((await store.items.get(['42']))[0]?.createdAt).toBe(T0);
    const [x] = await store.interactions.ofUser('7');
    expect(x).toMatchObject({ userId: '7', itemId: '42', type: 'read', timestamp: T0, duration: 30 });
  });

  it('requires a rating value for rating interactions, and rejects timestamps in seconds', async () => {
    const { recommender } = engine();
    const noRating = await rejection(recommender.ingestInteractions([{ userId: 'u', itemId: 'i', type: 'rating', timestamp: T0 }]));
    expect(noRating.field).toBe('rating');
    const farFuture = await rejection(recommender.ingestInteractions([{ userId: 'u', itemId: 'i', type: 'click', timestamp: T0 * 1000 }]));
    expect(farFuture.field).toBe('timestamp');
  });

  it('updates item statistics and online popularity as interactions arrive', async () => {
    const { store, recommender } = engine();
    await recommender.ingestItems([
      { id: 'a', createdAt: T0 },
      { id: 'b', createdAt: T0 },
    ]);
    await recommender.ingestInteractions([{ userId: 'u1', itemId: 'a', type: 'click', timestamp: T0 }]);
    await recommender.train();
    expect((await recommender.trending({ n: 2, useCache: false })).map((r) => r.itemId)).toEqual(['a']);
    await recommender.ingestInteractions([
      { userId: 'u2', itemId: 'b', type: 'share', timestamp: T0 + 1000 },
      { userId: 'u3', itemId: 'b', type: 'like', timestamp: T0 + 2000 },
      { userId: 'u3', itemId: 'b', type: 'read', timestamp: T0 + 3000, duration: 90 },
    ]);
    expect((await recommender.trending({ n: 2, useCache: false })).map((r) => r.itemId)).toEqual(['b', 'a']);
    const [stats] = await store.itemStats.getItemStats(['b']);
    expect(stats).toMatchObject({ shares: 1, likes: 1, reads: 1, readSeconds: 90, lastInteractionAt: T0 + 3000 });
  });

  it('makes a new item recommendable by category at once (cold item)', async () => {
    const { recommender } = engine();
    await recommender.ingestItems([{ id: 'old', category: 'c', createdAt: T0 }]);
    await recommender.ingestInteractions([{ userId: 'u', itemId: 'old', type: 'click', timestamp: T0 }]);
    await recommender.train();
    await recommender.ingestItems([{ id: 'new', category: 'c', createdAt: T0 + 1 }]);
    const similar = await recommender.similarItems('new', { n: 1 });
    expect(similar[0]).toMatchObject({ itemId: 'old', source: 'fallback:category-popular' });
  });

  it('teaches online models the co-occurrences of new interactions (a new article gets neighbours from its first readers)', async () => {
    const store = createMemoryStore();
    const related = createItemKnnModel({ similarity: 'cooccurrence' });
    const recommender = createRecommender({ store, models: { popular: createPopularityModel({ rerankIntervalMs: 0 }), related } });
    await recommender.ingestItems(['a', 'b', 'c'].map((id) => ({ id, category: 'c', createdAt: T0 })));
    await recommender.ingestInteractions([
      { userId: 'u1', itemId: 'a', type: 'click', timestamp: T0, sessionId: 's1' },
      { userId: 'u1', itemId: 'b', type: 'click', timestamp: T0 + 1, sessionId: 's1' },
    ]);
    await recommender.train();
    await recommender.ingestItems([{ id: 'breaking', category: 'c', createdAt: T0 + 10 }]);
    // Three readers of "a" then read the new article; two of them in one batch.
    await recommender.feedback({ userId: 'r1', itemId: 'a', type: 'click', timestamp: T0 + 20 });
    await recommender.feedback({ userId: 'r1', itemId: 'breaking', type: 'click', timestamp: T0 + 21 });
    await recommender.ingestInteractions([
      { userId: 'r2', itemId: 'a', type: 'click', timestamp: T0 + 30 },
      { userId: 'r2', itemId: 'breaking', type: 'click', timestamp: T0 + 31 },
      { userId: 'r3', itemId: 'a', type: 'click', timestamp: T0 + 40 },
      { userId: 'r3', itemId: 'breaking', type: 'read', timestamp: T0 + 41, duration: 60 },
    ]);
    const similar = await recommender.similarItems('a', { n: 2, useCache: false });
    expect(similar.map((r) => [r.itemId, r.source])).toEqual([['breaking', 'related'], ['b', 'related']]);
  });

  it('rejects a configuration without a trending-capable model or with unknown blend names', () => {
    expect(() => createRecommender({ store: createMemoryStore(), models: {} })).toThrow(/at least one model/);
    expect(() =>
      createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() }, blend: { nope: 1 } }),
    ).toThrow(/unknown model "nope"/);
    expect(() =>
      createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() }, blend: { popular: -1 } }),
    ).toThrow(/must not be negative/);
  });
});
