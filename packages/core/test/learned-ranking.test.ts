import { describe, expect, it } from 'vitest';
import { ItemCatalog, blendSources, createLearnedRanking, createRecommender, type BlendSource, type ObservedInteraction } from '@mycontent/core';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';
import { fixedModel } from './helpers';

const T0 = Date.UTC(2024, 5, 1);
const catalog = new ItemCatalog();
for (let i = 0; i < 20; i++) catalog.upsert({ id: `x${i}`, createdAt: T0 - 3_600_000 });

// Source a ranks x0..x9, source b ranks x9..x0: the blend (a weighs twice b) follows a.
const a = { items: Int32Array.from({ length: 10 }, (_, i) => i), scores: Float32Array.from({ length: 10 }, (_, i) => 10 - i) };
const b = { items: Int32Array.from({ length: 10 }, (_, i) => 9 - i), scores: Float32Array.from({ length: 10 }, (_, i) => 10 - i) };
const sources: BlendSource[] = [
  { name: 'a', weight: 1, result: a },
  { name: 'b', weight: 0.5, result: b },
];
const click = (userId: string, item: number, timestamp: number): ObservedInteraction => ({ userId, item, weight: 1, timestamp, previous: new Int32Array(0) });
const rankFor = (ranking: ReturnType<typeof createLearnedRanking>, key: string | undefined, now: number) =>
  ranking.rank(blendSources(sources, Infinity, 'rank'), sources, { key, now, sessionLength: 1, session: [], positive: [], catalog }).map((c) => c.item);

