import { describe, expect, it } from 'vitest';
import { createRecommender } from '@mycontent/core';
import { fixedModel } from './helpers';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel, createSequentialRulesModel } from '@mycontent/algorithms';

const MIN = 60_000;
const T0 = Date.UTC(2024, 5, 1, 12);

describe('engine: sessions and freshness', () => {
  it('hands models the current session (by session id, else by inactivity) and the request time', async () => {
    const fixed = fixedModel({ a: 1 });
    const recommender = createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel(), fixed }, blend: { fixed: 1 } });
    await recommender.ingestItems(['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, createdAt: T0 - 60 * MIN })));
    await recommender.ingestInteractions([
      { userId: 'w', itemId: 'b', type: 'click', timestamp: T0 - 24 * 60 * MIN, sessionId: 'yesterday' },
      { userId: 'w', itemId: 'c', type: 'click', timestamp: T0 - 2 * MIN, sessionId: 'now' },
      { userId: 'w', itemId: 'd', type: 'click', timestamp: T0 - MIN, sessionId: 'now' },
      { userId: 'z', itemId: 'b', type: 'click', timestamp: T0 - 50 * MIN },
      { userId: 'z', itemId: 'c', type: 'click', timestamp: T0 - 25 * MIN },
      { userId: 'z', itemId: 'd', type: 'click', timestamp: T0 - 5 * MIN },
    ]);
    await recommender.train();
    const names = (items: Int32Array | undefined) => Array.from(items ?? [], (i) => recommender.catalog.idAt(i));
    await recommender.recommend({ userId: 'w', now: T0 });
    let query = fixed.queries.at(-1)!;
    expect(names(query.session)).toEqual(['c', 'd']);
    expect(query.sessionId).toBe('now');
    expect(query.now).toBe(T0);
    expect(names(query.history)).toEqual(['b', 'c', 'd']);
    // No session ids: gaps under 30 minutes (25 and 20) chain b, c and d.
    await recommender.recommend({ userId: 'z', now: T0 });
    query = fixed.queries.at(-1)!;
    expect(names(query.session)).toEqual(['b', 'c', 'd']);
    expect(query.sessionId).toBeUndefined();
    // An hour of inactivity: no current session.
    await recommender.recommend({ userId: 'z', now: T0 + 60 * MIN });
    expect(fixed.queries.at(-1)!.session).toBeUndefined();
    // A listed session wins.
    await recommender.recommend({ userId: 'z', session: ['a'], now: T0 });
    expect(names(fixed.queries.at(-1)!.session)).toEqual(['a']);
  });

  it('a session model learns from ingested clicks and answers in-session within the same request flow', async () => {
    const recommender = createRecommender({
      store: createMemoryStore(),
      models: { popular: createPopularityModel({ rerankIntervalMs: 0 }), rules: createSequentialRulesModel() },
      blend: { rules: 1 },
    });
    await recommender.ingestItems(['a', 'b'].map((id) => ({ id, createdAt: T0 - 60 * MIN })));
    await recommender.ingestInteractions([
      { userId: 'r', itemId: 'a', type: 'click', timestamp: T0 - 10 * MIN, sessionId: 'r1' },
      { userId: 'r', itemId: 'b', type: 'click', timestamp: T0 - 9 * MIN, sessionId: 'r1' },
    ]);
    await recommender.train();
    // A scoop is published and read after `a` by two readers, after training.
    await recommender.ingestItems([{ id: 'scoop', createdAt: T0 - 5 * MIN }]);
    await recommender.ingestInteractions(
      ['s1', 's2'].flatMap((sessionId, k) => [
        { userId: `x${k}`, itemId: 'a', type: 'click' as const, timestamp: T0 - 4 * MIN + k, sessionId },
        { userId: `x${k}`, itemId: 'scoop', type: 'click' as const, timestamp: T0 - 3 * MIN + k, sessionId },
      ]),
    );
    await recommender.ingestInteractions([{ userId: 'me', itemId: 'a', type: 'click', timestamp: T0 - MIN, sessionId: 'm' }]);
    const list = await recommender.recommend({ userId: 'me', now: T0, n: 2 });
    expect(list.items.map((r) => [r.itemId, r.source])).toEqual([
      ['scoop', 'rules'],
      ['b', 'rules'],
    ]);
  });

  it('freshness multiplies blended scores by (1 − w) + w · 2^(−age / half-life)', async () => {
    const fixed = fixedModel({ old: 10, recent: 9, fresh: 8 });
    const recommender = createRecommender({
      store: createMemoryStore(),
      models: { popular: createPopularityModel(), fixed },
      blend: { fixed: 1 },
      blendNormalization: 'rank',
      freshness: { halfLifeMs: 6 * 60 * MIN, weight: 0.5 },
    });
    await recommender.ingestItems([
      { id: 'old', createdAt: T0 - 24 * 60 * MIN },
      { id: 'recent', createdAt: T0 - 6 * 60 * MIN },
      { id: 'fresh', createdAt: T0 },
      { id: 'seen', createdAt: T0 },
    ]);
    await recommender.ingestInteractions([{ userId: 'u', itemId: 'seen', type: 'click', timestamp: T0 }]);
    await recommender.train();
    const list = await recommender.recommend({ userId: 'u', now: T0, n: 3 });
    // Rank scores 61/61, 61/62, 61/63 times 0.53125, 0.75 and 1.
    expect(list.items.map((r) => r.itemId)).toEqual(['fresh', 'recent', 'old']);
    expect(list.items.map((r) => r.score)).toEqual([61 / 63, (61 / 62) * 0.75, 1 * 0.53125].map((x) => expect.closeTo(x, 10)));
    const bad = () => createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() }, freshness: { halfLifeMs: 60_000, weight: 2 } });
    expect(bad).toThrow(/freshness\.weight/);
  });
});

