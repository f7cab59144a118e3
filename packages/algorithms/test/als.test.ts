import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  ItemCatalog,
  datasetFromInteractions,
  decodeModelArtifact,
  encodeModelArtifact,
  isMyContentError,
  type Interaction,
} from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createAlsModel } from '@mycontent/algorithms';
import { alsLayout } from '../src/als/als';
import { generatedPath, generatedSource, watFiles } from '../../../scripts/build-wasm.mjs';
import { historyOf, ids, twoClusters } from './fixtures';

const small = { factors: 8, iterations: 10, regularization: 5, alpha: 4 };

describe('implicit ALS', () => {
  it('recommends a user the unseen items of their taste cluster', async () => {
    const { data, catalog } = twoClusters();
    const als = createAlsModel(small);
    await als.fit(data);
    const history = historyOf(data, 'a3');
    const seen = new Set(history);
    const top = als.recommend({ userId: 'a3', history, k: 4, filter: (i) => !seen.has(i) });
    expect(ids(catalog, top.items).every((id) => id.startsWith('A'))).toBe(true);
  });

  it('is deterministic for a seed, whatever the number of worker threads', async () => {
    const { data } = twoClusters();
    const one = createAlsModel({ ...small, workers: 1 });
    const two = createAlsModel({ ...small, workers: 2 });
    await one.fit(data);
    await two.fit(data);
    expect(Buffer.from(encodeModelArtifact(two.toArtifact())).equals(Buffer.from(encodeModelArtifact(one.toArtifact())))).toBe(true);
    const other = createAlsModel({ ...small, seed: 7 });
    await other.fit(data);
    expect(Array.from(other.userVector({ userId: 'a0', history: new Int32Array(0) }))).not.toEqual(
      Array.from(one.userVector({ userId: 'a0', history: new Int32Array(0) })),
    );
  });

  it('folds in a new user from their interactions, close to what training learned', async () => {
    const { data, catalog } = twoClusters();
    const als = createAlsModel({ ...small, iterations: 15, cgSteps: 6 });
    await als.fit(data);
    const history = historyOf(data, 'b5');
    const trained = als.userVector({ userId: 'b5', history });
    const folded = als.userVector({ userId: 'somebody-new', history });
    let dot = 0, na = 0, nb = 0;
    for (let a = 0; a < trained.length; a++) {
      dot += trained[a]! * folded[a]!;
      na += trained[a]! ** 2;
      nb += folded[a]! ** 2;
    }
    expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.99);
    const seen = new Set(history);
    const top = als.recommend({ userId: 'somebody-new', history, k: 3, filter: (i) => !seen.has(i) });
    expect(ids(catalog, top.items).every((id) => id.startsWith('B'))).toBe(true);
  });

  it('folds a known user in again once it observes their new interactions', async () => {
    const { data, catalog } = twoClusters();
    const als = createAlsModel(small);
    await als.fit(data);
    // a3 liked cluster A; now their history is all cluster B.
    const bItems = Array.from({ length: catalog.size }, (_, i) => i).filter((i) => catalog.idAt(i).startsWith('B'));
    const history = Int32Array.from(bItems.slice(0, 6));
    const before = ids(catalog, als.recommend({ userId: 'a3', history, k: 3 }).items);
    expect(before.every((id) => id.startsWith('A'))).toBe(true); // trained vector, history ignored
    for (const item of history) als.observe!({ userId: 'a3', item, weight: 1, timestamp: 0 });
    const after = ids(catalog, als.recommend({ userId: 'a3', history, k: 3 }).items);
    expect(after.every((id) => id.startsWith('B'))).toBe(true);
    expect(als.capabilities.online).toBe(true);
    await als.fit(data); // retraining takes the trained vector back
    expect(ids(catalog, als.recommend({ userId: 'a3', history, k: 3 }).items).every((id) => id.startsWith('A'))).toBe(true);
  });

  it('round-trips through an artifact exactly', async () => {
    const { data, catalog } = twoClusters();
    const als = createAlsModel(small);
    await als.fit(data);
    const restored = createAlsModel(small);
    const other = new ItemCatalog();
    for (const id of [...catalog.idList()].reverse()) other.upsert({ id, createdAt: 0 });
    restored.restore(decodeModelArtifact(encodeModelArtifact(als.toArtifact())), other);
    const history = historyOf(data, 'a1');
    const before = als.recommend({ userId: 'a1', history, k: 20 });
    const after = restored.recommend({ userId: 'a1', history: Int32Array.from(history, (i) => other.indexOf(catalog.idAt(i))), k: 20 });
    expect(ids(other, after.items)).toEqual(ids(catalog, before.items));
    expect(Array.from(after.scores)).toEqual(Array.from(before.scores));
  });

  it('stops early and reports progress; aborts with ABORTED', async () => {
    const { data } = twoClusters();
    const progress: number[] = [];
    const als = createAlsModel({ ...small, onIteration: (it) => it < 3 });
    await als.fit(data, { onProgress: (p) => progress.push(p.done) });
    expect(progress).toEqual([1, 2, 3]);
    const controller = new AbortController();
    controller.abort();
    await expect(createAlsModel(small).fit(data, { signal: controller.signal })).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'ABORTED'));
  });

  it('solves every row: at convergence each trained user vector is the exact solve against the item factors', async () => {
    // Rows from 1 to 30 interactions, so that short rows take the exact (Woodbury) path and long
    // ones conjugate gradient; factor counts that are not multiples of 8 exercise the padding.
    const rng = createRandom(5);
    const catalog = new ItemCatalog();
    for (let i = 0; i < 40; i++) catalog.upsert({ id: `i${i}`, createdAt: 0 });
    const rows: Interaction[] = [];
    const types = ['click', 'read', 'like', 'share'] as const; // different weights
    for (let u = 0; u < 60; u++) {
      const picked = new Set<number>();
      const n = 1 + (u % 30);
      while (picked.size < n) picked.add(rng.int(40));
      for (const i of picked) rows.push({ userId: `u${u}`, itemId: `i${i}`, type: types[rng.int(types.length)]!, timestamp: rows.length });
    }
    const data = datasetFromInteractions(rows, catalog);
    for (const factors of [5, 12]) {
      const als = createAlsModel({ factors, iterations: 60, cgSteps: 12, regularization: 2, alpha: 4 });
      await als.fit(data);
      for (let u = 0; u < 60; u++) {
        const mine = Array.from({ length: data.length }, (_, r) => r).filter((r) => data.user[r] === data.userIndex.get(`u${u}`));
        const history = Int32Array.from(mine, (r) => data.item[r]!);
        const weights = Float32Array.from(mine, (r) => data.weight[r]!);
        const trained = als.userVector({ userId: `u${u}`, history });
        const exact = als.userVector({ userId: 'new', history, historyWeights: weights });
        expect(trained.length).toBe(factors);
        let diff = 0, norm = 0;
        for (let a = 0; a < factors; a++) {
          diff += (trained[a]! - exact[a]!) ** 2;
          norm += exact[a]! ** 2;
        }
        expect(Math.sqrt(diff / norm)).toBeLessThan(0.01);
      }
    }
  });

  it('refuses, naming the need, a problem over the 4 GiB a WebAssembly memory holds', () => {
    expect(() => alsLayout(1024, 1_100_000, 1000, 1000, 0, 16, 0)).toThrow(/ALS needs 4\.3 GiB .* 1100000 users × 1000 items at 1024 factors/);
    expect(alsLayout(64, 322_897, 46_934, 2_988_360, 46_934, 16, 17).bytes).toBeLessThan(300 * 2 ** 20);
  });

  it('runs the kernels compiled from their WebAssembly text (npm run wasm is up to date)', async () => {
    const files = watFiles();
    expect(files.some((file) => file.endsWith('als-kernels.wat'))).toBe(true);
    for (const file of files) expect(readFileSync(generatedPath(file), 'utf8')).toBe(await generatedSource(file));
  });

  it('rejects bad options and use before training', () => {
    expect(() => createAlsModel({ factors: 0 })).toThrow(/factors must be an integer/);
    expect(() => createAlsModel({ alpha: -1 })).toThrow(/alpha must be positive/);
    expect(() => createAlsModel().recommend({ history: new Int32Array(0), k: 3 })).toThrow(/not trained/);
  });
});

describe('factor scoring', () => {
  it('returns exactly the brute-force top k (the norm-bound early exit loses nothing)', async () => {
    const { data, catalog } = twoClusters({ users: 60, seed: 9 });
    const als = createAlsModel({ factors: 6, iterations: 5, regularization: 0.5, alpha: 2 });
    await als.fit(data);
    const artifact = als.toArtifact();
    const itemIds = artifact.state.itemIds as string[];
    const Y = artifact.arrays.itemFactors as Float32Array;
    for (const userId of ['a0', 'a9', 'b3', 'b40']) {
      const x = als.userVector({ userId, history: new Int32Array(0) });
      const brute = itemIds
        .map((id, j) => ({ id, s: Math.fround(x.reduce((acc, v, a) => acc + v * Y[j * 6 + a]!, 0)) }))
        .sort((p, q) => q.s - p.s);
      const top = als.recommend({ userId, history: new Int32Array(0), k: 7 });
      expect(ids(catalog, top.items)).toEqual(brute.slice(0, 7).map((b) => b.id));
      Array.from(top.scores).forEach((s, i) => expect(s).toBeCloseTo(brute[i]!.s, 4));
    }
  });
});
