import { MyContentError, type VectorIndex, type VectorMatch, type VectorMetric } from '@mycontent/core';
import { TopK } from '@mycontent/core/internal';
import { createSimdDots } from './simd';

/** Name of the exact vector index adapter. */
export const EXACT_VECTOR_INDEX_NAME = 'exact-vector-index';

/** Options of {@link createExactVectorIndex}. */
export interface ExactVectorIndexOptions {
  dimension: number;
  /** @default 'cosine' */
  metric?: VectorMetric;
  /** Use the WebAssembly SIMD kernels where available (cosine and inner product). @default true */
  simd?: boolean;
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
 * An exact nearest-neighbour index. For cosine and inner product the vectors live in WebAssembly
 * memory and are scored by f32x4 SIMD kernels (one query, or four queries per row load in
 * `searchBatch`), then a bounded top-k heap per query picks the best; elsewhere (L2, or no SIMD)
 * a plain scan over cache-sized blocks does the same. No allocation per row. The reference every approximate index is
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
  // Rows live in WebAssembly memory, padded with zeros to a multiple of 8 floats, when SIMD is
  // available (inner product and cosine); otherwise in a plain Float32Array.
  const simd = metric === 'l2' || options.simd === false ? undefined : createSimdDots();
  const stride = simd ? Math.ceil(dim / 8) * 8 : dim;
  const ids: string[] = [];
  const slot = new Map<string, number>();
  const heaps: TopK[] = [];
  let capacity = 0;
  let mem = new Float32Array(0);
  // Float offsets of the regions: 4 query slots, 4 score rows of `capacity`, then the vectors.
  let outAt = 4 * stride;
  let dataAt = outAt;

  function allocate(needed: number): void {
    if (needed <= capacity) return;
    let next = Math.max(64, capacity);
    while (next < needed) next *= 2;
    const nextOut = 4 * stride;
    const nextData = nextOut + 4 * next;
    const floats = nextData + next * stride;
    if (simd) {
      const have = simd.memory.buffer.byteLength;
      if (floats * 4 > have) simd.memory.grow(Math.ceil((floats * 4 - have) / 65536));
      mem = new Float32Array(simd.memory.buffer);
      mem.copyWithin(nextData, dataAt, dataAt + ids.length * stride);
      mem.fill(0, nextData + ids.length * stride, nextData + next * stride);
    } else {
      const grown = new Float32Array(floats);
      grown.set(mem.subarray(dataAt, dataAt + ids.length * stride), nextData);
      mem = grown;
    }
    capacity = next;
    outAt = nextOut;
    dataAt = nextData;
  }
  allocate(64);

  const d4 = dim - (dim % 4);
  /** Similarity of row `s` and query `q` in plain JS (higher is closer; −squared distance for L2). */
  const score = (s: number, q: Float32Array): number => {
    const o = dataAt + s * stride;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, a = 0;
    if (metric === 'l2') {
      for (; a < d4; a += 4) {
        const e0 = mem[o + a]! - q[a]!, e1 = mem[o + a + 1]! - q[a + 1]!, e2 = mem[o + a + 2]! - q[a + 2]!, e3 = mem[o + a + 3]! - q[a + 3]!;
        s0 += e0 * e0; s1 += e1 * e1; s2 += e2 * e2; s3 += e3 * e3;
      }
      for (; a < dim; a++) { const e = mem[o + a]! - q[a]!; s0 += e * e; }
      return -(s0 + s1 + s2 + s3);
    }
    for (; a < d4; a += 4) {
      s0 += mem[o + a]! * q[a]!;
      s1 += mem[o + a + 1]! * q[a + 1]!;
      s2 += mem[o + a + 2]! * q[a + 2]!;
      s3 += mem[o + a + 3]! * q[a + 3]!;
    }
    for (; a < dim; a++) s0 += mem[o + a]! * q[a]!;
    return s0 + s1 + s2 + s3;
  };

  /** Keeps the best rows of one score row (written by the SIMD kernels) in `heap`. */
  function select(out: number, heap: TopK, filter: ((id: string) => boolean) | undefined): void {
    const count = ids.length;
    for (let s = 0; s < count; s++) {
      const value = mem[out + s]!;
      if (value >= heap.threshold && (!filter || filter(ids[s]!))) heap.push(s, value);
    }
  }

  function run(queries: Float32Array[], k: number, filter: ((id: string) => boolean) | undefined): VectorMatch[][] {
    const count = ids.length;
    while (heaps.length < queries.length) heaps.push(new TopK(k));
    for (let t = 0; t < queries.length; t++) heaps[t]!.reset(Math.min(k, Math.max(1, count)));
    if (simd && count > 0) {
      const groups = stride / 8;
      for (let t = 0; t < queries.length; t += 4) {
        const tile = Math.min(4, queries.length - t);
        for (let u = 0; u < 4; u++) {
          if (u < tile) mem.set(queries[t + u]!, u * stride);
          else mem.fill(0, u * stride, (u + 1) * stride);
        }
        if (tile === 1) simd.dots(0, dataAt * 4, count, groups, outAt * 4);
        else simd.dots4(0, dataAt * 4, count, groups, outAt * 4);
        for (let u = 0; u < tile; u++) select(outAt + (tile === 1 ? 0 : u * count), heaps[t + u]!, filter);
      }
    } else {
      // Plain JavaScript: tiles of queries over cache-sized blocks of rows.
      for (let tile = 0; tile < queries.length; tile += TILE) {
        const tileEnd = Math.min(queries.length, tile + TILE);
        for (let block = 0; block < count; block += BLOCK) {
          const blockEnd = Math.min(count, block + BLOCK);
          for (let u = tile; u < tileEnd; u++) {
            const q = queries[u]!;
            const heap = heaps[u]!;
            for (let s = block; s < blockEnd; s++) {
              const value = score(s, q);
              if (value >= heap.threshold && (!filter || filter(ids[s]!))) heap.push(s, value);
            }
          }
        }
      }
    }
    return queries.map((_, u) => {
      const { items, scores } = heaps[u]!.drain();
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
      let fresh = 0;
      for (const id of newIds) if (!slot.has(id)) fresh++;
      allocate(ids.length + fresh);
      for (let i = 0; i < newIds.length; i++) {
        const id = newIds[i]!;
        let s = slot.get(id);
        if (s === undefined) {
          s = ids.length;
          ids.push(id);
          slot.set(id, s);
        }
        mem.set(checked[i]!, dataAt + s * stride);
      }
    },
    async remove(removeIds) {
      for (const id of removeIds) {
        const s = slot.get(id);
        if (s === undefined) continue;
        const last = ids.length - 1;
        if (s !== last) {
          mem.copyWithin(dataAt + s * stride, dataAt + last * stride, dataAt + (last + 1) * stride);
          ids[s] = ids[last]!;
          slot.set(ids[s]!, s);
        }
        mem.fill(0, dataAt + last * stride, dataAt + (last + 1) * stride);
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
      return s === undefined ? undefined : mem.slice(dataAt + s * stride, dataAt + s * stride + dim);
    },
    size: () => ids.length,
  };
}
