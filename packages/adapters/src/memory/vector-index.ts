import { MyContentError, TopK, type VectorIndex, type VectorMatch, type VectorMetric } from '@mycontent/core';

/** Name of the exact vector index adapter. */
export const EXACT_VECTOR_INDEX_NAME = 'exact-vector-index';

/** Options of {@link createExactVectorIndex}. */
export interface ExactVectorIndexOptions {
  dimension: number;
  /** @default 'cosine' */
  metric?: VectorMetric;
}

/** Rows scored per block: a block of 250-d float32 rows is 256 KB, it stays in L2 while a tile of queries runs over it. */
const BLOCK = 256;
/** Queries scored together over one block. */
const TILE = 8;

/**
 * Validates a vector (dimension, finite values) and returns a float32 copy, normalised for cosine.
 * Shared by the vector index adapters; throws `INVALID_INPUT` naming `field`.
 */
export function checkVector(vector: Float32Array | readonly number[], dimension: number, metric: VectorMetric, field: string, source: string): Float32Array {
  if (!vector || typeof vector.length !== 'number' || vector.length !== dimension) {
    throw new MyContentError('INVALID_INPUT', `${field} has dimension ${vector?.length}, the index has ${dimension}`, { source, field, value: vector?.length });
  }
  const v = Float32Array.from(vector);
  for (let i = 0; i < dimension; i++) {
    if (!Number.isFinite(v[i]!)) {
      throw new MyContentError('INVALID_INPUT', `${field}[${i}] is ${v[i]}: vectors must be finite`, { source, field: `${field}[${i}]`, value: v[i] });
    }
  }
  if (metric === 'cosine') {
    let norm = 0;
    for (let i = 0; i < dimension; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < dimension; i++) v[i]! /= norm;
  }
  return v;
}

/** Throws `INVALID_INPUT` unless k is a positive integer. */
export function checkK(k: number, source: string): void {
  if (!Number.isInteger(k) || k < 1) throw new MyContentError('INVALID_INPUT', `k must be a positive integer, got ${k}`, { source, field: 'k', value: k });
}

/**
 * An exact nearest-neighbour index: vectors in one `Float32Array`, scanned in blocks with
 * four-accumulator dot products and a bounded top-k heap per query — no allocation per row.
 * `searchBatch` scores a tile of queries against each block while it is in cache, so a batch
 * costs much less per query than single searches. The reference every approximate index is
 * measured against. Cosine vectors are normalised at insertion, so cosine is an inner product.
 *
 * @example
 * ```ts
 * const index = createExactVectorIndex({ dimension: 250 });
 * await index.upsert(['a'], [embedding]);
 * const hits = await index.search(query, 10);
 * ```
 */
