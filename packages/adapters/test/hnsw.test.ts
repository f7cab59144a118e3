import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMyContentError } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createExactVectorIndex } from '@mycontent/adapters/memory';
import { createHnswVectorIndex } from '@mycontent/adapters/hnsw';
import { describeVectorIndexConformance } from '@mycontent/adapters/testing';

describeVectorIndexConformance('hnsw', (dimension, metric) => createHnswVectorIndex({ dimension, metric }));

/** Clustered vectors like article embeddings: 40 centroids plus noise. */
function clustered(n: number, dim: number, seed: number): { ids: string[]; data: Float32Array; cluster: Int32Array } {
  const rng = createRandom(seed);
  const centroids = Float32Array.from({ length: 40 * dim }, () => rng.normal());
  const data = new Float32Array(n * dim);
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(40);
    cluster[i] = c;
    for (let d = 0; d < dim; d++) data[i * dim + d] = centroids[c * dim + d]! + 0.8 * rng.normal();
  }
  return { ids: Array.from({ length: n }, (_, i) => `a${i}`), data, cluster };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mycontent-hnsw-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('HNSW index', () => {
  const dim = 32;
  const { ids, data, cluster } = clustered(4000, dim, 5);

  it('builds in a worker with progress, and matches the exact index with recall@10 >= 0.95', async () => {
    const hnsw = createHnswVectorIndex({ dimension: dim, efSearch: 64 });
    const progress: number[] = [];
    await hnsw.build(ids, data, { onProgress: (p) => progress.push(p.done) });
    expect(hnsw.size()).toBe(4000);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(4000);
    const exact = createExactVectorIndex({ dimension: dim });
    await exact.upsert(ids, ids.map((_, i) => data.subarray(i * dim, (i + 1) * dim)));
    const rng = createRandom(1);
    let found = 0;
    for (let q = 0; q < 100; q++) {
      const query = data.slice(rng.int(4000) * dim).subarray(0, dim).map((v) => v + 0.1 * rng.normal());
      const truth = new Set((await exact.search(query, 10)).map((h) => h.id));
      for (const h of await hnsw.search(query, 10)) if (truth.has(h.id)) found++;
    }
    expect(found / 1000).toBeGreaterThanOrEqual(0.95);
  });

  it('returns k results under a selective filter (1% of the items)', async () => {
    const hnsw = createHnswVectorIndex({ dimension: dim });
    await hnsw.build(ids, data);
    const allowed = new Set(ids.filter((_, i) => i % 100 === 7));
    const hits = await hnsw.search(data.subarray(0, dim), 10, { filter: (id) => allowed.has(id) });
    expect(hits).toHaveLength(10);
    expect(hits.every((h) => allowed.has(h.id))).toBe(true);
    const exact = createExactVectorIndex({ dimension: dim });
    await exact.upsert(ids, ids.map((_, i) => data.subarray(i * dim, (i + 1) * dim)));
    expect(hits.map((h) => h.id)).toEqual((await exact.search(data.subarray(0, dim), 10, { filter: (id) => allowed.has(id) })).map((h) => h.id));
  });

  it('adds, replaces and deletes after a build; a new item is found at once', async () => {
    const hnsw = createHnswVectorIndex({ dimension: dim });
    await hnsw.build(ids.slice(0, 500), data.subarray(0, 500 * dim));
    const fresh = Float32Array.from({ length: dim }, (_, d) => (d === 3 ? 50 : 0));
    await hnsw.upsert(['breaking-news'], [fresh]);
    expect((await hnsw.search(fresh, 1))[0]!.id).toBe('breaking-news');
    await hnsw.upsert(['a1'], [fresh.map((v) => -v)]);
    expect((await hnsw.search(fresh.map((v) => -v), 1))[0]!.id).toBe('a1');
    await hnsw.remove(['breaking-news']);
    expect((await hnsw.search(fresh, 5)).map((h) => h.id)).not.toContain('breaking-news');
    expect(hnsw.size()).toBe(500);
  });

  it('saves and loads, answering the same; refuses corrupted files, other dimensions and stays usable', async () => {
    const hnsw = createHnswVectorIndex({ dimension: dim });
    await hnsw.build(ids.slice(0, 800), data.subarray(0, 800 * dim));
    await hnsw.remove(['a5']);
    const path = join(dir, 'index.bin');
    await hnsw.save(path);
    const loaded = createHnswVectorIndex({ dimension: dim });
    await loaded.load(path);
    expect(loaded.size()).toBe(799);
    const q = data.subarray(10 * dim, 11 * dim);
    expect((await loaded.search(q, 5)).map((h) => h.id)).toEqual((await hnsw.search(q, 5)).map((h) => h.id));
    // Corrupt one byte: refused before the native reader sees it.
    const bytes = await readFile(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(path, bytes);
    const victim = createHnswVectorIndex({ dimension: dim });
    await victim.upsert(['keep'], [q]);
    await expect(victim.load(path)).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'FORMAT') && /checksum/.test((e as Error).message));
    expect((await victim.search(q, 1))[0]!.id).toBe('keep');
    await expect(createHnswVectorIndex({ dimension: dim + 1 }).load(path)).rejects.toThrow(/dimension 32, this index 33/);
    await expect(victim.load(join(dir, 'nope.bin'))).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'NOT_FOUND'));
  });

  it('keeps clusters together (a sanity check of the graph)', async () => {
    const hnsw = createHnswVectorIndex({ dimension: dim });
    await hnsw.build(ids.slice(0, 1000), data.subarray(0, 1000 * dim));
    const hits = await hnsw.search(data.subarray(0, dim), 5);
    expect(hits.filter((h) => cluster[Number(h.id.slice(1))] === cluster[0]).length).toBeGreaterThanOrEqual(4);
  });
});
