import { describe, expect, it } from 'vitest';
import { isMyContentError, type RecommenderModel } from '@mycontent/core';
import {
  evaluateModels,
  formatEvaluationReport,
  splitLeaveLastOut,
  splitRandomPerUser,
  splitSessionNextClick,
  splitTemporal,
} from '@mycontent/core/eval';
import { InteractionTableBuilder, generateSyntheticNews, type InteractionTable } from '@mycontent/core/data';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

function table(rows: [string, string, number, string?][]): InteractionTable {
  const b = new InteractionTableBuilder();
  for (const [userId, itemId, timestamp, sessionId] of rows) b.add({ userId, itemId, type: 'click', timestamp, sessionId });
  return b.build();
}

describe('splitters', () => {
  const t = table([
    ['a', 'i1', 1], ['a', 'i2', 2], ['a', 'i3', 3], ['a', 'i4', 4],
    ['b', 'i1', 5], ['b', 'i5', 6],
    ['c', 'i9', 7],
  ]);

  it('random per user: 75% of each user to training, seeded, singletons stay in training', () => {
    const s = splitRandomPerUser(t, { ratio: 0.75, seed: 1 });
    const users = (rows: Int32Array) => Array.from(rows, (r) => t.users[t.user[r]!]);
    expect(users(s.train).filter((u) => u === 'a')).toHaveLength(3);
    expect(users(s.train).filter((u) => u === 'b')).toHaveLength(1);
    expect(users(s.train)).toContain('c');
    expect(s.train.length + s.test.length).toBe(t.length);
    expect(Array.from(splitRandomPerUser(t, { ratio: 0.75, seed: 1 }).test)).toEqual(Array.from(s.test));
  });

  it('temporal: rows before the cut train', () => {
    const s = splitTemporal(t, { at: 5 });
    expect(Array.from(s.train)).toEqual([0, 1, 2, 3]);
    expect(Array.from(s.test)).toEqual([4, 5, 6]);
  });

  it('leave-last-out: the latest interaction of each user with two or more', () => {
    const s = splitLeaveLastOut(t);
    expect(Array.from(s.test)).toEqual([3, 5]);
  });

  it('session next-click: each prefix of a test session predicts the next click', () => {
    const st = table([
      ['a', 'x', 1, 's1'], ['a', 'y', 2, 's1'],
      ['b', 'x', 10, 's2'], ['b', 'y', 11, 's2'], ['b', 'z', 12, 's2'],
      ['c', 'q', 9, 's3'], ['c', 'r', 13, 's3'],
    ]);
    const s = splitSessionNextClick(st, { at: 10 });
    // s3 started before the cut: it trains, even its click after the cut.
    expect(Array.from(s.train)).toEqual([0, 1, 5, 6]);
    expect(s.cases.map((c) => [Array.from(c.prefix), c.target])).toEqual([
      [[2], 3],
      [[2, 3], 4],
    ]);
  });

  it('rejects ratios outside (0, 1)', () => {
    expect(() => splitRandomPerUser(t, { ratio: 1 })).toThrow(/ratio must be strictly between 0 and 1/);
  });
});

describe('evaluateModels', () => {
  it('scores a perfect oracle 1 and states the protocol', async () => {
    const t = table([
      ['a', 'i1', 1], ['a', 'i2', 2], ['b', 'i1', 3], ['b', 'i3', 4],
    ]);
    const split = splitLeaveLastOut(t);
    // An oracle that knows each user's held-out item.
    const answer: Record<string, string> = { a: 'i2', b: 'i3' };
    let catalogRef: { indexOf(id: string): number } | undefined;
    const oracle: RecommenderModel = {
      kind: 'oracle',
      capabilities: { online: false, personalized: true, trending: false, similarItems: false },
      trained: true,
      async fit(data) {
        catalogRef = data.catalog;
      },
      recommend(q) {
        return { items: Int32Array.from([catalogRef!.indexOf(answer[q.userId!]!)]), scores: Float32Array.from([1]) };
      },
      toArtifact: () => ({ kind: 'oracle', formatVersion: 1, state: {}, arrays: {} }),
      restore() {},
    };
    const report = await evaluateModels({ table: t, split, models: { oracle }, k: 1 });
    expect(report.results[0]!.metrics).toMatchObject({ precision: 1, recall: 1, ndcg: 1, map: 1, mrr: 1, hitRate: 1 });
    expect(report.protocol).toContain('leave-last-out');
    expect(report.protocol).toContain('full-catalogue ranking; k = 1; 2 test users');
  });

  it('compares models on synthetic news under the next-click protocol, and item-kNN beats popularity', async () => {
    const news = generateSyntheticNews('tiny', { seed: 11 });
    const split = splitSessionNextClick(news.clicks, { testRatio: 0.2 });
    const report = await evaluateModels({
      table: news.clicks,
      split,
      items: news.items,
      models: { popular: () => createPopularityModel(), knn: () => createItemKnnModel() },
      k: 10,
    });
    const [popular, knn] = report.results;
    expect(knn!.metrics.hitRate).toBeGreaterThan(popular!.metrics.hitRate);
    expect(knn!.metrics.auc).toBeGreaterThan(0.5);
    for (const r of report.results) {
      const { novelty, ...bounded } = r.metrics;
      for (const [name, v] of Object.entries(bounded)) expect([name, v >= 0 && v <= 1]).toEqual([name, true]);
      expect(novelty).toBeGreaterThan(0);
    }
    const text = formatEvaluationReport(report);
    expect(text.split('\n')[0]).toMatch(/^Protocol: session next-click split/);
    expect(text).toContain('HR@10');
    const sampled = await evaluateModels({
      table: news.clicks,
      split,
      items: news.items,
      models: { knn: () => createItemKnnModel() },
      protocol: { kind: 'sampled', negatives: 50 },
      maxCases: 200,
    });
    expect(sampled.protocol).toContain('sampled ranking (each relevant item vs 50 random negatives)');
    expect(sampled.cases).toBe(200);
    // Ranking against 50 negatives is easier than against the whole catalogue.
    expect(sampled.results[0]!.metrics.hitRate).toBeGreaterThan(knn!.metrics.hitRate);
  });

  it('rejects k <= 0 and an empty training set', async () => {
    const t = table([['a', 'i1', 1], ['a', 'i2', 2]]);
    await expect(evaluateModels({ table: t, split: splitLeaveLastOut(t), models: {}, k: 0 })).rejects.toSatisfy(
      (e: unknown) => isMyContentError(e, 'INVALID_INPUT') && e.field === 'k',
    );
    await expect(
      evaluateModels({ table: t, split: { description: 'x', train: new Int32Array(0), test: Int32Array.from([0]) }, models: {} }),
    ).rejects.toThrow(/training set is empty/);
  });
});
