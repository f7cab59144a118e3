import { describe, expect, it } from 'vitest';
import { Matrix, inverse } from 'ml-matrix';
import { ItemCatalog, datasetFromInteractions, decodeModelArtifact, encodeModelArtifact, isMyContentError } from '@mycontent/core';
import { evaluateRatings, splitRandomPerUser } from '@mycontent/core/eval';
import { generateSyntheticRatings, tableToDataset } from '@mycontent/core/data';
import { createBprModel, createEaseModel, createSvdppModel, easeMemoryBytes } from '@mycontent/algorithms';
import { historyOf, ids, twoClusters } from './fixtures';

describe('BPR', () => {
  it('learns taste clusters, its loss falls, and it is deterministic for a seed', async () => {
    const { data, catalog } = twoClusters();
    const bpr = createBprModel({ factors: 8, epochs: 40, learningRate: 0.05 });
    await bpr.fit(data);
    expect(bpr.losses.at(-1)!).toBeLessThan(bpr.losses[0]! * 0.5);
    const history = historyOf(data, 'b2');
    const seen = new Set(history);
    const top = bpr.recommend({ userId: 'b2', history, k: 3, filter: (i) => !seen.has(i) });
    expect(ids(catalog, top.items).every((id) => id.startsWith('B'))).toBe(true);
    const again = createBprModel({ factors: 8, epochs: 40, learningRate: 0.05 });
    await again.fit(data);
    expect(Buffer.from(encodeModelArtifact(again.toArtifact())).equals(Buffer.from(encodeModelArtifact(bpr.toArtifact())))).toBe(true);
  });

  it('round-trips and answers unknown users from their history', async () => {
    const { data, catalog } = twoClusters();
    const bpr = createBprModel({ factors: 8, epochs: 30, learningRate: 0.05 });
    await bpr.fit(data);
    const restored = createBprModel({ factors: 8 });
    restored.restore(decodeModelArtifact(encodeModelArtifact(bpr.toArtifact())), catalog);
    const history = historyOf(data, 'a4');
    expect(Array.from(restored.recommend({ userId: 'a4', history, k: 5 }).items)).toEqual(Array.from(bpr.recommend({ userId: 'a4', history, k: 5 }).items));
    const cold = restored.recommend({ userId: 'new', history: Int32Array.from([catalog.indexOf('A1'), catalog.indexOf('A2')]), k: 3 });
    expect(ids(catalog, cold.items).filter((id) => id.startsWith('A')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('EASE', () => {
  it('computes B = I − P·diag(1/diag(P)) with a zero diagonal, checked against ml-matrix', async () => {
    const catalog = new ItemCatalog();
    const rows = [
      ['u1', 'x'], ['u1', 'y'], ['u2', 'x'], ['u2', 'z'], ['u3', 'y'], ['u3', 'z'], ['u4', 'x'],
    ].map(([userId, itemId], t) => ({ userId: userId!, itemId: itemId!, type: 'click' as const, timestamp: t }));
    const data = datasetFromInteractions(rows, catalog);
    const lambda = 0.5;
    const ease = createEaseModel({ regularization: lambda });
    await ease.fit(data);
    // Items in first-seen order: x, y, z. X (users × items):
    const X = new Matrix([[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 0, 0]]);
    const P = inverse(X.transpose().mmul(X).add(Matrix.eye(3).mul(lambda)));
    const expected = (i: number, j: number) => (i === j ? 0 : -P.get(i, j) / P.get(j, j));
    const x = catalog.indexOf('x');
    // Scores of a user who read x are row x of B.
    const scores = ease.score!({ history: Int32Array.from([x]) }, Int32Array.from([x, catalog.indexOf('y'), catalog.indexOf('z')]));
    expect(scores[0]).toBeCloseTo(expected(0, 0), 5);
    expect(scores[1]).toBeCloseTo(expected(0, 1), 5);
    expect(scores[2]).toBeCloseTo(expected(0, 2), 5);
  });

  it('inverts in parallel: the same weights as ml-matrix, bit-identical for 1, 2 or 3 workers', async () => {
    const catalog = new ItemCatalog();
    const rows: { userId: string; itemId: string; type: 'click'; timestamp: number }[] = [];
    let state = 7;
    const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
    for (let u = 0; u < 120; u++) for (let i = 0; i < 40; i++) if (next() < 0.15 + (i % 5) * 0.03) rows.push({ userId: `u${u}`, itemId: `i${i}`, type: 'click', timestamp: rows.length });
    const data = datasetFromInteractions(rows, catalog);
    const n = catalog.size;
    const X = Matrix.zeros(120, n);
    for (const r of rows) X.set(Number(r.userId.slice(1)), catalog.indexOf(r.itemId), 1);
    const P = inverse(X.transpose().mmul(X).add(Matrix.eye(n).mul(8)));
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const weights: Float32Array[] = [];
    for (const workers of [1, 2, 3]) {
      const ease = createEaseModel({ regularization: 8, workers });
      await ease.fit(data);
      const B = new Float32Array(n * n);
      for (let i = 0; i < n; i++) B.set(ease.score!({ history: Int32Array.from([i]) }, all), i * n);
      weights.push(B);
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(weights[0]![i * n + j]).toBeCloseTo(i === j ? 0 : -P.get(i, j) / P.get(j, j), 5);
    expect(Buffer.from(weights[1]!.buffer).equals(Buffer.from(weights[0]!.buffer))).toBe(true);
    expect(Buffer.from(weights[2]!.buffer).equals(Buffer.from(weights[0]!.buffer))).toBe(true);
  });

  it('stops every worker with ABORTED when the signal fires during the inversion', async () => {
    const catalog = new ItemCatalog();
    const rows = [];
    for (let u = 0; u < 50; u++) for (let i = u % 7; i < 1000; i += 7) rows.push({ userId: `u${u}`, itemId: `i${i}`, type: 'click' as const, timestamp: rows.length });
    const data = datasetFromInteractions(rows, catalog);
    const controller = new AbortController();
    const progress: number[] = [];
    const fit = createEaseModel({ workers: 2 }).fit(data, {
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p.done);
        if (p.done >= 64) controller.abort();
      },
    });
    await expect(fit).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'ABORTED'));
    expect(progress.at(-1)).toBeLessThan(1000);
  });

  it('refuses a catalogue too large for memory before allocating, with CAPACITY', async () => {
    const { data } = twoClusters();
    const ease = createEaseModel({ maxBytes: easeMemoryBytes(19) });
    await expect(ease.fit(data)).rejects.toSatisfy(
      (e: unknown) => isMyContentError(e, 'CAPACITY') && /20 items/.test((e as Error).message) && (e as { field: string }).field === 'items',
    );
    expect(easeMemoryBytes(46_000)).toBeGreaterThan(2 * 1024 ** 3);
  });

  it('learns clusters and round-trips', async () => {
    const { data, catalog } = twoClusters();
    const ease = createEaseModel({ regularization: 10 });
    await ease.fit(data);
    const history = historyOf(data, 'a7');
    const seen = new Set(history);
    const top = ease.recommend({ history, k: 3, filter: (i) => !seen.has(i) });
    expect(ids(catalog, top.items).every((id) => id.startsWith('A'))).toBe(true);
    const restored = createEaseModel();
    restored.restore(decodeModelArtifact(encodeModelArtifact(ease.toArtifact())), catalog);
    expect(Array.from(restored.recommend({ history, k: 5 }).scores)).toEqual(Array.from(ease.recommend({ history, k: 5 }).scores));
  });
});

describe('SVD++', () => {
  it('predicts held-out ratings far better than the global mean, within the rating range', async () => {
    const { ratings, items } = generateSyntheticRatings({ users: 300, items: 400, ratings: 20_000, minPerUser: 20, latentDim: 6, genres: 8 }, { seed: 3 });
    const split = splitRandomPerUser(ratings, { ratio: 0.8, seed: 1 });
    const catalog = new ItemCatalog();
    for (const item of items) catalog.upsert(item);
    const train = tableToDataset(ratings, catalog, { rows: split.train });
    const svdpp = createSvdppModel({ epochs: 25 });
    await svdpp.fit(train);
    const errors = evaluateRatings(svdpp, ratings, split.test, catalog);
    let mean = 0;
    for (const r of split.train) mean += ratings.rating[r]!;
    mean /= split.train.length;
    let se = 0;
    for (const r of split.test) se += (ratings.rating[r]! - mean) ** 2;
    const baseline = Math.sqrt(se / split.test.length);
    expect(errors.predictions).toBe(split.test.length);
    expect(errors.rmse).toBeLessThan(baseline * 0.9);
    expect(svdpp.trainingRmse.at(-1)!).toBeLessThan(svdpp.trainingRmse[0]!);
    const predictions = svdpp.predict({ userId: '1', history: new Int32Array(0) }, Int32Array.from({ length: 50 }, (_, i) => i));
    expect(Math.min(...predictions)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...predictions)).toBeLessThanOrEqual(5);
  });

  it('refuses data without ratings', async () => {
    const { data } = twoClusters();
    await expect(createSvdppModel().fit(data)).rejects.toThrow(/needs interactions with a rating value/);
  });

  it('is deterministic and round-trips', async () => {
    const { data, catalog } = twoClusters({ rating: true });
    const a = createSvdppModel({ factors: 4, epochs: 5 });
    const b = createSvdppModel({ factors: 4, epochs: 5 });
    await a.fit(data);
    await b.fit(data);
    const bytes = encodeModelArtifact(a.toArtifact());
    expect(Buffer.from(encodeModelArtifact(b.toArtifact())).equals(Buffer.from(bytes))).toBe(true);
    const restored = createSvdppModel({ factors: 4 });
    restored.restore(decodeModelArtifact(bytes), catalog);
    const items = Int32Array.from([0, 5, 12]);
    expect(Array.from(restored.predict({ userId: 'a1', history: new Int32Array(0) }, items))).toEqual(Array.from(a.predict({ userId: 'a1', history: new Int32Array(0) }, items)));
  });
});