describe('engine: the default blend by model role (the seed mature hybrid)', () => {
  async function engine(roleWeights?: { collaborative?: number; content?: number; sequential?: number }) {
    const caps = (extra: object) => ({ online: false, personalized: true, trending: false, similarItems: false, ...extra });
    const recommender = createRecommender({
      store: createMemoryStore(),
      models: {
        popular: createPopularityModel(),
        collab: fixedModel({ a: 10 }),
        collab2: fixedModel({ d: 10 }),
        content: { ...fixedModel({ b: 10 }), capabilities: caps({ content: true }) },
        rules: { ...fixedModel({ c: 10 }), capabilities: caps({ sequential: true }) },
      },
      ...(roleWeights ? { roleWeights } : {}),
    });
    await recommender.ingestItems(['a', 'b', 'c', 'd', 'seen'].map((id) => ({ id, createdAt: T0 })));
    await recommender.ingestInteractions([{ userId: 'u', itemId: 'seen', type: 'click', timestamp: T0 }]);
    await recommender.train();
    return recommender;
  }

  it('gives collaborative models 0.4, content 0.3 and sequential 0.2, shared within a role', async () => {
    const list = await (await engine()).recommend({ userId: 'u', n: 4, now: T0 });
    expect(list.items.map((r) => [r.itemId, r.source])).toEqual([
      ['b', 'content'],
      ['a', 'collab'],
      ['c', 'rules'],
      ['d', 'collab2'],
    ]);
    expect(list.items.map((r) => r.score)).toEqual([0.3, 0.2, 0.2, 0.2].map((x) => expect.closeTo(x, 6)));
    const sequentialFirst = await (await engine({ sequential: 1 })).recommend({ userId: 'u', n: 1, now: T0 });
    expect(sequentialFirst.items[0]!.itemId).toBe('c');
    expect(() => createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() }, roleWeights: { content: -1 } })).toThrow(/roleWeights\.content/);
  });
});
