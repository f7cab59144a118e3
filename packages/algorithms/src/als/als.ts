import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import {
  MyContentError,
  assertArtifactKind,
  bindItemIds,
  type FitContext,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type InMemoryModel,
} from '@mycontent/core';
import { balancedRanges, createKernelPool } from '@mycontent/core/internal';
import { createBreather } from '@mycontent/core/internal';
import { buildUserItemMatrix, copyBreathing } from '../shared/matrix';
import { ALS_KERNELS_WASM } from './als-kernels.wasm';
import { checkFactorOptions, factorQueries, factorScorer, removeUser, restoreUsers, userFactorsOf, type FactorScorer } from '../shared/factors';
import { checkOption } from '../shared/options';
import { invertSpdInPlace } from '../shared/linalg';
import { checkWasmCapacity, compileKernels, createArena, createSharedMemory, paddedFactors, unpadRows, type WasmMemory } from '../shared/wasm';

/** Options of {@link createAlsModel}. */
export interface AlsOptions {
  /** Latent factors. @default 64 */
  factors?: number;
  /** Alternating iterations (users then items). @default 15 */
  iterations?: number;
  /**
   * L2 regularisation λ. Scale it with the confidences (≈ 25–30 × alpha worked best on
   * MovieLens-shaped data). @default 100
   */
  regularization?: number;
  /** Confidence slope: c = 1 + alpha × (summed signal weight of the user–item pair). @default 4 */
  alpha?: number;
  /** Conjugate-gradient steps per row and half-iteration (warm-started). @default 3 */
  cgSteps?: number;
  /** Worker threads. @default os.availableParallelism() */
  workers?: number;
  /** Seed of the factor initialisation. @default 42 */
  seed?: number;
  /**
   * When to compute the user vector from the query history (fold-in) instead of the trained one:
   * `unknown` for users absent from training and for users with interactions observed since
   * (online, through the engine), `always` for every query (also picks up interactions applied by
   * another process, e.g. a stream worker). @default 'unknown'
   */
  foldIn?: 'unknown' | 'always';
  /** Called after each iteration; return `false` to stop early. */
  onIteration?: (iteration: number) => boolean | void;
}

const KIND = 'als';
const FORMAT_VERSION = 1;

/** Instantiation, in the worker kernel (the WebAssembly types ship with the DOM library only). */
declare const WebAssembly: { Instance: new (module: object, imports: object) => { exports: Record<string, unknown> } };

/** Byte offsets of the arrays in the shared WebAssembly memory of one training run. */
interface AlsLayout {
  /** Bytes per factor vector: the factors padded with zeros to a multiple of 8 floats. */
  fb: number;
  /** User factors X, item factors Y, projected rows Z = other side × G⁻¹ (Woodbury). */
  X: number;
  Y: number;
  Z: number;
  /** The CSR of each side: row pointers (i32), column indices (i32), weights (f32). */
  userIndptr: number;
  userIndices: number;
  userValues: number;
  itemIndptr: number;
  itemIndices: number;
  itemValues: number;
  /** Gram matrix of the fixed side plus λI (f32), and its inverse (Woodbury). */
  G: number;
  Gi: number;
  /** One Gram partial and one scratch area per task slot, so concurrent tasks never share. */
  partials: number;
  scratch: number;
  scratchBytes: number;
  /** Total bytes. */
  bytes: number;
}

/** The task of one worker step: initialise rows, a Gram partial, a projection, or a solve of rows. */
interface AlsTask {
  kind: 'init' | 'gram' | 'project' | 'solve';
  /** Identifies the training run: a worker instantiates the module once per run. */
  run: number;
  module: object;
  memory: WasmMemory;
  layout: AlsLayout;
  /** True factors (the padding stays zero). */
  f: number;
  /** Task slot: which Gram partial and scratch area this task owns. */
  slot: number;
  from: number;
  to: number;
  /** The side being initialised, summed or solved. */
  side: 'users' | 'items';
  alpha?: number;
  cgSteps?: number;
  /** Rows with at most this many entries are solved exactly (Woodbury) instead of by CG. */
  exactUpTo?: number;
  /** init: seed of the factor initialisation (each row has its own stream, so partitions do not matter). */
  seed?: number;
}

