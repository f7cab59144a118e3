import { describe, expect, it } from 'vitest';
import { NO_ITEMS, type InteractionDataset, type ModelQuery, type ObservedInteraction, type RecommenderModel } from '@mycontent/core';
import { evaluateReplay, formatReplayReport, replayRecommendations, streamRowsInOrder } from '@mycontent/core/eval';
import { InteractionTableBuilder, generateSyntheticNews } from '@mycontent/core/data';
import { createRecentPopularityModel, createSequentialRulesModel } from '@mycontent/algorithms';
import { rejection } from './helpers';

const MIN = 60_000;
const T = Date.UTC(2024, 0, 1);

/** A model that records what it was shown and answers every catalogue item it may, in index order. */
function recorder() {
  const seen: { fits: number[]; observed: ObservedInteraction[]; queries: { query: ModelQuery; observedSoFar: number; catalog: number }[] } = { fits: [], observed: [], queries: [] };
  let data: InteractionDataset | undefined;
  const model: RecommenderModel = {
    kind: 'recorder',
    capabilities: { online: true, personalized: true, trending: false, similarItems: false },
    trained: true,
    async fit(d) {
      data = d;
      seen.fits.push(d.length);
    },
    recommend(query) {
      seen.queries.push({ query, observedSoFar: seen.observed.length, catalog: data!.catalog.size });
      const items: number[] = [];
      for (let i = 0; i < data!.catalog.size && items.length < query.k; i++) if (!query.filter || query.filter(i)) items.push(i);
      return items.length ? { items: Int32Array.from(items), scores: new Float32Array(items.length).fill(1) } : NO_ITEMS;
    },
    observe(event) {
      seen.observed.push({ ...event });
    },
    toArtifact: () => ({ kind: 'recorder', formatVersion: 1, state: {}, arrays: {} }),
    restore() {},
  };
  return { model, seen };
}

function table(rows: [user: string, item: string, minute: number, session?: string][]) {
  const builder = new InteractionTableBuilder();
  for (const [userId, itemId, minute, sessionId] of rows) builder.add({ userId, itemId, type: 'click', timestamp: T + minute * MIN, sessionId });
  return builder.build();
}

