import { describe, expect, it } from 'vitest';
import { encodeModelArtifact } from '@mycontent/core';
import { createNcfModel } from '@mycontent/algorithms';
import { ncfKernel } from '../src/neural/ncf';
import { neuralLayers } from '../src/neural/layers';
import { historyOf, twoClusters, expectInvalidOptions } from './fixtures';

const options = { gmfFactors: 8, mlpFactors: 8, layers: [16, 8], epochs: 30, batchSize: 32, learningRate: 0.01, seed: 4 };

describe('NCF (NeuMF)', () => {
  it('learns the taste clusters: unread items of the reader’s own cluster come first', async () => {
    const { data, catalog } = twoClusters({ users: 30, seed: 2 });
    const model = createNcfModel(options);
    await model.fit(data);
    expect(model.losses[model.losses.length - 1]!).toBeLessThan(model.losses[0]! * 0.6);
    let inCluster = 0;
    let total = 0;
    for (const side of ['a', 'b']) {
      for (let u = 0; u < 30; u++) {
        const userId = `${side}${u}`;
        const seen = new Set(historyOf(data, userId));
        const result = model.recommend({ userId, history: new Int32Array(0), k: 3, filter: (i) => !seen.has(i) });
        for (const item of result.items) {
          total++;
          if (catalog.idAt(item).startsWith(side.toUpperCase())) inCluster++;
        }
      }
    }
    expect(total).toBe(180);
    expect(inCluster / total).toBeGreaterThan(0.9);
    // A user it never saw gets no answer: the engine's fallback answers.
    expect(model.recommend({ userId: 'stranger', history: Int32Array.of(0), k: 5 }).items.length).toBe(0);
  });

  it('is reproducible: the same seed gives the same bytes, another seed another model', async () => {
    const { data } = twoClusters({ users: 10 });
    const fit = async (seed: number) => {
      const model = createNcfModel({ ...options, epochs: 2, seed });
      await model.fit(data);
      return Buffer.from(encodeModelArtifact(model.toArtifact()));
    };
    const [one, two, other] = [await fit(1), await fit(1), await fit(2)];
    expect(two.equals(one)).toBe(true);
    expect(other.equals(one)).toBe(false);
  });

  it('scores given items as recommend ranks them', async () => {
    const { data } = twoClusters({ users: 10 });
    const model = createNcfModel({ ...options, epochs: 5 });
    await model.fit(data);
    const top = model.recommend({ userId: 'a1', history: new Int32Array(0), k: 20 });
    const scores = model.score!({ userId: 'a1', history: new Int32Array(0) }, top.items);
    expect(Array.from(scores)).toEqual(Array.from(top.scores));
  });

  it('stops with DIVERGED when a loss is not finite', () => {
    const nn = neuralLayers();
    const [U, N, dg, dm] = [1, 3, 2, 2];
    const layers = [2];
    const shapes: Record<string, [number, number]> = { userGmf: [U, dg], itemGmf: [N, dg], userMlp: [U, dm], itemMlp: [N, dm], W0: [2 * dm, 2], b0: [1, 2], out: [dg + 2, 1], outBias: [1, 1] };
    const buffers: Record<string, SharedArrayBuffer> = {};
    for (const [name, [r, w]] of Object.entries(shapes)) for (const suffix of ['', '.g', '.m', '.v']) buffers[name + suffix] = new SharedArrayBuffer(r * w * 4);
    const ints = (...values: number[]) => {
      const buffer = new SharedArrayBuffer(values.length * 4);
      new Int32Array(buffer).set(values);
      return buffer;
    };
    Object.assign(buffers, { indptr: ints(0, 1), indices: ints(1), rowUser: ints(0), order: ints(0), counters: ints(0, 9) });
    new Float32Array(buffers.outBias!)[0] = Number.NaN;
    const task = { kind: 'train' as const, buffers, shapes, U, N, dg, dm, layers, negatives: 1, batchSize: 1, learningRate: 0.01, weightDecay: 0, seed: 1, from: 0, to: 1 };
    expect(ncfKernel(task, () => {}, nn)).toMatchObject({ diverged: 0, examples: 0 });
  });

  it('refuses options out of range with INVALID_CONFIG naming the option', () => {
    expectInvalidOptions(
      (options) => createNcfModel(options),
      [
        ['gmfFactors', 0],
        ['layers', [16, -1]],
        ['negatives', 1.5],
        ['learningRate', 2],
        ['weightDecay', -0.1],
      ],
    );
  });
});
