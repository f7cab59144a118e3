import { describe, expect, it } from 'vitest';
import { blendSources, createRecommender, rerankMmr } from '@mycontent/core';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';
import { fixedModel, rejection } from './helpers';

const T0 = Date.UTC(2024, 5, 1);

describe('rerankMmr', () => {
  const items = [
    { id: 'A', score: 1, cat: 'x' },
    { id: 'B', score: 0.9, cat: 'x' },
    { id: 'C', score: 0.8, cat: 'y' },
    { id: 'D', score: 0.5, cat: 'y' },
  ];
  const same = (a: (typeof items)[0], b: (typeof items)[0]) => (a.cat === b.cat ? 1 : 0);
  const pick = (lambda: number, n = 4) => rerankMmr(items, n, lambda, (c) => c.score, same).map((c) => c.id);

  it('keeps the relevance order at lambda 1', () => {
    expect(pick(1)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('trades relevance for variety below 1 (values computed by hand)', () => {
    // lambda 0.5: A (0.5); then C (0.4 - 0) beats B (0.45 - 0.5); then B (-0.05) beats D (0.25 - 0.5).
    expect(pick(0.5)).toEqual(['A', 'C', 'B', 'D']);
    // lambda 0.9: after A, B scores 0.81 - 0.1 = 0.71 and C 0.72: C still wins, narrowly.
    expect(pick(0.9)).toEqual(['A', 'C', 'B', 'D']);
    // lambda 0.95: B 0.855 - 0.05 = 0.805 beats C 0.76.
    expect(pick(0.95)).toEqual(['A', 'B', 'C', 'D']);
    expect(pick(0.5, 2)).toEqual(['A', 'C']);
  });
});

describe('blendSources with rank normalisation', () => {
  it('adds reciprocal ranks 61 / (60 + rank), whatever the scores', () => {
    const out = blendSources(
      [
        { name: 'a', weight: 1, result: { items: Int32Array.of(1, 2, 3), scores: Float32Array.of(1000, 1, 0.5) } },
        { name: 'b', weight: 1, result: { items: Int32Array.of(3, 1), scores: Float32Array.of(0.2, 0.1) } },
      ],
      3,
      'rank',
    );
    expect(out.map((c) => c.item)).toEqual([1, 3, 2]);
    expect(out[0]!.score).toBeCloseTo(1 + 61 / 62, 10);
    expect(out[1]!.score).toBeCloseTo(61 / 63 + 1, 10);
    expect(out[2]!.score).toBeCloseTo(61 / 62, 10);
  });
});

async function engine(options: Partial<Parameters<typeof createRecommender>[0]> = {}) {
  const recommender = createRecommender({
    store: createMemoryStore(),
    models: {
      popular: createPopularityModel({ rerankIntervalMs: 0 }),
      politics: fixedModel({ p1: 10, p2: 9, p3: 8, p4: 7, s1: 2, s2: 1 }),
      sport: fixedModel({ s1: 10, s2: 9, p1: 1 }),
    },
    blend: { politics: 1, sport: 0 },
    ...options,
  });
  await recommender.ingestItems([
    ...['p1', 'p2', 'p3', 'p4', 'p0'].map((id) => ({ id, category: 'politics', createdAt: T0 })),
    ...['s1', 's2', 's0'].map((id) => ({ id, category: 'sport', createdAt: T0 })),
  ]);
  await recommender.ingestInteractions([
    { userId: 'u', itemId: 'p0', type: 'click', timestamp: T0 },
    { userId: 'v', itemId: 's0', type: 'click', timestamp: T0 },
  ]);
  await recommender.train();
  return recommender;
}

describe('engine: diversity and blend weights', () => {
  it('re-ranks by category on request, and not without', async () => {
    const recommender = await engine();
    const plain = await recommender.recommend({ userId: 'u', n: 4 });
    expect(plain.items.map((r) => r.itemId)).toEqual(['p1', 'p2', 'p3', 'p4']);
    const diverse = await recommender.recommend({ userId: 'u', n: 4, diversity: { lambda: 0.5 } });
    // Min-max relevance: p1 1, p2 0.9, p3 0.8, p4 0.7, s1 0.2, s2 0.1. After p1, s1 (0.1) beats
    // p2 (0.45 - 0.5); then p2 (-0.05) and p3 (-0.1) beat s2 (0.05 - 0.5), now alike to s1.
    expect(diverse.items.map((r) => r.itemId)).toEqual(['p1', 's1', 'p2', 'p3']);
    expect(diverse.items.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(new Set(diverse.items.map((r) => r.category)).size).toBe(2);
  });

  it('applies the engine default unless a request turns it off', async () => {
    const recommender = await engine({ diversity: { lambda: 0.5, by: 'category' } });
    expect((await recommender.recommend({ userId: 'u', n: 2 })).items.map((r) => r.itemId)).toEqual(['p1', 's1']);
    expect((await recommender.recommend({ userId: 'u', n: 2, diversity: false })).items.map((r) => r.itemId)).toEqual(['p1', 'p2']);
  });

  it('takes per-user blend weights from the blendFor hook (experiments), cached apart', async () => {
    const recommender = await engine({ blendFor: ({ userId }) => (userId === 'v' ? { politics: 0, sport: 1 } : undefined) });
    expect((await recommender.recommend({ userId: 'u', n: 2 })).items.map((r) => [r.itemId, r.source])).toEqual([['p1', 'politics'], ['p2', 'politics']]);
    expect((await recommender.recommend({ userId: 'v', n: 2 })).items.map((r) => [r.itemId, r.source])).toEqual([['s1', 'sport'], ['s2', 'sport']]);
  });

  it('rejects bad weights from the hook, and embedding diversity without embeddings', async () => {
    const unknown = await engine({ blendFor: () => ({ nope: 1 }) });
    expect((await rejection(unknown.recommend({ userId: 'u' }))).field).toBe('blendFor().nope');
    const negative = await engine({ blendFor: () => ({ politics: -1 }) });
    expect((await rejection(negative.recommend({ userId: 'u' }))).field).toBe('blendFor().politics');
    const zero = await engine({ blendFor: () => ({ politics: 0 }) });
    expect((await rejection(zero.recommend({ userId: 'u' }))).message).toContain('at least one model must have a positive weight');
    const recommender = await engine();
    const error = await rejection(recommender.recommend({ userId: 'u', diversity: { lambda: 0.5, by: 'embedding' } }));
    expect(error.field).toBe('diversity.by');
    const badLambda = await rejection(recommender.recommend({ userId: 'u', diversity: { lambda: 1.5 } }));
    expect(badLambda.code).toBe('INVALID_INPUT');
    expect(badLambda.field).toBe('diversity.lambda');
  });
});