/**
 * The worker kernel. Self-contained on purpose: it is shipped to worker threads as source text.
 * The heavy loops are WebAssembly SIMD (`als-kernels.wat`) over one shared memory; this function
 * drives them. `solve` updates each row u of [from, to) towards the solution of
 *   (YᵀY + λI + Σᵢ (cᵤᵢ − 1) yᵢyᵢᵀ) xᵤ = Σᵢ cᵤᵢ yᵢ   with cᵤᵢ = 1 + α·wᵤᵢ
 * (Hu, Koren & Volinsky 2008): exactly by the Woodbury identity for short rows, else by
 * warm-started conjugate gradient (Takács et al. 2011, as in `implicit`).
 */
function alsKernel(task: AlsTask): null {
  interface Kernels {
    gram(X: number, from: number, to: number, G: number, fb: number): void;
    project(X: number, from: number, to: number, Gi: number, Z: number, fb: number): void;
    cgRow(x: number, Y: number, idx: number, w: number, n: number, alpha: number, G: number, steps: number, scratch: number, fb: number): void;
    rowDots(Y: number, idx: number, n: number, x: number, out: number, fb: number): void;
    crossDots(Y: number, Z: number, idx: number, n: number, M: number, fb: number): void;
    axpyRows(out: number, Z: number, idx: number, coef: number, n: number, fb: number): void;
  }
  const cache = globalThis as { __mycontentAls?: { run: number; kernels: Kernels } };
  if (cache.__mycontentAls?.run !== task.run) {
    const instance = new WebAssembly.Instance(task.module, { env: { memory: task.memory } });
    cache.__mycontentAls = { run: task.run, kernels: instance.exports as unknown as Kernels };
  }
  const kernels = cache.__mycontentAls!.kernels;
  const L = task.layout;
  const fb = L.fb;
  const fp = fb >> 2;
  const f = task.f;
  const F32 = new Float32Array(task.memory.buffer);
  const I32 = new Int32Array(task.memory.buffer);
  const users = task.side === 'users';
  const target = users ? L.X : L.Y;
  if (task.kind === 'init') {
    // N(0, 0.01²) per value, from a per-row xorshift stream seeded by (seed, row); padding stays 0.
    for (let r = task.from; r < task.to; r++) {
      let state = (Math.imul(task.seed! ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(r + 1, 0xc2b2ae35)) >>> 0 || 1;
      const next = () => {
        state ^= state << 13;
        state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        return (state + 0.5) / 4294967296;
      };
      const o = (target >> 2) + r * fp;
      for (let a = 0; a < f; a++) F32[o + a] = 0.01 * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
      for (let a = f; a < fp; a++) F32[o + a] = 0;
    }
    return null;
  }
  if (task.kind === 'gram') {
    const partial = L.partials + task.slot * fp * fb;
    F32.fill(0, partial >> 2, (partial >> 2) + fp * fp);
    kernels.gram(target, task.from, task.to, partial, fb);
    return null;
  }
  if (task.kind === 'project') {
    kernels.project(target, task.from, task.to, L.Gi, L.Z, fb);
    return null;
  }
  const other = users ? L.Y : L.X;
  const indptr = (users ? L.userIndptr : L.itemIndptr) >> 2;
  const indices = users ? L.userIndices : L.itemIndices;
  const values = users ? L.userValues : L.itemValues;
  const alpha = task.alpha!;
  const steps = task.cgSteps!;
  const exactUpTo = task.exactUpTo ?? 0;
  // Scratch: CG's r, p, Ap; then Woodbury's x, coefficients, v and M (n × n).
  const scratch = L.scratch + task.slot * L.scratchBytes;
  const xs = scratch + 3 * fb;
  const coef = xs + fb;
  const v = coef + 4 * exactUpTo;
  const Mf = v + 4 * exactUpTo;
  const M = new Float64Array(exactUpTo * exactUpTo);
  const s = new Float64Array(exactUpTo);
  for (let u = task.from; u < task.to; u++) {
    const a0 = I32[indptr + u]!;
    const n = I32[indptr + u + 1]! - a0;
    const x = target + u * fb;
    if (n === 0) {
      // No interaction: the solution of (YᵀY + λI) x = 0.
      F32.fill(0, x >> 2, (x >> 2) + fp);
      continue;
    }
    const idx = indices + 4 * a0;
    const w = values + 4 * a0;
    if (n > exactUpTo) {
      kernels.cgRow(x, other, idx, w, n, alpha, L.G, steps, scratch, fb);
      continue;
    }
    // Exact solve by the Woodbury identity, with A = G + Uᵀ D U, D = diag(c − 1), zᵢ = G⁻¹ yᵢ:
    // g = G⁻¹ b = Σ cᵢ zᵢ;  M = D⁻¹ + U G⁻¹ Uᵀ;  M s = U g;  x = g − Σ sⱼ zⱼ.  O(n² f + n³).
    for (let j = 0; j < n; j++) F32[(coef >> 2) + j] = 1 + alpha * F32[(w >> 2) + j]!;
    F32.fill(0, xs >> 2, (xs >> 2) + fp);
    kernels.axpyRows(xs, L.Z, idx, coef, n, fb);
    kernels.rowDots(other, idx, n, xs, v, fb);
    kernels.crossDots(other, L.Z, idx, n, Mf, fb);
    for (let j = 0; j < n * n; j++) M[j] = F32[(Mf >> 2) + j]!;
    for (let j = 0; j < n; j++) {
      M[j * n + j]! += 1 / (alpha * F32[(w >> 2) + j]!);
      s[j] = F32[(v >> 2) + j]!;
    }
    // Cholesky M = L Lᵀ in place (lower triangle), then two triangular solves on s.
    for (let j = 0; j < n; j++) {
      let d = M[j * n + j]!;
      for (let k = 0; k < j; k++) d -= M[j * n + k]! * M[j * n + k]!;
      d = Math.sqrt(d);
      M[j * n + j] = d;
      for (let i = j + 1; i < n; i++) {
        let t = M[i * n + j]!;
        for (let k = 0; k < j; k++) t -= M[i * n + k]! * M[j * n + k]!;
        M[i * n + j] = t / d;
      }
    }
    for (let j = 0; j < n; j++) {
      let t = s[j]!;
      for (let k = 0; k < j; k++) t -= M[j * n + k]! * s[k]!;
      s[j] = t / M[j * n + j]!;
    }
    for (let j = n - 1; j >= 0; j--) {
      let t = s[j]!;
      for (let k = j + 1; k < n; k++) t -= M[k * n + j]! * s[k]!;
      s[j] = t / M[j * n + j]!;
    }
    for (let j = 0; j < n; j++) F32[(coef >> 2) + j] = -s[j]!;
    kernels.axpyRows(xs, L.Z, idx, coef, n, fb);
    F32.copyWithin(x >> 2, xs >> 2, (xs >> 2) + fp);
  }
  return null;
}

/** Numbers the training runs, so that a worker knows when to instantiate the kernels again. */
let nextRun = 0;

/**
 * Lays out a training run's arrays in one memory (64-byte aligned), or refuses one over 4 GiB.
 * @internal exported for tests
 */
export function alsLayout(fp: number, users: number, items: number, nnz: number, zRows: number, parts: number, exactUpTo: number): AlsLayout {
  const fb = fp * 4;
  const arena = createArena();
  const scratchBytes = Math.ceil((4 * fb + 8 * exactUpTo + 4 * exactUpTo * exactUpTo) / 64) * 64;
  const layout = {
    fb,
    X: arena.take(users * fb),
    Y: arena.take(items * fb),
    Z: arena.take(zRows * fb),
    userIndptr: arena.take(4 * (users + 1)),
    userIndices: arena.take(4 * nnz),
    userValues: arena.take(4 * nnz),
    itemIndptr: arena.take(4 * (items + 1)),
    itemIndices: arena.take(4 * nnz),
    itemValues: arena.take(4 * nnz),
    G: arena.take(fp * fb),
    Gi: arena.take(fp * fb),
    partials: arena.take(parts * fp * fb),
    scratch: arena.take(parts * scratchBytes),
    scratchBytes,
    bytes: arena.bytes(),
  };
  checkWasmCapacity(KIND, layout.bytes, `${users} users × ${items} items at ${fp} factors`, 'factors', fp);
  return layout;
}

/** The implicit ALS model returned by {@link createAlsModel}. */
export interface AlsModel extends InMemoryModel {
  /** The factor vector used for a query (trained, or folded in from the history). */
  userVector(query: Pick<ModelQuery, 'userId' | 'history' | 'historyWeights'>): Float32Array;
}

/**
 * Implicit-feedback matrix factorisation by alternating least squares with confidence weights
 * (Hu, Koren & Volinsky), each half-iteration solved row by row — exactly (Woodbury) for short
 * rows, by warm-started conjugate gradient for long ones — by WebAssembly SIMD kernels in worker
 * threads over one shared memory: every core is used and the host's event loop stays free.
 * Deterministic for a seed (each row's solve depends only on the other side). Training memory
 * over 4 GiB (about 8 million users at 64 factors) is refused with a `CAPACITY` error.
 * New users are folded in: their vector is solved exactly (Cholesky, `ml-matrix`) from their
 * interactions against the trained item factors, without retraining.
 *
 * @example
 * ```ts
 * const als = createAlsModel({ factors: 64, iterations: 15, alpha: 4, regularization: 100 });
 * await als.fit(dataset, { onProgress: (p) => console.log(p.phase, p.done, p.total) });
 * als.recommend({ userId: '42', history, k: 10 });
 * ```
 */
export function createAlsModel(options: AlsOptions = {}): AlsModel {
  const config = {
    factors: options.factors ?? 64,
    iterations: options.iterations ?? 15,
    regularization: options.regularization ?? 100,
    alpha: options.alpha ?? 4,
    cgSteps: options.cgSteps ?? 3,
    seed: options.seed ?? 42,
    foldIn: options.foldIn ?? 'unknown',
  };
  checkFactorOptions(KIND, config);
  checkOption(KIND, Number.isInteger(config.iterations) && config.iterations >= 1, 'iterations', config.iterations, 'must be a positive integer');
  checkOption(KIND, config.alpha > 0, 'alpha', config.alpha, 'must be positive');
  checkOption(KIND, Number.isInteger(config.cgSteps) && config.cgSteps >= 1, 'cgSteps', config.cgSteps, 'must be a positive integer');
  checkOption(KIND, config.foldIn === 'unknown' || config.foldIn === 'always', 'foldIn', config.foldIn, "must be 'unknown' or 'always'");
  const f = config.factors;

  let trained = false;
  let userIndex: ReadonlyMap<string, number> = new Map();
  let userIds: readonly string[] = [];
  let userFactors: Float32Array = new Float32Array(0);
  let scorer: FactorScorer | undefined;
  let gram: Float64Array = new Float64Array(0); // YᵀY + λI of the final item factors, for fold-in
  /** Users with interactions observed since training: their trained vector is out of date. */
  const stale = new Set<string>();

  function fail(): never {
    throw new MyContentError('NOT_TRAINED', 'the ALS model is not trained', { source: KIND });
  }

  function foldIn(history: Int32Array, weights: Float32Array | undefined): Float32Array {
    const s = scorer!;
    const A = new Matrix(f, f);
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) A.set(a, b, gram[a * f + b]!);
    const bvec = new Float64Array(f);
    // Sum the weights of repeated items, as training does.
    const summed = new Map<number, number>();
    for (let h = 0; h < history.length; h++) {
      const c = s.compactOf(history[h]!);
      if (c < 0) continue;
      summed.set(c, (summed.get(c) ?? 0) + (weights ? weights[h]! : 1));
    }
    if (summed.size === 0) return new Float32Array(f);
    const Y = s.itemFactors;
    for (const [c, w] of summed) {
      const conf = 1 + config.alpha * w;
      const o = c * f;
      for (let a = 0; a < f; a++) {
        const ya = Y[o + a]!;
        bvec[a]! += conf * ya;
        for (let b = 0; b < f; b++) A.set(a, b, A.get(a, b) + (conf - 1) * ya * Y[o + b]!);
      }
    }
    const solution = new CholeskyDecomposition(A).solve(Matrix.columnVector(Array.from(bvec)));
    return Float32Array.from(solution.getColumn(0));
  }

  function userVector(query: Pick<ModelQuery, 'userId' | 'history' | 'historyWeights'>): Float32Array {
    if (!trained) fail();
    const u = query.userId === undefined ? undefined : userIndex.get(query.userId);
    if (u !== undefined && config.foldIn === 'unknown' && !stale.has(query.userId!)) return userFactors.subarray(u * f, (u + 1) * f);
    return foldIn(query.history, query.historyWeights);
  }

  const model: AlsModel = {
    kind: KIND,
    capabilities: { online: true, personalized: true, trending: false, similarItems: true },
    get trained() {
      return trained;
    },
    userVector,
    observe(interaction) {
      // The next query folds the user in again from their (now longer) history. Only users with a
      // trained vector are marked (the others are folded in anyway): the set is bounded by them.
      if (userIndex.has(interaction.userId)) stale.add(interaction.userId);
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      const matrix = await buildUserItemMatrix(data, 'weight');
      const { byUser, byItem } = matrix;
      if (byUser.indptr[byUser.rows] === 0) {
        throw new MyContentError('INVALID_INPUT', 'ALS needs at least one positive interaction to train', { source: KIND, field: 'data', value: data.length });
      }
      const users = byUser.rows;
      const items = byItem.rows;
      const fp = paddedFactors(f);
      // A fixed partition (not tied to the worker count) keeps the sums' order, so results are
      // bit-identical whatever the number of threads.
      const parts = 16;
      const userRanges = balancedRanges(byUser.indptr, parts, f);
      const itemRanges = balancedRanges(byItem.indptr, parts, f);
      // Per side, the rows short enough for the exact Woodbury solve to beat CG, and whether the
      // savings pay for projecting the other side (Z = Y G⁻¹, rows × f² once per half-iteration).
      const cgCost = (n: number) => (config.cgSteps + 1) * (f * f + 2 * n * f);
      const exactCost = (n: number) => n * n * f + 3 * n * f + (n * n * n) / 3;
      let threshold = 0;
      while (threshold < f && exactCost(threshold + 1) < cgCost(threshold + 1)) threshold++;
      const exactLimit = (csr: typeof byUser, otherRows: number): number => {
        let savings = 0;
        for (let r = 0; r < csr.rows; r++) {
          const n = csr.indptr[r + 1]! - csr.indptr[r]!;
          if (n > 0 && n <= threshold) savings += cgCost(n) - exactCost(n);
        }
        return savings > otherRows * f * f ? threshold : 0;
      };
      const userExact = exactLimit(byUser, items);
      const itemExact = exactLimit(byItem, users);
      const layout = alsLayout(fp, users, items, byUser.indices.length, Math.max(userExact > 0 ? items : 0, itemExact > 0 ? users : 0), parts, Math.max(userExact, itemExact));
      const memory = createSharedMemory(layout.bytes);
      const wasm = compileKernels(ALS_KERNELS_WASM);
      const buffer = memory.buffer;
      const breathe = createBreather();
      await copyBreathing(new Int32Array(buffer, layout.userIndptr, users + 1), byUser.indptr, breathe);
      await copyBreathing(new Int32Array(buffer, layout.userIndices, byUser.indices.length), byUser.indices, breathe);
      await copyBreathing(new Float32Array(buffer, layout.userValues, byUser.values.length), byUser.values, breathe);
      await copyBreathing(new Int32Array(buffer, layout.itemIndptr, items + 1), byItem.indptr, breathe);
      await copyBreathing(new Int32Array(buffer, layout.itemIndices, byItem.indices.length), byItem.indices, breathe);
      await copyBreathing(new Float32Array(buffer, layout.itemValues, byItem.values.length), byItem.values, breathe);
      const pool = createKernelPool(alsKernel, { ...(options.workers ? { workers: options.workers } : {}), name: KIND });
      const base = { run: nextRun++, module: wasm, memory, layout, f };
      const slices = (rows: number) => {
        const step = Math.ceil(rows / parts);
        const out: [number, number][] = [];
        for (let from = 0; from < rows; from += step) out.push([from, Math.min(rows, from + step)]);
        return out;
      };
      const gramOf = async (side: 'users' | 'items'): Promise<Float64Array> => {
        const ranges = slices(side === 'users' ? users : items);
        await pool.map(ranges.map(([from, to], slot) => ({ ...base, kind: 'gram' as const, side, slot, from, to })));
        const G = new Float64Array(fp * fp);
        for (let slot = 0; slot < ranges.length; slot++) {
          const part = new Float32Array(buffer, layout.partials + slot * fp * layout.fb, fp * fp);
          for (let k = 0; k < G.length; k++) G[k]! += part[k]!;
        }
        for (let a = 0; a < fp; a++) G[a * fp + a]! += config.regularization;
        return G;
      };
      const solve = async (side: 'users' | 'items', exactUpTo: number) => {
        const other = side === 'users' ? 'items' : 'users';
        const G = await gramOf(other);
        new Float32Array(buffer, layout.G, fp * fp).set(G);
        if (exactUpTo > 0) {
          invertSpdInPlace(G, fp, KIND);
          new Float32Array(buffer, layout.Gi, fp * fp).set(G);
          const ranges = slices(other === 'users' ? users : items);
          await pool.map(ranges.map(([from, to], slot) => ({ ...base, kind: 'project' as const, side: other, slot, from, to })));
        }
        const ranges = side === 'users' ? userRanges : itemRanges;
        await pool.map(
          ranges.map(([from, to], slot) => ({ ...base, kind: 'solve' as const, side, slot, from, to, alpha: config.alpha, cgSteps: config.cgSteps, exactUpTo })),
        );
      };
      try {
        // Seeded initialisation, in the workers: item rows from seed, user rows from seed + 1.
        await pool.map(
          (['users', 'items'] as const).flatMap((side) =>
            slices(side === 'users' ? users : items).map(([from, to], slot) => ({ ...base, kind: 'init' as const, side, slot, from, to, seed: side === 'users' ? config.seed + 1 : config.seed })),
          ),
        );
        for (let it = 0; it < config.iterations; it++) {
          if (context.signal?.aborted) throw new MyContentError('ABORTED', 'ALS training aborted', { source: KIND });
          await solve('users', userExact);
          await solve('items', itemExact);
          context.onProgress?.({ phase: 'iteration', done: it + 1, total: config.iterations });
          if (options.onIteration?.(it + 1) === false) break;
        }
        const G = await gramOf('items');
        gram = new Float64Array(f * f);
        for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) gram[a * f + b] = G[a * fp + b]!;
      } finally {
        await pool.close();
      }
      userIds = data.users;
      userIndex = data.userIndex; // datasets are immutable once built: no copy
      stale.clear();
      userFactors = await unpadRows(buffer, layout.X, users, f, fp, breathe);
      scorer = factorScorer(await unpadRows(buffer, layout.Y, items, f, fp, breathe), f, matrix.itemCatalog, data.catalog.size, data.catalog);
      trained = true;
    },
    ...factorQueries(() => (trained ? scorer : undefined), userVector, KIND),
    forgetUser(userId) {
      stale.delete(userId);
      const removed = removeUser({ userIds, userIndex }, userId, { userFactors: { array: userFactors, width: f } });
      if (!removed) return;
      ({ userIds, userIndex } = removed.users);
      userFactors = removed.rows.userFactors;
    },
    userData: (userId) => userFactorsOf(userIndex, userFactors, f, userId),
    untrainedCopy: () => createAlsModel(options),
    toArtifact(): ModelArtifact {
      if (!trained || !scorer) fail();
      return {
        kind: KIND,
        formatVersion: FORMAT_VERSION,
        state: { config, userIds, itemIds: scorer.itemIds() },
        arrays: { userFactors, itemFactors: scorer.itemFactors, gram },
      };
    },
    restore(artifact: ModelArtifact, catalog: ItemCatalog) {
      stale.clear();
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { config: { factors: number }; userIds: string[]; itemIds: string[] };
      ({ userIds, userIndex } = restoreUsers(KIND, state, f));
      userFactors = artifact.arrays.userFactors as Float32Array;
      gram = artifact.arrays.gram as Float64Array;
      scorer = factorScorer(artifact.arrays.itemFactors as Float32Array, f, bindItemIds(state.itemIds, catalog), catalog.size, catalog);
      trained = true;
    },
  };
  return model;
}

