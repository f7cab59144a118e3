import { afterAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { createRecommender, type InteractionInput, type RecommendationStore } from '@mycontent/core';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createPostgresStore } from '@mycontent/adapters/postgres';
import { createPopularityModel } from '@mycontent/algorithms';
import { rejection } from './helpers';

// Input crafted to break things, against both kinds of store: what validation accepts, every
// adapter stores exactly; what it refuses, it refuses on every adapter alike, naming the field.
const T0 = Date.UTC(2026, 0, 5);
const pglite = new PGlite();
afterAll(() => pglite.close());
let schema = 0;
const stores: Record<string, () => RecommendationStore> = {
  memory: () => createMemoryStore(),
  'PostgreSQL (PGlite)': () => createPostgresStore({ pglite, schema: `hostile_${schema++}` }),
};

async function engine(store: RecommendationStore) {
  const recommender = createRecommender({ store, models: { popular: createPopularityModel() }, now: () => T0 + 3_600_000 });
  await recommender.ingestItems([{ id: 'a', category: 'news', createdAt: T0 }]);
  await recommender.train();
  return recommender;
}

describe.each(Object.entries(stores))('hostile input on the %s store', (_, makeStore) => {
  it('refuses ids that are not well-formed Unicode: distinct users never merge', async () => {
    const recommender = await engine(makeStore());
    for (const id of ['\uD800', '\uDFFF', 'ok\uDC00', '\uDBFF\uDBFF']) {
      const click: InteractionInput = { userId: id, itemId: 'a', type: 'click', timestamp: T0 };
      expect(await rejection(recommender.ingestInteractions([click]))).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'userId' }] });
      expect((await rejection(recommender.deleteUserData(id))).code).toBe('INVALID_INPUT');
      expect((await rejection(recommender.recommend({ userId: id }))).code).toBe('INVALID_INPUT');
      expect((await rejection(recommender.ingestItems([{ id, createdAt: T0 }]))).code).toBe('INVALID_INPUT');
    }
    // A real pair of surrogates is one character: accepted and kept apart from its halves.
    await recommender.ingestInteractions([{ userId: 'emoji-\uD83D\uDE80', itemId: 'a', type: 'click', timestamp: T0 }]);
    expect((await recommender.exportUserData('emoji-\uD83D\uDE80')).interactions).toHaveLength(1);
  });

  it('keeps categories named like Object.prototype members as categories', async () => {
    const recommender = await engine(makeStore());
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
    await recommender.ingestItems(names.map((category, i) => ({ id: `p${i}`, category, createdAt: T0 })));
    await recommender.ingestInteractions(names.map((_, i) => ({ userId: 'u', itemId: `p${i}`, type: 'like' as const, timestamp: T0 + i })));
    const { categoryAffinity } = await recommender.getProfile('u');
    expect(Object.keys(categoryAffinity).sort()).toEqual([...names].sort());
    for (const name of names) expect(typeof categoryAffinity[name]).toBe('number');
    await recommender.ingestInteractions([{ userId: 'u', itemId: 'p0', type: 'click', timestamp: T0 + 10 }]);
    expect(typeof (await recommender.getProfile('u')).categoryAffinity.constructor).toBe('number');
    const list = await recommender.recommend({ userId: 'v', n: 3, filters: { categories: ['__proto__', 'toString'] } });
    expect(list.items.map((r) => r.category).sort()).toEqual(['__proto__', 'toString']);
  });

  it('refuses metadata and context JSON cannot hold exactly, naming the field', async () => {
    const recommender = await engine(makeStore());
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) deep = { deeper: deep };
    for (const metadata of [cyclic, { n: 10n }, deep, JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>]) {
      const error = await rejection(recommender.ingestItems([{ id: 'm', createdAt: T0, metadata }]));
      expect(error).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'metadata' }] });
    }
    const context = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    expect(await rejection(recommender.feedback({ userId: 'u', itemId: 'a', type: 'click', context }))).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'context' }] });
    expect(await rejection(recommender.ingestItems([{ id: 'w', createdAt: T0, wordsCount: 2 ** 31 }]))).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'wordsCount' }] });
    expect(await rejection(recommender.feedback({ userId: 'u', itemId: 'a', type: 'rating', rating: 1e308 }))).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'rating' }] });
  });

  it('reads back exactly what it accepted: ratings, durations, large counts', async () => {
    const recommender = await engine(makeStore());
    await recommender.ingestItems([{ id: 'big', createdAt: T0, wordsCount: 2 ** 31 - 1, metadata: { tags: ['x'], nested: { n: 1.5 } } }]);
    await recommender.feedback({ userId: 'u', itemId: 'a', type: 'rating', rating: 4.7, duration: 12.3, timestamp: T0 + 1 });
    const [x] = (await recommender.exportUserData('u')).interactions;
    expect([x!.rating, x!.duration]).toEqual([4.7, 12.3]);
    expect((await recommender.getItem('big'))!.item).toMatchObject({ wordsCount: 2 ** 31 - 1, metadata: { tags: ['x'], nested: { n: 1.5 } } });
  });

  it('answers null and garbage with a typed error, never a TypeError', async () => {
    const recommender = await engine(makeStore());
    const calls: (() => Promise<unknown>)[] = [
      () => recommender.feedback(null as never),
      () => recommender.ingestInteractions(null as never),
      () => recommender.ingestItems([null] as never),
      () => recommender.recommend(null as never),
      () => recommender.setPreferences('u', null as never),
      () => recommender.trending('sport' as never),
      () => recommender.similarItems(null as never),
      () => recommender.removeItems(undefined as never),
    ];
    for (const call of calls) expect((await rejection(call())).code).toBe('INVALID_INPUT');
  });
});

describe('a huge invalid batch', () => {
  it('keeps 100 issues and says how many there were', async () => {
    const recommender = await engine(createMemoryStore());
    const batch = Array.from({ length: 1_000_000 }, () => ({ userId: 'u' }));
    const error = await rejection(recommender.ingestInteractions(batch as never));
    expect(error.issues).toHaveLength(100);
    expect(error.message).toContain('itemId = undefined: must be a string or a non-negative integer (1000000 of 1000000 records are invalid; the first 100 issues are listed)');
  }, 60_000);
});