export function createExactVectorIndex(options: ExactVectorIndexOptions): VectorIndex {
  const dim = options.dimension;
  if (!Number.isInteger(dim) || dim < 1) {
    throw new MyContentError('INVALID_CONFIG', `dimension must be a positive integer, got ${dim}`, { source: EXACT_VECTOR_INDEX_NAME, field: 'dimension', value: dim });
  }
  const metric = options.metric ?? 'cosine';
  let data = new Float32Array(dim * 64);
  const ids: string[] = [];
  const slot = new Map<string, number>();
  const heaps: TopK[] = [];
  const d4 = dim - (dim % 4);

  /** Similarity of row `s` and query `q` (higher is closer; −squared distance for L2). */
  const score = (s: number, q: Float32Array): number => {
    const o = s * dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, a = 0;
    if (metric === 'l2') {
      for (; a < d4; a += 4) {
        const e0 = data[o + a]! - q[a]!, e1 = data[o + a + 1]! - q[a + 1]!, e2 = data[o + a + 2]! - q[a + 2]!, e3 = data[o + a + 3]! - q[a + 3]!;
        s0 += e0 * e0; s1 += e1 * e1; s2 += e2 * e2; s3 += e3 * e3;
      }
      for (; a < dim; a++) { const e = data[o + a]! - q[a]!; s0 += e * e; }
      return -(s0 + s1 + s2 + s3);
    }
    for (; a < d4; a += 4) {
      s0 += data[o + a]! * q[a]!;
      s1 += data[o + a + 1]! * q[a + 1]!;
      s2 += data[o + a + 2]! * q[a + 2]!;
      s3 += data[o + a + 3]! * q[a + 3]!;
    }
    for (; a < dim; a++) s0 += data[o + a]! * q[a]!;
    return s0 + s1 + s2 + s3;
  };

  function run(queries: Float32Array[], k: number, filter: ((id: string) => boolean) | undefined): VectorMatch[][] {
    const count = ids.length;
    while (heaps.length < queries.length) heaps.push(new TopK(k));
    for (let t = 0; t < queries.length; t++) heaps[t]!.reset(Math.min(k, Math.max(1, count)));
    for (let tile = 0; tile < queries.length; tile += TILE) {
      const tileEnd = Math.min(queries.length, tile + TILE);
      for (let block = 0; block < count; block += BLOCK) {
        const blockEnd = Math.min(count, block + BLOCK);
        for (let t = tile; t < tileEnd; t++) {
          const q = queries[t]!;
          const heap = heaps[t]!;
          for (let s = block; s < blockEnd; s++) {
            const value = score(s, q);
            if (value >= heap.threshold && (!filter || filter(ids[s]!))) heap.push(s, value);
          }
        }
      }
    }
    return queries.map((_, t) => {
      const { items, scores } = heaps[t]!.drain();
      const out: VectorMatch[] = new Array(items.length);
      for (let i = 0; i < items.length; i++) out[i] = { id: ids[items[i]!]!, score: metric === 'l2' ? -Math.sqrt(-scores[i]!) : scores[i]! };
      return out;
    });
  }

  return {
    name: EXACT_VECTOR_INDEX_NAME,
    dimension: dim,
    metric,
    capabilities: { approximate: false, persistent: false },
    async upsert(newIds, vectors) {
      if (newIds.length !== vectors.length) {
        throw new MyContentError('INVALID_INPUT', `${newIds.length} ids but ${vectors.length} vectors`, { source: EXACT_VECTOR_INDEX_NAME, field: 'vectors', value: vectors.length });
      }
      const checked = vectors.map((v, i) => checkVector(v, dim, metric, `vectors[${i}]`, EXACT_VECTOR_INDEX_NAME)); // all or nothing
      for (let i = 0; i < newIds.length; i++) {
        const id = newIds[i]!;
        let s = slot.get(id);
        if (s === undefined) {
          s = ids.length;
          ids.push(id);
          slot.set(id, s);
          if ((s + 1) * dim > data.length) {
            const next = new Float32Array(Math.max(data.length * 2, (s + 1) * dim));
            next.set(data);
            data = next;
          }
        }
        data.set(checked[i]!, s * dim);
      }
    },
    async remove(removeIds) {
      for (const id of removeIds) {
        const s = slot.get(id);
        if (s === undefined) continue;
        const last = ids.length - 1;
        if (s !== last) {
          data.copyWithin(s * dim, last * dim, (last + 1) * dim);
          ids[s] = ids[last]!;
          slot.set(ids[s]!, s);
        }
        ids.pop();
        slot.delete(id);
      }
    },
    async search(query, k, searchOptions = {}) {
      checkK(k, EXACT_VECTOR_INDEX_NAME);
      return run([checkVector(query, dim, metric, 'query', EXACT_VECTOR_INDEX_NAME)], k, searchOptions.filter)[0]!;
    },
    async searchBatch(queries, k, searchOptions = {}) {
      checkK(k, EXACT_VECTOR_INDEX_NAME);
      const checked = queries.map((q, i) => checkVector(q, dim, metric, `queries[${i}]`, EXACT_VECTOR_INDEX_NAME));
      return run(checked, k, searchOptions.filter);
    },
    get(id) {
      const s = slot.get(id);
      return s === undefined ? undefined : data.slice(s * dim, (s + 1) * dim);
    },
    size: () => ids.length,
  };
}
