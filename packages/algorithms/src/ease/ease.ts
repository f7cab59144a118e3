import {
  MyContentError,
  NO_ITEMS,
  TopK,
  assertArtifactKind,
  bindItemIds,
  type FitContext,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type InMemoryModel,
  type ScoredItems,
} from '@mycontent/core';
import { buildUserItemMatrix } from '../shared/matrix';
import { checkOption } from '../shared/factors';
import { invertSpdInPlace } from '../shared/linalg';

/** Options of {@link createEaseModel}. */
export interface EaseOptions {
  /** L2 regularisation λ added to the Gram diagonal. @default 400 */
  regularization?: number;
  /**
   * Largest memory the dense item × item matrices may take, bytes. EASE needs two n × n float64
   * matrices for n items: 20,000 items take 6.4 GB. Larger catalogues are refused. @default 2 GiB
   */
  maxBytes?: number;
  /** `binary` treats every positive interaction as 1 (the paper's setting); `weight` uses signal weights. @default 'binary' */
  values?: 'binary' | 'weight';
}

const KIND = 'ease';
const FORMAT_VERSION = 1;

/** Bytes EASE needs for `items` items (two dense float64 matrices). */
export function easeMemoryBytes(items: number): number {
  return 2 * 8 * items * items;
}

/**
 * EASE (Steck 2019): a closed-form item–item linear model, B = I − P·diag(1/diag(P)) with
 * P = (XᵀX + λI)⁻¹ and a zero diagonal. Strong on small catalogues (MovieLens-size); it needs two
 * dense item × item matrices, so it refuses catalogues larger than `maxBytes` allows with a
 * `CAPACITY` error before allocating anything.
 *
 * @example
 * ```ts
 * const ease = createEaseModel({ regularization: 400 });
 * await ease.fit(dataset); // throws CAPACITY for a 46,000-item catalogue
 * ```
 */
