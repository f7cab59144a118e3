import { describe, expect, it } from 'vitest';
import { encodeModelArtifact } from '@mycontent/core';
import { createGru4RecModel } from '@mycontent/algorithms';
import { gru4recKernel } from '../src/neural/gru4rec';
import { neuralLayers } from '../src/neural/layers';
import { expectInvalidOptions, expectTrainsInWorker, ids, orderWorld, sessionQuery as session } from './fixtures';

const MIN = 60_000;
const options = { hidden: 24, negatives: 8, batchSize: 8, epochs: 8, learningRate: 0.02, seed: 5, onlineLearningRate: 0 };

describe('GRU4Rec', () => {
  for (const loss of ['cross-entropy', 'bpr-max'] as const) {
    it(`learns from more than the last click (${loss}): after x, a comes b; after y, a comes c`, async () => {
      const { catalog, data } = orderWorld();
      const model = createGru4RecModel({ ...options, loss });
      await model.fit(data);
      expect(model.losses).toHaveLength(8);
      expect(model.losses[7]!).toBeLessThan(model.losses[0]! * 0.7);
      expect(ids(catalog, model.recommend(session(catalog, 'x', 'a')).items)[0]).toBe('b');
      expect(ids(catalog, model.recommend(session(catalog, 'y', 'a')).items)[0]).toBe('c');
      for (let i = 1; i < 6; i++) expect(ids(catalog, model.recommend(session(catalog, `p${i - 1}`, `p${i}`)).items)[0]).toBe(`p${i + 1}`);
    });
  }

  it('is reproducible: the same seed gives the same bytes, another seed another model', async () => {
    const { data } = orderWorld();
    const fit = async (seed: number) => {
      const model = createGru4RecModel({ ...options, epochs: 2, seed });
      await model.fit(data);
      return encodeModelArtifact(model.toArtifact());
    };
    const [one, two, other] = [await fit(1), await fit(1), await fit(2)];
    expect(Buffer.from(two).equals(Buffer.from(one))).toBe(true);
    expect(Buffer.from(other).equals(Buffer.from(one))).toBe(false);
  });

  it('trains in a worker thread: the host keeps its timers, reports progress, and an abort leaves it untrained', async () => {
    await expectTrainsInWorker(() => createGru4RecModel({ hidden: 48, negatives: 128, epochs: 2, seed: 1 }));
  });

  it('stops with DIVERGED naming the step when a loss is not finite', () => {
    const nn = neuralLayers();
    const [N, E, H, B, S] = [4, 2, 2, 1, 1];
    const buffers: Record<string, SharedArrayBuffer> = {};
    const sizes: Record<string, number> = { input: N * E, Wx: E * 3 * H, Wh: H * 3 * H, bx: 3 * H, bh: 3 * H, output: N * H, outputBias: N };
    for (const [name, size] of Object.entries(sizes)) for (const suffix of ['', '.g', '.m', '.v']) buffers[name + suffix] = new SharedArrayBuffer(size * 4);
    const shared = (array: Int32Array | Float64Array | Float32Array) => {
      const buffer = new SharedArrayBuffer(array.byteLength);
      new (array.constructor as Int32ArrayConstructor)(buffer).set(array as Int32Array);
      return buffer;
    };
    buffers.start = shared(Int32Array.of(0, 3));
    buffers.items = shared(Int32Array.of(0, 1, 2));
    buffers.cumulative = shared(Float64Array.of(1, 2, 3, 3));
    buffers.hidden = new SharedArrayBuffer(B * H * 4);
    buffers.lanes = shared(Int32Array.of(0, 0, 1, 0, 7));
    new Float32Array(buffers.output!)[2] = Number.NaN; // the target's output row
    const task = { kind: 'train' as const, buffers, N, E, H, B, S, sessions: 1, loss: 'cross-entropy' as const, lambda: 0, learningRate: 0.01, seed: 1, steps: 5 };
    expect(gru4recKernel(task, () => {}, nn)).toMatchObject({ diverged: 0, examples: 0 });
  });

  it('reads at most maxLength last clicks; an empty or unknown session gets no answer (the fallback answers)', async () => {
    const { catalog, data } = orderWorld();
    const model = createGru4RecModel({ ...options, epochs: 1, maxLength: 2 });
    await model.fit(data);
    const long = model.recommend(session(catalog, 'p0', 'p1', 'x', 'a'));
    expect(long).toEqual(model.recommend(session(catalog, 'x', 'a')));
    expect(model.recommend({ history: new Int32Array(0), session: new Int32Array(0), k: 5 }).items.length).toBe(0);
    const stranger = catalog.upsert({ id: 'never-clicked', category: 'news', createdAt: 0 });
    expect(model.recommend({ history: new Int32Array(0), session: Int32Array.of(stranger), k: 5 }).items.length).toBe(0);
  });

  it('refuses options out of range with INVALID_CONFIG naming the option', () => {
    expectInvalidOptions(
      (options) => createGru4RecModel(options),
      [
        ['hidden', 0],
        ['batchSize', 2.5],
        ['negatives', -1],
        ['sampleAlpha', 2],
        ['loss', 'hinge'],
        ['learningRate', 0],
        ['maxLength', 0],
      ],
    );
  });

  it('gives a new article a row on its first click and learns where it is read, without a refit', async () => {
    const { catalog, data } = orderWorld();
    const model = createGru4RecModel({ ...options, onlineLearningRate: 0.1 });
    await model.fit(data);
    const fresh = catalog.upsert({ id: 'breaking', category: 'news', createdAt: 0 });
    const rowsBefore = model.items;
    let t = data.timestamp[data.length - 1]! + MIN;
    for (let r = 0; r < 30; r++) {
      model.observe!({ userId: `r${r}`, sessionId: `live${r}`, item: catalog.indexOf('p7'), weight: 1, timestamp: (t += 1000) });
      model.observe!({ userId: `r${r}`, sessionId: `live${r}`, item: fresh, weight: 1, timestamp: (t += 1000) });
    }
    expect(model.items).toBeGreaterThanOrEqual(Math.max(rowsBefore, fresh + 1));
    expect(ids(catalog, model.recommend(session(catalog, 'p7')).items)[0]).toBe('breaking');
    // Its own input embedding was learnt too: a session ending on it is answered.
    expect(model.recommend(session(catalog, 'breaking')).items.length).toBeGreaterThan(0);
  });
});