describe('replayRecommendations', () => {
  const data = table([
    ['u1', 'a', 0, 's1'],
    ['u1', 'b', 1, 's1'],
    // stream
    ['u2', 'c', 10, 's2'],
    ['u2', 'd', 11, 's2'],
    ['u3', 'e', 20, 's3'],
  ]);
  const train = Int32Array.of(0, 1);
  const stream = Int32Array.of(2, 3, 4);

  it('answers each query with only the events strictly before its ts, in query order', async () => {
    const { model, seen } = recorder();
    const { answers, stats } = await replayRecommendations({
      table: data,
      train,
      stream,
      model,
      k: 10,
      queries: [
        { id: 'late', ts: T + 30 * MIN, userId: 'u2' },
        { id: 'tie', ts: T + 11 * MIN, userId: 'u2' },
        { id: 'after', ts: T + 11 * MIN + 1, userId: 'u2' },
        { id: 'anon', ts: T + 5 * MIN, session: ['a'] },
      ],
    });
    // Walked in time order: anon (nothing observed), tie (c only), after (c, d), late (c, d, e).
    expect(seen.queries.map((q) => q.observedSoFar)).toEqual([0, 1, 2, 3]);
    expect(seen.observed.map((e) => [e.userId, e.sessionId])).toEqual([['u2', 's2'], ['u2', 's2'], ['u3', 's3']]);
    // The user's earlier items are excluded; the catalogue holds only articles seen so far.
    expect(answers).toEqual([['a', 'b', 'e'], ['a', 'b'], ['a', 'b'], ['b']]);
    expect(stats).toMatchObject({ events: 3, queries: 4, retrains: 0 });
    // The session is read from the stream when the query does not list it.
    const tie = seen.queries[1]!.query;
    expect(Array.from(tie.session!)).toEqual([2]);
    expect(seen.observed[1]!.previous && Array.from(seen.observed[1]!.previous)).toEqual([2]);
  });

  it('frozen never learns; retrain refits every period on everything seen so far', async () => {
    const frozen = recorder();
    await replayRecommendations({ table: data, train, stream, model: frozen.model, update: { kind: 'frozen' }, queries: [{ id: 'q', ts: T + 60 * MIN }] });
    expect(frozen.seen.observed).toHaveLength(0);
    expect(frozen.seen.fits).toEqual([2]);
    const retrained = recorder();
    const { stats } = await replayRecommendations({
      table: data,
      train,
      stream,
      model: retrained.model,
      update: { kind: 'retrain', everyMs: 10 * MIN },
      queries: [{ id: 'q', ts: T + 25 * MIN }],
    });
    // Training ends at minute 1: refits at minute 11 (before d: sees c) and 21 (sees c, d, e).
    expect(retrained.seen.fits).toEqual([2, 3, 5]);
    expect(stats.retrains).toBe(2);
    expect(retrained.seen.observed).toHaveLength(0);
  });

  it('publishes articles at their creation time', async () => {
    const { model, seen } = recorder();
    await replayRecommendations({
      table: data,
      train,
      stream,
      model,
      items: [{ id: 'scoop', createdAt: T + 15 * MIN }],
      queries: [
        { id: 'before', ts: T + 14 * MIN, session: ['a'] },
        { id: 'after', ts: T + 16 * MIN, session: ['a'] },
      ],
    });
    expect(seen.queries.map((q) => q.catalog)).toEqual([4, 5]);
  });

  it('rejects a query without a valid ts, and a stream out of order', async () => {
    const { model } = recorder();
    const error = await rejection(replayRecommendations({ table: data, train, stream, model, queries: [{ id: 'q7', ts: Number.NaN }] }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('"q7"');
    const shuffled = table([
      ['u', 'a', 5],
      ['u', 'b', 3],
    ]);
    const order = () => streamRowsInOrder(shuffled, { source: 'clicks.csv' });
    expect(order).toThrow(/clicks\.csv: row 2 .* earlier than row 1/);
    expect(Array.from(streamRowsInOrder(shuffled, { sort: true }))).toEqual([1, 0]);
  });
});

describe('evaluateReplay', () => {
  it('asks one question per next click of each test session, and counts hits by hand', async () => {
    // Training: a → b twice. Test sessions start at minute 100: [a, b] and [a, c].
    const data = table([
      ['u1', 'a', 0, 's1'],
      ['u1', 'b', 1, 's1'],
      ['u2', 'a', 2, 's2'],
      ['u2', 'b', 3, 's2'],
      ['u3', 'a', 100, 's3'],
      ['u3', 'b', 101, 's3'],
      ['u4', 'a', 102, 's4'],
      ['u4', 'c', 103, 's4'],
    ]);
    const report = await evaluateReplay({
      table: data,
      at: T + 100 * MIN,
      k: 1,
      models: { rules: () => createSequentialRulesModel() },
      updates: [{ kind: 'frozen' }, { kind: 'online' }],
    });
    expect(report.cases).toBe(2);
    expect(report.trainInteractions).toBe(4);
    expect(report.unseenTargets).toBe(0.5);
    // Both questions ask after a; the rules say b: the first is a hit, the second (c) a miss.
    expect(report.results.map((r) => [r.update, r.hitRate, r.mrr])).toEqual([
      ['frozen', 0.5, 0.5],
      ['online', 0.5, 0.5],
    ]);
    expect(formatReplayReport(report)).toMatch(/HR@1 +MRR@1/);
  });

  it('on synthetic news, learning online beats a frozen model by far (most next clicks are new articles)', async () => {
    const news = generateSyntheticNews('tiny', { seed: 3 });
    const report = await evaluateReplay({
      table: news.clicks,
      items: news.items,
      testRatio: 0.3,
      models: { recent: () => createRecentPopularityModel(), rules: () => createSequentialRulesModel() },
      updates: [{ kind: 'frozen' }, { kind: 'online' }],
    });
    expect(report.unseenTargets).toBeGreaterThan(0.3);
    const hr = Object.fromEntries(report.results.map((r) => [`${r.model} ${r.update}`, r.hitRate]));
    // A frozen model's lists are completed by the engine's fill (the newest articles), as served.
    expect(hr['recent online']!).toBeGreaterThan(hr['recent frozen']!);
    expect(hr['rules online']!).toBeGreaterThan(1.5 * hr['rules frozen']!);
    expect(hr['rules online']!).toBeGreaterThan(hr['recent online']!);
  });

  it('needs a session column', async () => {
    const builder = new InteractionTableBuilder();
    builder.add({ userId: 'u', itemId: 'a', type: 'click', timestamp: T });
    const error = await rejection(evaluateReplay({ table: builder.build(), models: {} }));
    expect(error.field).toBe('session');
  });
});