export function createEaseModel(options: EaseOptions = {}): InMemoryModel {
  const config = {
    regularization: options.regularization ?? 400,
    maxBytes: options.maxBytes ?? 2 * 1024 ** 3,
    values: options.values ?? 'binary',
  };
  checkOption(KIND, config.regularization > 0, 'regularization', config.regularization, 'must be positive');
  checkOption(KIND, config.maxBytes > 0, 'maxBytes', config.maxBytes, 'must be positive');
  checkOption(KIND, config.values === 'binary' || config.values === 'weight', 'values', config.values, "must be 'binary' or 'weight'");
  let trained = false;
  let n = 0;
  let weights: Float32Array = new Float32Array(0); // B, n × n, row-major: B[j][i] is item j's weight towards item i
  let itemCatalog: Int32Array = new Int32Array(0);
  let compactOf = new Int32Array(0);
  let itemIds: string[] = [];
  let acc = new Float64Array(0);
  const heap = new TopK(16);

  function fail(): never {
    throw new MyContentError('NOT_TRAINED', 'the EASE model is not trained', { source: KIND });
  }

  function accumulate(history: Int32Array, historyWeights: Float32Array | undefined): boolean {
    acc.fill(0);
    let any = false;
    const seen = new Set<number>();
    for (let h = 0; h < history.length; h++) {
      const item = history[h]!;
      const j = item >= 0 && item < compactOf.length ? compactOf[item]! : -1;
      if (j < 0 || (config.values === 'binary' && seen.has(j))) continue;
      seen.add(j);
      const w = config.values === 'binary' ? 1 : (historyWeights?.[h] ?? 1);
      const row = j * n;
      for (let i = 0; i < n; i++) acc[i]! += w * weights[row + i]!;
      any = true;
    }
    return any;
  }

  function setState(b: Float32Array, catalogRows: Int32Array, catalogSize: number, ids: string[]) {
    weights = b;
    itemCatalog = catalogRows;
    n = catalogRows.length;
    compactOf = new Int32Array(Math.max(catalogSize, n)).fill(-1);
    for (let j = 0; j < n; j++) compactOf[catalogRows[j]!] = j;
    itemIds = ids;
    acc = new Float64Array(n);
    trained = true;
  }

  return {
    kind: KIND,
    capabilities: { online: false, personalized: true, trending: false, similarItems: true },
    get trained() {
      return trained;
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      const matrix = await buildUserItemMatrix(data, config.values === 'binary' ? 'binary' : 'weight');
      const items = matrix.byItem.rows;
      const need = easeMemoryBytes(items);
      if (need > config.maxBytes) {
        throw new MyContentError(
          'CAPACITY',
          `EASE needs ${(need / 1024 ** 3).toFixed(1)} GiB for ${items.toLocaleString('en-US')} items (two dense item × item matrices), over maxBytes = ${(config.maxBytes / 1024 ** 3).toFixed(1)} GiB; use item-kNN or ALS for this catalogue`,
          { source: KIND, field: 'items', value: items },
        );
      }
      if (items === 0) throw new MyContentError('INVALID_INPUT', 'EASE needs at least one positive interaction', { source: KIND, field: 'data', value: 0 });
      // G = XᵀX + λI, from each user's row (sparse outer products).
      const G = new Float64Array(items * items);
      const { indptr, indices, values } = matrix.byUser;
      for (let u = 0; u < matrix.byUser.rows; u++) {
        for (let a = indptr[u]!; a < indptr[u + 1]!; a++) {
          const i = indices[a]!;
          const vi = values[a]!;
          const row = i * items;
          for (let b = indptr[u]!; b < indptr[u + 1]!; b++) G[row + indices[b]!]! += vi * values[b]!;
        }
        if (context.signal?.aborted) throw new MyContentError('ABORTED', 'EASE training aborted', { source: KIND });
      }
      for (let i = 0; i < items; i++) G[i * items + i]! += config.regularization;
      invertSpdInPlace(G, items, KIND, (row) => context.onProgress?.({ phase: 'inverting', done: row, total: items }));
      // B[i][j] = −P[i][j] / P[j][j], zero diagonal. Stored row-major as weights[i * n + j].
      const B = new Float32Array(items * items);
      for (let i = 0; i < items; i++) {
        for (let j = 0; j < items; j++) B[i * items + j] = i === j ? 0 : -G[i * items + j]! / G[j * items + j]!;
      }
      context.onProgress?.({ phase: 'inverting', done: items, total: items });
      setState(B, matrix.itemCatalog, data.catalog.size, Array.from(matrix.itemCatalog, (i) => data.catalog.idAt(i)));
    },
    recommend(query: ModelQuery): ScoredItems {
      if (!trained) fail();
      if (query.k < 1 || !accumulate(query.history, query.historyWeights)) return NO_ITEMS;
      heap.reset(query.k);
      for (let i = 0; i < n; i++) {
        const s = acc[i]!;
        if (s >= heap.threshold) {
          const item = itemCatalog[i]!;
          if (!query.filter || query.filter(item)) heap.push(item, s);
        }
      }
      return heap.drain();
    },
    score(query, items) {
      if (!trained) fail();
      const out = new Float32Array(items.length);
      if (!accumulate(query.history, query.historyWeights)) return out;
      for (let k = 0; k < items.length; k++) {
        const j = items[k]! < compactOf.length ? compactOf[items[k]!]! : -1;
        if (j >= 0) out[k] = acc[j]!;
      }
      return out;
    },
    similar(item, k, filter) {
      if (!trained) fail();
      const j = item >= 0 && item < compactOf.length ? compactOf[item]! : -1;
      if (j < 0 || k < 1) return NO_ITEMS;
      heap.reset(k);
      for (let i = 0; i < n; i++) {
        if (i === j) continue;
        const s = weights[j * n + i]!;
        if (s >= heap.threshold && (!filter || filter(itemCatalog[i]!))) heap.push(itemCatalog[i]!, s);
      }
      return heap.drain();
    },
    toArtifact(): ModelArtifact {
      if (!trained) fail();
      return { kind: KIND, formatVersion: FORMAT_VERSION, state: { config, itemIds }, arrays: { weights } };
    },
    restore(artifact: ModelArtifact, catalog: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const ids = (artifact.state as { itemIds: string[] }).itemIds;
      setState(artifact.arrays.weights as Float32Array, bindItemIds(ids, catalog), catalog.size, ids);
    },
  };
}
