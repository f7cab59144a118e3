import { describe, expect, it } from 'vitest';
import { ItemCatalog, blendSources, createLearnedRanking, type BlendSource, type LearnedRanking } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createWideDeepScorer } from '@mycontent/algorithms';
import { expectInvalidOptions } from './fixtures';

const T0 = Date.UTC(2024, 5, 1, 9);
const CATEGORIES = ['sport', 'politics', 'culture', 'economy'];

/**
 * Readers of a category click the best article of that category among 20 candidates that two
 * sources rank with no regard to it: what crosses of the reader's categories with the article's
 * can learn and the features of the candidates cannot.
 */
function categoryWorld() {
  const catalog = new ItemCatalog();
  for (let i = 0; i < 40; i++) catalog.upsert({ id: `x${i}`, category: CATEGORIES[i % 4]!, createdAt: T0 - 3_600_000 });
  const rng = createRandom(3);
  const list = () => {
    const items = Int32Array.from(new Set(Array.from({ length: 40 }, () => rng.int(40)))).slice(0, 20);
    return { items, scores: Float32Array.from(items, (_, r) => 20 - r) };
  };
  return { catalog, list, rng };
}

function play(ranking: LearnedRanking, rounds: number) {
  const { catalog, list, rng } = categoryWorld();
  ranking.attach(['a', 'b']);
  let hits = 0;
  for (let r = 0; r < rounds; r++) {
    const a = list();
    const b = { items: a.items.slice().reverse(), scores: a.scores };
    const sources: BlendSource[] = [
      { name: 'a', weight: 1, result: a },
      { name: 'b', weight: 0.5, result: b },
    ];
    const reader = rng.int(4);
    const read = [reader, reader + 4, reader + 8]; // three articles of the reader's category
    const now = T0 + r * 60_000;
    const ranked = ranking.rank(blendSources(sources, Infinity, 'rank'), sources, { key: `s${r}`, now, sessionLength: 3, session: read, positive: read, catalog }).map((c) => c.item);
    const wanted = ranked.find((item) => catalog.category[item] === catalog.category[reader]);
    if (wanted === undefined) continue;
    if (r >= rounds - 200 && ranked[0] === wanted) hits++;
    ranking.observe({ userId: `u${r}`, sessionId: `s${r}`, item: wanted, weight: 1, timestamp: now + 1_000 });
  }
  return hits / 200;
}

describe('Wide & Deep scorer', () => {
  it('starts as the blend, then learns what readers of a category click, which the linear stage cannot', () => {
    const { catalog, list } = categoryWorld();
    const wideDeep = createLearnedRanking({ scorer: createWideDeepScorer({ seed: 1 }) });
    wideDeep.attach(['a', 'b']);
    const a = list();
    const sources: BlendSource[] = [{ name: 'a', weight: 1, result: a }];
    const blended = blendSources(sources, Infinity, 'rank');
    const ranked = wideDeep.rank(blended, sources, { key: undefined, now: T0, sessionLength: 1, session: [0], positive: [0], catalog });
    expect(ranked.map((c) => c.item)).toEqual(blended.map((c) => c.item));

    const linearHits = play(createLearnedRanking({ seed: 1 }), 1500);
    const wideDeepHits = play(createLearnedRanking({ scorer: createWideDeepScorer({ seed: 1 }) }), 1500);
    expect(wideDeepHits).toBeGreaterThan(0.9);
    expect(linearHits).toBeLessThan(0.5);
  });

  it('is reproducible: the same seed and clicks give the same weights', () => {
    const weights = () => {
      const ranking = createLearnedRanking({ scorer: createWideDeepScorer({ seed: 4 }) });
      play(ranking, 300);
      return ranking.weights();
    };
    expect(weights()).toEqual(weights());
  });

  it('lowers the loss of the click it learns from (the deep part included)', () => {
    const { catalog, list } = categoryWorld();
    const scorer = createWideDeepScorer({ seed: 2, learningRate: 1e-9, deepLearningRate: 0.001 });
    const ranking = createLearnedRanking({ scorer });
    ranking.attach(['a', 'b']);
    // Train a little, so that the deep part's output layer is no longer zero.
    play(createLearnedRanking({ scorer }), 200);
    const a = list();
    const sources: BlendSource[] = [{ name: 'a', weight: 1, result: a }];
    const context = { key: 'k', now: T0, sessionLength: 2, session: [1, 5], positive: [1, 5], catalog };
    const x = new Float32Array(a.items.length * ranking.features.length);
    const rows = { items: a.items, x, features: ranking.features.length, context };
    const loss = () => {
      const s = scorer.score(rows);
      const max = Math.max(...s);
      return -(s[7]! - max - Math.log(s.reduce((z, v) => z + Math.exp(v - max), 0)));
    };
    const before = loss();
    const s = scorer.score(rows);
    const max = Math.max(...s);
    const z = s.reduce((acc, v) => acc + Math.exp(v - max), 0);
    scorer.learn(rows, Float64Array.from(s, (v, i) => (i === 7 ? 1 : 0) - Math.exp(v - max) / z));
    expect(loss()).toBeLessThan(before);
    expect(scorer.updates).toBeGreaterThan(0);
    // A NaN feature (a source scoring NaN) is refused, not learned: the scores stay as they were.
    const poisoned = { ...rows, x: Float32Array.from(x, (_, i) => (i === 0 ? Number.NaN : 0)) };
    const kept = scorer.score(rows);
    scorer.learn(poisoned, Float64Array.from(s, (_, i) => (i === 0 ? 1 : 0)));
    expect(scorer.skipped).toBe(1);
    expect(Array.from(scorer.score(rows))).toEqual(Array.from(kept));
  });

  it('refuses options out of range with INVALID_CONFIG naming the option', () => {
    expectInvalidOptions(
      (options) => createWideDeepScorer(options),
      [
        ['layers', []],
        ['categoryDimensions', 0],
        ['wideSize', 0],
        ['learningRate', 0],
        ['deepLearningRate', -1],
        ['regularization', -1],
      ],
    );
  });
});
