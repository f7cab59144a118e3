import {
  MyContentError,
  NO_ITEMS,
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
import { TopK, createKernelPool } from '@mycontent/core/internal';
import { availableParallelism } from 'node:os';
import { buildUserItemMatrix, shared } from '../shared/matrix';
import { checkOption } from '../shared/options';

/** Options of {@link createEaseModel}. */
export interface EaseOptions {
  /** L2 regularisation λ added to the Gram diagonal. @default 400 */
  regularization?: number;
  /**
   * Largest memory the dense item × item matrices may take, bytes. EASE needs two n × n matrices
   * for n items (12 bytes per cell): 20,000 items take 4.8 GB. Larger catalogues are refused. @default 2 GiB
   */
  maxBytes?: number;
  /** `binary` treats every positive interaction as 1 (the paper's setting); `weight` uses signal weights. @default 'binary' */
  values?: 'binary' | 'weight';
  /** Worker threads that build and invert the Gram matrix together. @default os.availableParallelism() */
  workers?: number;
}

const KIND = 'ease';
const FORMAT_VERSION = 1;

/** Bytes EASE needs for `items` items (two dense item × item matrices: P in float64, B in float32). */
export function easeMemoryBytes(items: number): number {
  return 12 * items * items;
}

/** One worker's share of an EASE fit: the rows i ≡ part (mod parts) of every matrix. */
interface EaseTask {
  part: number;
  parts: number;
  items: number;
  regularization: number;
  /** The interactions, by item and by user (CSR). */
  itemIndptr: SharedArrayBuffer;
  itemIndices: SharedArrayBuffer;
  itemValues: SharedArrayBuffer;
  userIndptr: SharedArrayBuffer;
  userIndices: SharedArrayBuffer;
  userValues: SharedArrayBuffer;
  /** n × n float64: the Gram matrix, inverted in place into P. */
  G: SharedArrayBuffer;
  /** n × n float32: the weights B. */
  B: SharedArrayBuffer;
  /** Int32 × 5: barrier count and generation, stop request, abort flag, stop decision. */
  sync: SharedArrayBuffer;
}

/**
 * The EASE worker kernel, run by every worker at once (one task each), in lock step through a
 * barrier on shared memory. Self-contained: shipped to the workers as source text.
 *   1. Gram rows: G[i] = Σ_{u ∋ i} xᵤᵢ xᵤ + λ eᵢ, for the worker's rows.
 *   2. Gauss–Jordan inversion in place (no pivoting: G is symmetric positive definite). At step k
 *      each worker updates its own rows from row k, and the owner of row k + 1 then normalises it;
 *      one barrier per step, so the arithmetic of every row is the same whatever the number of
 *      workers (the result is bit-identical).
 *   3. B[i][j] = −P[i][j] / P[j][j], zero diagonal.
 * Returns 'ok', 'aborted', or the row where the matrix proved not positive definite.
 */
function easeKernel(task: EaseTask, report: (progress: unknown) => void): string {
  const { part, parts, items: n } = task;
  const G = new Float64Array(task.G);
  const B = new Float32Array(task.B);
  const sync = new Int32Array(task.sync);
  const [COUNT, GENERATION, REQUEST, ABORT, DECISION] = [0, 1, 2, 3, 4];
  // Every worker leaves at the same barrier: only the last to arrive turns a request into a decision.
  const barrier = (): number => {
    const generation = Atomics.load(sync, GENERATION);
    if (Atomics.add(sync, COUNT, 1) === parts - 1) {
      Atomics.store(sync, COUNT, 0);
      Atomics.store(sync, DECISION, Atomics.load(sync, REQUEST) || (Atomics.load(sync, ABORT) ? -1 : 0));
      Atomics.add(sync, GENERATION, 1);
      Atomics.notify(sync, GENERATION);
    } else {
      while (Atomics.load(sync, GENERATION) === generation) Atomics.wait(sync, GENERATION, generation);
    }
    return Atomics.load(sync, DECISION);
  };
  const verdict = (decision: number) => (decision === -1 ? 'aborted' : `the matrix is not positive definite at row ${decision - 1}`);
  const itemIndptr = new Int32Array(task.itemIndptr);
  const itemIndices = new Int32Array(task.itemIndices);
  const itemValues = new Float32Array(task.itemValues);
  const userIndptr = new Int32Array(task.userIndptr);
  const userIndices = new Int32Array(task.userIndices);
  const userValues = new Float32Array(task.userValues);
  for (let i = part; i < n; i += parts) {
    const row = i * n;
    for (let a = itemIndptr[i]!; a < itemIndptr[i + 1]!; a++) {
      const u = itemIndices[a]!;
      const v = itemValues[a]!;
      for (let b = userIndptr[u]!; b < userIndptr[u + 1]!; b++) G[row + userIndices[b]!]! += v * userValues[b]!;
    }
    G[row + i]! += task.regularization;
  }
  const normalise = (k: number): void => {
    const kk = k * n;
    const pivot = G[kk + k]!;
    if (!(pivot > 0)) {
      Atomics.compareExchange(sync, REQUEST, 0, k + 1);
      return;
    }
    const inv = 1 / pivot;
    for (let j = 0; j < n; j++) G[kk + j]! *= inv;
    G[kk + k] = inv;
  };
  if (part === 0) normalise(0);
  let decision = barrier();
  for (let k = 0; k < n && decision === 0; k++) {
    const kk = k * n;
    const inv = G[kk + k]!;
    for (let i = part; i < n; i += parts) {
      if (i === k) continue;
      const ii = i * n;
      const factor = G[ii + k]!;
      if (factor === 0) continue;
      for (let j = 0; j < n; j++) G[ii + j]! -= factor * G[kk + j]!;
      G[ii + k] = -factor * inv;
    }
    if (k + 1 < n && (k + 1) % parts === part) normalise(k + 1);
    if (part === 0 && (k & 63) === 0) report(k);
    decision = barrier();
  }
  if (decision !== 0) return verdict(decision);
  for (let i = part; i < n; i += parts) {
    const row = i * n;
    for (let j = 0; j < n; j++) B[row + j] = i === j ? 0 : -G[row + j]! / G[j * n + j]!;
  }
  return 'ok';
}

/**
 * EASE (Steck 2019): a closed-form item–item linear model, B = I − P·diag(1/diag(P)) with
 * P = (XᵀX + λI)⁻¹ and a zero diagonal. Strong on small catalogues (MovieLens-size); it needs two
 * dense item × item matrices, so it refuses catalogues larger than `maxBytes` allows with a
 * `CAPACITY` error before allocating anything. The Gram matrix and its inversion are computed by
 * `workers` threads together, off the host's event loop, with bit-identical results for any count.
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
    untrainedCopy: () => createEaseModel(options),
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
      if (context.signal?.aborted) throw new MyContentError('ABORTED', 'EASE training aborted', { source: KIND });
      // The Gram matrix, its inversion and B are computed by the workers together, off the event loop.
      const parts = Math.max(1, Math.min(options.workers ?? availableParallelism(), items));
      const G = shared.f64(items * items);
      const B = shared.f32(items * items);
      const sync = shared.i32(5);
      const onAbort = () => Atomics.store(sync, 3, 1);
      context.signal?.addEventListener('abort', onAbort);
      const pool = createKernelPool(easeKernel, { workers: parts, name: KIND });
      const buffer = (array: { buffer: ArrayBufferLike }) => array.buffer as SharedArrayBuffer;
      const { byItem, byUser } = matrix;
      let verdicts: string[];
      try {
        verdicts = await Promise.all(
          Array.from({ length: parts }, (_, part) =>
            pool.run(
              {
                part,
                parts,
                items,
                regularization: config.regularization,
                itemIndptr: buffer(byItem.indptr),
                itemIndices: buffer(byItem.indices),
                itemValues: buffer(byItem.values),
                userIndptr: buffer(byUser.indptr),
                userIndices: buffer(byUser.indices),
                userValues: buffer(byUser.values),
                G: buffer(G),
                B: buffer(B),
                sync: buffer(sync),
              },
              part === 0 ? (row) => context.onProgress?.({ phase: 'inverting', done: row as number, total: items }) : undefined,
            ),
          ),
        );
      } finally {
        context.signal?.removeEventListener('abort', onAbort);
        await pool.close();
      }
      const failed = verdicts.find((v) => v !== 'ok');
      if (failed === 'aborted') throw new MyContentError('ABORTED', 'EASE training aborted', { source: KIND });
      if (failed) throw new MyContentError('BACKEND', failed, { source: KIND });
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
