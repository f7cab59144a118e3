import { MyContentError, TopK, type VectorIndex, type VectorMatch, type VectorMetric } from '@mycontent/core';

/** Name of the exact vector index adapter. */
export const EXACT_VECTOR_INDEX_NAME = 'exact-vector-index';

/** Options of {@link createExactVectorIndex}. */
export interface ExactVectorIndexOptions {
  dimension: number;
  /** @default 'cosine' */
  metric?: VectorMetric;
}

/**
 * An exact nearest-neighbour index: a scan over one `Float32Array` with a bounded top-k heap.
 * The reference every approximate index is measured against. Cosine vectors are normalised at
 * insertion, so cosine search is an inner-product scan.
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
    throw new MyContentError('INVALID_CONFIG', `dimension must be a positive integer, got ${dim}`, {
      source: EXACT_VECTOR_INDEX_NAME,
      field: 'dimension',
      value: dim,
    });
  }
  const metric = options.metric ?? 'cosine';
  let data = new Float32Array(dim * 64);
  let ids: string[] = [];
  const slot = new Map<string, number>();
  const heap = new TopK(10);

  const check = (vector: Float32Array | readonly number[], field: string): Float32Array => {
    if (vector.length !== dim) {
      throw new MyContentError('INVALID_INPUT', `${field} has dimension ${vector.length}, the index has ${dim}`, {
        source: EXACT_VECTOR_INDEX_NAME,
        field,
        value: vector.length,
      });
    }
    const v = Float32Array.from(vector);
    for (let i = 0; i < dim; i++) {
      if (!Number.isFinite(v[i]!)) {
        throw new MyContentError('INVALID_INPUT', `${field}[${i}] is ${v[i]}: vectors must be finite`, {
          source: EXACT_VECTOR_INDEX_NAME,
          field: `${field}[${i}]`,
          value: v[i],
        });
      }
    }
    if (metric === 'cosine') {
      let norm = 0;
      for (let i = 0; i < dim; i++) norm += v[i]! * v[i]!;
      norm = Math.sqrt(norm);
      if (norm > 0) for (let i = 0; i < dim; i++) v[i]! /= norm;
    }
    return v;
  };

  return {
    name: EXACT_VECTOR_INDEX_NAME,
    dimension: dim,
    metric,
    capabilities: { approximate: false, persistent: false },
    async upsert(newIds, vectors) {
      if (newIds.length !== vectors.length) {
        throw new MyContentError('INVALID_INPUT', `${newIds.length} ids but ${vectors.length} vectors`, {
          source: EXACT_VECTOR_INDEX_NAME,
          field: 'vectors',
          value: vectors.length,
        });
      }
      const checked = vectors.map((v, i) => check(v, `vectors[${i}]`)); // validate all before writing any
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
      if (!Number.isInteger(k) || k < 1) {
        throw new MyContentError('INVALID_INPUT', `k must be a positive integer, got ${k}`, {
          source: EXACT_VECTOR_INDEX_NAME,
          field: 'k',
          value: k,
        });
      }
      const q = check(query, 'query');
      const filter = searchOptions.filter;
      heap.reset(Math.min(k, Math.max(1, ids.length)));
      const count = ids.length;
      for (let s = 0; s < count; s++) {
        if (filter && !filter(ids[s]!)) continue;
        const o = s * dim;
        let score = 0;
        if (metric === 'l2') {
          for (let d = 0; d < dim; d++) {
            const diff = data[o + d]! - q[d]!;
            score -= diff * diff;
          }
        } else {
          for (let d = 0; d < dim; d++) score += data[o + d]! * q[d]!;
        }
        heap.push(s, score);
      }
      const { items, scores } = heap.drain();
      const out: VectorMatch[] = [];
      for (let i = 0; i < items.length; i++) {
        const score = metric === 'l2' ? -Math.sqrt(-scores[i]!) : scores[i]!;
        out.push({ id: ids[items[i]!]!, score });
      }
      return out;
    },
    size: () => ids.length,
  };
}
