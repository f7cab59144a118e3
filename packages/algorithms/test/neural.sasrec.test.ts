import { describe, expect, it } from 'vitest';
import { ItemCatalog, decodeModelArtifact, encodeModelArtifact } from '@mycontent/core';
import { createSasRecModel } from '@mycontent/algorithms';
import { sasrecKernel } from '../src/neural/sasrec';
import { neuralLayers } from '../src/neural/layers';
import { transformerNetwork } from '../src/neural/transformer';
import { expectInvalidOptions, expectTrainsInWorker, ids, orderWorld, sessionQuery as session } from './fixtures';

const MIN = 60_000;
const options = { dimensions: 16, heads: 2, negatives: 8, batchSize: 8, epochs: 10, learningRate: 0.01, seed: 5, onlineLearningRate: 0 };

describe('SASRec', () => {
  it('learns from more than the last click: after x, a comes b; after y, a comes c', async () => {
    const { catalog, data } = orderWorld();
    const model = createSasRecModel(options);
    await model.fit(data);
    expect(model.losses).toHaveLength(10);
    expect(model.losses[9]!).toBeLessThan(model.losses[0]! * 0.5);
    expect(ids(catalog, model.recommend(session(catalog, 'x', 'a')).items)[0]).toBe('b');
    expect(ids(catalog, model.recommend(session(catalog, 'y', 'a')).items)[0]).toBe('c');
    for (let i = 1; i < 6; i++) expect(ids(catalog, model.recommend(session(catalog, `p${i - 1}`, `p${i}`)).items)[0]).toBe(`p${i + 1}`);
  });

  it('is reproducible: the same seed gives the same bytes, another seed another model; an artifact restores the same answers', async () => {
    const { catalog, data } = orderWorld();
    const fit = async (seed: number) => {
      const model = createSasRecModel({ ...options, epochs: 2, seed });
      await model.fit(data);
      return model;
    };
    const [one, two, other] = [await fit(1), await fit(1), await fit(2)];
    const bytes = encodeModelArtifact(one.toArtifact());
    expect(Buffer.from(encodeModelArtifact(two.toArtifact())).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(encodeModelArtifact(other.toArtifact())).equals(Buffer.from(bytes))).toBe(false);
    // Restored into a catalogue that lists the same articles in another order.
    const shuffled = new ItemCatalog();
    for (const id of [...catalog.idList()].reverse()) shuffled.upsert({ id, category: 'news', createdAt: 0 });
    const restored = createSasRecModel({ ...options, epochs: 2, seed: 1 });
    restored.restore(decodeModelArtifact(bytes), shuffled);
    const query = session(catalog, 'y', 'a');
    const answer = one.recommend(query);
    const again = restored.recommend({ ...query, session: Int32Array.from(query.session, (i) => shuffled.indexOf(catalog.idAt(i))) });
    expect(ids(shuffled, again.items)).toEqual(ids(catalog, answer.items));
    expect(Array.from(again.scores)).toEqual(Array.from(answer.scores));
    expect(() => createSasRecModel({ ...options, blocks: 1 }).restore(decodeModelArtifact(bytes), catalog)).toThrow(expect.objectContaining({ code: 'FORMAT' }));
  });

  it('trains in a worker thread: the host keeps its timers, reports progress, and an abort leaves it untrained', async () => {
    await expectTrainsInWorker(() => createSasRecModel({ dimensions: 32, negatives: 128, epochs: 2, seed: 1 }));
  });

  it('stops with DIVERGED naming the step when a loss is not finite', () => {
    const net = transformerNetwork(neuralLayers());
    const [N, D, T, blocks, B, S] = [4, 2, 3, 1, 1, 1];
    const buffers: Record<string, SharedArrayBuffer> = {};
    for (const [name, [rows, width]] of Object.entries(net.parameterShapes(N, D, T, blocks))) {
      for (const suffix of ['', '.g', '.m', '.v']) buffers[name + suffix] = new SharedArrayBuffer(rows * width * 4);
    }
    const shared = (array: Int32Array | Float64Array) => {
      const buffer = new SharedArrayBuffer(array.byteLength);
      new (array.constructor as Int32ArrayConstructor)(buffer).set(array as Int32Array);
      return buffer;
    };
    buffers.start = shared(Int32Array.of(0, 3));
    buffers.items = shared(Int32Array.of(0, 1, 2));
    buffers.cumulative = shared(Float64Array.of(1, 2, 3, 3));
    buffers.state = shared(Int32Array.of(0, 0, 7));
    new Float32Array(buffers.itemBias!)[2] = Number.NaN; // a target's bias
    const task = { kind: 'train' as const, buffers, N, D, heads: 1, blocks, T, B, S, sessions: 1, learningRate: 0.01, seed: 1, steps: 5 };
    expect(sasrecKernel(task, () => {}, net)).toMatchObject({ diverged: 0, examples: 0 });
  });

  it('reads at most maxLength last clicks; an empty or unknown session gets no answer (the fallback answers)', async () => {
    const { catalog, data } = orderWorld();
    const model = createSasRecModel({ ...options, epochs: 1, maxLength: 2 });
    await model.fit(data);
    expect(model.recommend(session(catalog, 'p0', 'p1', 'x', 'a'))).toEqual(model.recommend(session(catalog, 'x', 'a')));
    expect(model.recommend({ history: new Int32Array(0), session: new Int32Array(0), k: 5 }).items.length).toBe(0);
    const stranger = catalog.upsert({ id: 'never-clicked', category: 'news', createdAt: 0 });
    expect(model.recommend({ history: new Int32Array(0), session: Int32Array.of(stranger), k: 5 }).items.length).toBe(0);
    expect(model.score!(session(catalog, 'x', 'a'), Int32Array.of(stranger))[0]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('refuses options out of range with INVALID_CONFIG naming the option', () => {
    expectInvalidOptions(
      (options) => createSasRecModel(options),
      [
        ['dimensions', 0],
        ['heads', 3],
        ['blocks', 0],
        ['batchSize', 2.5],
        ['negatives', -1],
        ['sampleAlpha', 2],
        ['learningRate', 0],
        ['maxLength', 0],
      ],
    );
  });

  it('gives a new article a row on its first click and learns where it is read, without a refit', async () => {
    const { catalog, data } = orderWorld();
    const model = createSasRecModel({ ...options, onlineLearningRate: 0.1 });
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
    expect(model.recommend(session(catalog, 'breaking')).items.length).toBeGreaterThan(0);
  });
});