describe('the learned ranking stage', () => {
  it('starts as the blend, and learns from clicks which source to trust', () => {
    const ranking = createLearnedRanking({ seed: 1 });
    ranking.attach(['a', 'b']);
    expect(ranking.features).toEqual(['a:rank', 'a:score', 'a:rank×session', 'b:rank', 'b:score', 'b:rank×session', 'blend', 'age', 'clicks:5m', 'clicks:1h', 'new']);
    const blend = blendSources(sources, Infinity, 'rank').map((c) => c.item);
    expect(rankFor(ranking, undefined, T0)).toEqual(blend); // untrained: the blend's order
    expect(blend[0]).toBe(0);

    // Readers click what b ranks first (x9): each list teaches that b knows better.
    for (let r = 0; r < 200; r++) {
      const t = T0 + r * 60_000;
      rankFor(ranking, `u${r}`, t);
      ranking.observe(click(`u${r}`, 9, t + 1_000));
    }
    expect(ranking.stats()).toMatchObject({ clicksInList: 200, clicksOutsideList: 0 });
    expect(ranking.stats().pairs).toBe(200 * 9); // every item ranked above the click, then others of the list
    const weights = ranking.weights();
    expect(weights['b:rank']).toBeGreaterThan(weights['a:rank']! + 0.5);
    expect(rankFor(ranking, undefined, T0 + 300 * 60_000)[0]).toBe(9);
  });

  it('learns only from a click on the session\'s last list, within its time to live, once', () => {
    const ranking = createLearnedRanking({ listTtlMs: 60_000 });
    ranking.attach(['a', 'b']);
    rankFor(ranking, 'u1', T0);
    ranking.observe(click('u1', 15, T0 + 1)); // not in the list
    ranking.observe(click('u2', 3, T0 + 1)); // no list for u2
    expect(ranking.stats()).toMatchObject({ clicksInList: 0, clicksOutsideList: 1 });
    ranking.observe(click('u1', 3, T0 + 2));
    ranking.observe(click('u1', 4, T0 + 3)); // the list taught once already
    expect(ranking.stats().clicksInList).toBe(1);
    rankFor(ranking, 'u1', T0 + 10);
    ranking.observe(click('u1', 3, T0 + 10 + 60_001)); // too late
    expect(ranking.stats().clicksInList).toBe(1);
  });

  it('counts clicks per item as freshness features: what is read right now rises', () => {
    const ranking = createLearnedRanking({ seed: 5 });
    ranking.attach(['a', 'b']);
    // Every 20 minutes another article is the story of the moment: a burst of clicks, and readers follow it.
    const story = (r: number) => (r * 7) % 10;
    for (let r = 0; r < 150; r++) {
      const t = T0 + r * 20 * 60_000;
      for (let i = 0; i < 5; i++) ranking.observe(click(`w${r}-${i}`, story(r), t - 60_000 + i));
      rankFor(ranking, `u${r}`, t);
      ranking.observe(click(`u${r}`, story(r), t + 1));
    }
    const weights = ranking.weights();
    expect(weights['clicks:5m']).toBeGreaterThan(0.1);
    expect(weights['clicks:5m']).toBeGreaterThan(Math.abs(weights['clicks:1h']!));
    const t = T0 + 150 * 20 * 60_000;
    for (let i = 0; i < 5; i++) ranking.observe(click(`z${i}`, 6, t - 60_000 + i));
    expect(rankFor(ranking, undefined, t)[0]).toBe(6); // the blend would say x0
  });

  it('learns pairwise too, reproducibly from its seed, and refuses bad options and a second ranking', () => {
    const run = (seed: number) => {
      const ranking = createLearnedRanking({ seed, loss: 'pairwise', negatives: 3 });
      ranking.attach(['a', 'b']);
      for (let r = 0; r < 50; r++) {
        rankFor(ranking, `u${r}`, T0 + r);
        ranking.observe(click(`u${r}`, r % 7, T0 + r + 1));
      }
      return ranking.weights();
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    expect(() => createLearnedRanking({ learningRate: 0 })).toThrow(/learnedRanking.learningRate must be a positive number, got 0/);
    expect(() => createLearnedRanking({ negatives: 1.5 })).toThrow(/learnedRanking.negatives must be a positive integer/);
    expect(() => createLearnedRanking({ loss: 'hinge' as 'softmax' })).toThrow(/learnedRanking.loss must be 'softmax' or 'pairwise', got "hinge"/);
    const ranking = createLearnedRanking();
    ranking.attach(['a', 'b']);
    expect(() => ranking.attach(['c'])).toThrow(/already serves a ranking of a, b: create one per ranking/);
  });

  it('remembers at most maxLists lists, the most recent', () => {
    const ranking = createLearnedRanking({ maxLists: 2 });
    ranking.attach(['a', 'b']);
    for (const u of ['u1', 'u2', 'u3']) rankFor(ranking, u, T0);
    ranking.observe(click('u1', 3, T0 + 1)); // forgotten
    ranking.observe(click('u3', 3, T0 + 1));
    expect(ranking.stats().clicksInList).toBe(1);
  });
});

describe('the learned ranking stage in the engine', () => {
  it('ranks the lists the engine serves and learns from the clicks the engine ingests', async () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ id: `x${i}`, createdAt: T0 - 3_600_000 }));
    const learnedRanking = createLearnedRanking({ seed: 2 });
    const engine = createRecommender({
      store: createMemoryStore(),
      models: {
        a: fixedModel(Object.fromEntries(items.map((it, i) => [it.id, 20 - i]))),
        b: fixedModel(Object.fromEntries(items.map((it, i) => [it.id, i]))),
        popular: createPopularityModel(),
      },
      blend: { a: 1, b: 0.5 },
      blendNormalization: 'rank',
      learnedRanking,
    });
    await engine.ingestItems(items);
    await engine.ingestInteractions([{ userId: 'seed', itemId: 'x0', type: 'click', timestamp: T0 }]);
    await engine.train();
    const first = async (userId: string, t: number) => {
      // A reader with one earlier click (not a cold start), then a list, then a click on what b ranks first.
      await engine.ingestInteractions([{ userId, itemId: 'x0', type: 'click', timestamp: t }]);
      return (await engine.recommend({ userId, n: 5, now: t + 1 })).items[0]!.itemId;
    };
    expect(await first('r0', T0 + 1_000)).toBe('x1'); // the blend: a's order (x0 was read)
    for (let r = 0; r < 60; r++) {
      const t = T0 + 10_000 + r * 10_000;
      await first(`u${r}`, t);
      await engine.ingestInteractions([{ userId: `u${r}`, itemId: 'x11', type: 'click', timestamp: t + 2 }]);
    }
    expect(learnedRanking.stats().clicksInList).toBe(60);
    expect(await first('r1', T0 + 1_000_000)).toBe('x11');
  });
});

describe('the learned ranking stage with the later stages', () => {
  it('hands them positive scores, the best 1, so that freshness still favours the fresh', () => {
    const ranking = createLearnedRanking();
    ranking.attach(['a', 'b']);
    const out = ranking.rank(blendSources(sources, Infinity, 'rank'), sources, { key: undefined, now: T0, sessionLength: 1, session: [], positive: [], catalog });
    expect(out[0]!.score).toBe(1);
    for (const c of out) expect(c.score).toBeGreaterThan(0);
    for (let i = 1; i < out.length; i++) expect(out[i]!.score).toBeLessThanOrEqual(out[i - 1]!.score);
  });
});
