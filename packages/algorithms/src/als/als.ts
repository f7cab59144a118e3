import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import {
  MyContentError,
  assertArtifactKind,
  balancedRanges,
  bindItemIds,
  createKernelPool,
  type FitContext,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type InMemoryModel,
} from '@mycontent/core';
import { buildUserItemMatrix, shared } from '../shared/matrix';
import { checkFactorOptions, checkOption, factorQueries, factorScorer, restoreUsers, type FactorScorer } from '../shared/factors';
import { invertSpdInPlace } from '../shared/linalg';

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

/** The task of one worker step: a Gram matrix over rows, a projection, or a solve of rows. */
interface AlsTask {
  kind: 'init' | 'gram' | 'project' | 'solve';
  f: number;
  from: number;
  to: number;
  /** Factors being solved (solve) or summed (gram). */
  target: SharedArrayBuffer;
  /** Fixed factors (solve). */
  other?: SharedArrayBuffer;
  indptr?: SharedArrayBuffer;
  indices?: SharedArrayBuffer;
  values?: SharedArrayBuffer;
  /** Gram matrix of `other` plus λI (solve). */
  gram?: Float64Array;
  alpha?: number;
  cgSteps?: number;
  /** (YᵀY + λI)⁻¹ (project, and solve when `exactUpTo` > 0). */
  gramInverse?: Float64Array;
  /** Z = Y (YᵀY + λI)⁻¹ rows (project writes them; solve reads them). */
  projected?: SharedArrayBuffer;
  /** Rows with at most this many entries are solved exactly (Woodbury) instead of by CG. */
  exactUpTo?: number;
  /** init: seed of the factor initialisation (each row has its own stream, so partitions do not matter). */
  seed?: number;
}

/**
 * The worker kernel. Self-contained on purpose: it is shipped to worker threads as source text.
 * `solve` runs warm-started conjugate gradient for each row u of [from, to):
 *   (YᵀY + λI + Σᵢ (cᵤᵢ − 1) yᵢyᵢᵀ) xᵤ = Σᵢ cᵤᵢ yᵢ   with cᵤᵢ = 1 + α·wᵤᵢ
 * (Hu, Koren & Volinsky 2008; the CG formulation of Takács et al. 2011, as in `implicit`).
 */
function alsKernel(task: AlsTask): Float64Array | null {
  const f = task.f;
  const X = new Float32Array(task.target);
  const f4 = f - (f % 4);
  if (task.kind === 'init') {
    // N(0, 0.01²) per value, from a per-row xorshift stream seeded by (seed, row).
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
      const o = r * f;
      for (let a = 0; a < f; a++) X[o + a] = 0.01 * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
    }
    return null;
  }
  // Dot products with four accumulators, one per pair of array types (monomorphic for V8).
  const dot32x64 = (A: Float32Array, ao: number, B: Float64Array) => {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, a = 0;
    for (; a < f4; a += 4) {
      s0 += A[ao + a]! * B[a]!;
      s1 += A[ao + a + 1]! * B[a + 1]!;
      s2 += A[ao + a + 2]! * B[a + 2]!;
      s3 += A[ao + a + 3]! * B[a + 3]!;
    }
    for (; a < f; a++) s0 += A[ao + a]! * B[a]!;
    return s0 + s1 + s2 + s3;
  };
  const dot64x64 = (A: Float64Array, ao: number, B: Float64Array) => {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, a = 0;
    for (; a < f4; a += 4) {
      s0 += A[ao + a]! * B[a]!;
      s1 += A[ao + a + 1]! * B[a + 1]!;
      s2 += A[ao + a + 2]! * B[a + 2]!;
      s3 += A[ao + a + 3]! * B[a + 3]!;
    }
    for (; a < f; a++) s0 += A[ao + a]! * B[a]!;
    return s0 + s1 + s2 + s3;
  };
  const dot32x32 = (A: Float32Array, ao: number, B: Float32Array, bo: number) => {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, a = 0;
    for (; a < f4; a += 4) {
      s0 += A[ao + a]! * B[bo + a]!;
      s1 += A[ao + a + 1]! * B[bo + a + 1]!;
      s2 += A[ao + a + 2]! * B[bo + a + 2]!;
      s3 += A[ao + a + 3]! * B[bo + a + 3]!;
    }
    for (; a < f; a++) s0 += A[ao + a]! * B[bo + a]!;
    return s0 + s1 + s2 + s3;
  };
  /** out += c × A[ao..ao+f) */
  const axpy = (out: Float64Array, c: number, A: Float32Array, ao: number) => {
    let a = 0;
    for (; a < f4; a += 4) {
      out[a]! += c * A[ao + a]!;
      out[a + 1]! += c * A[ao + a + 1]!;
      out[a + 2]! += c * A[ao + a + 2]!;
      out[a + 3]! += c * A[ao + a + 3]!;
    }
    for (; a < f; a++) out[a]! += c * A[ao + a]!;
  };
  if (task.kind === 'gram') {
    const G = new Float64Array(f * f);
    for (let r = task.from; r < task.to; r++) {
      const o = r * f;
      for (let a = 0; a < f; a++) {
        const xa = X[o + a]!;
        if (xa === 0) continue;
        const row = a * f;
        let b = a;
        for (; b + 3 < f; b += 4) {
          G[row + b]! += xa * X[o + b]!;
          G[row + b + 1]! += xa * X[o + b + 1]!;
          G[row + b + 2]! += xa * X[o + b + 2]!;
          G[row + b + 3]! += xa * X[o + b + 3]!;
        }
        for (; b < f; b++) G[row + b]! += xa * X[o + b]!;
      }
    }
    for (let a = 0; a < f; a++) for (let b = 0; b < a; b++) G[a * f + b] = G[b * f + a]!;
    return G;
  }
  if (task.kind === 'project') {
    // Z[r] = X[r] · G⁻¹ (G symmetric), for rows [from, to).
    const Z = new Float32Array(task.projected!);
    const Gi = task.gramInverse!;
    for (let r = task.from; r < task.to; r++) {
      const o = r * f;
      for (let a = 0; a < f; a++) {
        let s = 0;
        const row = a * f;
        for (let b = 0; b < f; b++) s += Gi[row + b]! * X[o + b]!;
        Z[o + a] = s;
      }
    }
    return null;
  }
  const Y = new Float32Array(task.other!);
  const indptr = new Int32Array(task.indptr!);
  const indices = new Int32Array(task.indices!);
  const values = new Float32Array(task.values!);
  const G = task.gram!;
  const alpha = task.alpha!;
  const steps = task.cgSteps!;
  const x = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const Ap = new Float64Array(f);
  const exactUpTo = task.exactUpTo ?? 0;
  const Z = exactUpTo > 0 ? new Float32Array(task.projected!) : undefined;
  const M = new Float64Array(exactUpTo * exactUpTo);
  const v = new Float64Array(exactUpTo);
  for (let u = task.from; u < task.to; u++) {
    const a0 = indptr[u]!;
    const a1 = indptr[u + 1]!;
    const o = u * f;
    const n = a1 - a0;
    if (n === 0) {
      // No interaction: the solution of (YᵀY + λI) x = 0.
      for (let a = 0; a < f; a++) X[o + a] = 0;
      continue;
    }
    if (n <= exactUpTo) {
      // Exact solve by the Woodbury identity, with A = G + Uᵀ D U, D = diag(c − 1), zᵢ = G⁻¹ yᵢ:
      // g = G⁻¹ b = Σ cᵢ zᵢ;  M = D⁻¹ + U G⁻¹ Uᵀ;  M s = U g;  x = g − Σ sⱼ zⱼ.  O(n² f + n³).
      for (let a = 0; a < f; a++) x[a] = 0;
      for (let j = 0; j < n; j++) axpy(x, 1 + alpha * values[a0 + j]!, Z!, indices[a0 + j]! * f);
      for (let j = 0; j < n; j++) {
        const yo = indices[a0 + j]! * f;
        v[j] = dot32x64(Y, yo, x);
        for (let k = 0; k <= j; k++) {
          const d = dot32x32(Y, yo, Z!, indices[a0 + k]! * f);
          M[j * n + k] = d;
          M[k * n + j] = d;
        }
        M[j * n + j]! += 1 / (alpha * values[a0 + j]!);
      }
      // Cholesky M = L Lᵀ in place (lower triangle), then two triangular solves on v.
      for (let j = 0; j < n; j++) {
        let d = M[j * n + j]!;
        for (let k = 0; k < j; k++) d -= M[j * n + k]! * M[j * n + k]!;
        d = Math.sqrt(d);
        M[j * n + j] = d;
        for (let i = j + 1; i < n; i++) {
          let s = M[i * n + j]!;
          for (let k = 0; k < j; k++) s -= M[i * n + k]! * M[j * n + k]!;
          M[i * n + j] = s / d;
        }
      }
      for (let j = 0; j < n; j++) {
        let s = v[j]!;
        for (let k = 0; k < j; k++) s -= M[j * n + k]! * v[k]!;
        v[j] = s / M[j * n + j]!;
      }
      for (let j = n - 1; j >= 0; j--) {
        let s = v[j]!;
        for (let k = j + 1; k < n; k++) s -= M[k * n + j]! * v[k]!;
        v[j] = s / M[j * n + j]!;
      }
      for (let j = 0; j < n; j++) axpy(x, -v[j]!, Z!, indices[a0 + j]! * f);
      for (let a = 0; a < f; a++) X[o + a] = x[a]!;
      continue;
    }
    for (let a = 0; a < f; a++) x[a] = X[o + a]!;
    // r = b − A x
    for (let a = 0; a < f; a++) r[a] = -dot64x64(G, a * f, x);
    for (let k = a0; k < a1; k++) {
      const yo = indices[k]! * f;
      const c = 1 + alpha * values[k]!;
      axpy(r, c - (c - 1) * dot32x64(Y, yo, x), Y, yo);
    }
    let rsold = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a]!;
      rsold += r[a]! * r[a]!;
    }
    for (let it = 0; it < steps && rsold > 1e-20; it++) {
      for (let a = 0; a < f; a++) Ap[a] = dot64x64(G, a * f, p);
      for (let k = a0; k < a1; k++) {
        const yo = indices[k]! * f;
        axpy(Ap, alpha * values[k]! * dot32x64(Y, yo, p), Y, yo);
      }
      let pAp = 0;
      for (let a = 0; a < f; a++) pAp += p[a]! * Ap[a]!;
      if (!(pAp > 0)) break;
      const step = rsold / pAp;
      let rsnew = 0;
      for (let a = 0; a < f; a++) {
        x[a]! += step * p[a]!;
        r[a]! -= step * Ap[a]!;
        rsnew += r[a]! * r[a]!;
      }
      const beta = rsnew / rsold;
      for (let a = 0; a < f; a++) p[a] = r[a]! + beta * p[a]!;
      rsold = rsnew;
    }
    for (let a = 0; a < f; a++) X[o + a] = x[a]!;
  }
  return null;
}

/** The implicit ALS model returned by {@link createAlsModel}. */
export interface AlsModel extends InMemoryModel {
  /** The factor vector used for a query (trained, or folded in from the history). */
  userVector(query: Pick<ModelQuery, 'userId' | 'history' | 'historyWeights'>): Float32Array;
}

/**
 * Implicit-feedback matrix factorisation by alternating least squares with confidence weights
 * (Hu, Koren & Volinsky), each half-iteration solved row by row with warm-started conjugate
 * gradient in worker threads over shared memory — every core is used and the host's event loop
 * stays free. Deterministic for a seed (each row's solve depends only on the other side).
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
      // The next query folds the user in again from their (now longer) history.
      stale.add(interaction.userId);
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      const matrix = await buildUserItemMatrix(data, 'weight');
      const { byUser, byItem } = matrix;
      if (byUser.indptr[byUser.rows] === 0) {
        throw new MyContentError('INVALID_INPUT', 'ALS needs at least one positive interaction to train', { source: KIND, field: 'data', value: data.length });
      }
      const X = shared.f32(byUser.rows * f);
      const Y = shared.f32(byItem.rows * f);
      const pool = createKernelPool(alsKernel, { ...(options.workers ? { workers: options.workers } : {}), name: KIND });
      // A fixed partition (not tied to the worker count) keeps the sums' order, so results are
      // bit-identical whatever the number of threads.
      const parts = 16;
      const userRanges = balancedRanges(byUser.indptr, parts, f);
      const itemRanges = balancedRanges(byItem.indptr, parts, f);
      const gramOf = async (factors: Float32Array, rows: number): Promise<Float64Array> => {
        const step = Math.ceil(rows / parts);
        const tasks: AlsTask[] = [];
        for (let from = 0; from < rows; from += step) tasks.push({ kind: 'gram', f, from, to: Math.min(rows, from + step), target: factors.buffer as SharedArrayBuffer });
        const partials = (await pool.map(tasks)) as Float64Array[];
        const G = new Float64Array(f * f);
        for (const part of partials) for (let k = 0; k < G.length; k++) G[k]! += part[k]!;
        for (let a = 0; a < f; a++) G[a * f + a]! += config.regularization;
        return G;
      };
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
      const userExact = exactLimit(byUser, byItem.rows);
      const itemExact = exactLimit(byItem, byUser.rows);
      const projected = shared.f32(Math.max(userExact > 0 ? byItem.rows : 0, itemExact > 0 ? byUser.rows : 0) * f);
      const solve = async (target: Float32Array, other: Float32Array, otherRows: number, csr: typeof byUser, ranges: [number, number][], G: Float64Array, exactUpTo: number) => {
        let gramInverse: Float64Array | undefined;
        if (exactUpTo > 0) {
          gramInverse = G.slice();
          invertSpdInPlace(gramInverse, f, KIND);
          const step = Math.ceil(otherRows / parts);
          const tasks: AlsTask[] = [];
          for (let from = 0; from < otherRows; from += step) {
            tasks.push({ kind: 'project', f, from, to: Math.min(otherRows, from + step), target: other.buffer as SharedArrayBuffer, projected: projected.buffer as SharedArrayBuffer, gramInverse });
          }
          await pool.map(tasks);
        }
        await pool.map(
          ranges.map(([from, to]) => ({
            kind: 'solve' as const,
            f,
            from,
            to,
            target: target.buffer as SharedArrayBuffer,
            other: other.buffer as SharedArrayBuffer,
            indptr: csr.indptr.buffer as SharedArrayBuffer,
            indices: csr.indices.buffer as SharedArrayBuffer,
            values: csr.values.buffer as SharedArrayBuffer,
            gram: G,
            alpha: config.alpha,
            cgSteps: config.cgSteps,
            exactUpTo,
            ...(gramInverse ? { gramInverse, projected: projected.buffer as SharedArrayBuffer } : {}),
          })),
        );
      };
      try {
        // Seeded initialisation, in the workers: item rows from seed, user rows from seed + 1.
        const initTasks: AlsTask[] = [];
        for (const [factors, rows, seed] of [[X, byUser.rows, config.seed + 1], [Y, byItem.rows, config.seed]] as const) {
          const step = Math.ceil(rows / parts);
          for (let from = 0; from < rows; from += step) initTasks.push({ kind: 'init', f, from, to: Math.min(rows, from + step), target: factors.buffer as SharedArrayBuffer, seed });
        }
        await pool.map(initTasks);
        for (let it = 0; it < config.iterations; it++) {
          if (context.signal?.aborted) throw new MyContentError('ABORTED', 'ALS training aborted', { source: KIND });
          await solve(X, Y, byItem.rows, byUser, userRanges, await gramOf(Y, byItem.rows), userExact);
          await solve(Y, X, byUser.rows, byItem, itemRanges, await gramOf(X, byUser.rows), itemExact);
          context.onProgress?.({ phase: 'iteration', done: it + 1, total: config.iterations });
          if (options.onIteration?.(it + 1) === false) break;
        }
        gram = await gramOf(Y, byItem.rows);
      } finally {
        await pool.close();
      }
      userIds = data.users;
      userIndex = data.userIndex; // datasets are immutable once built: no copy
      stale.clear();
      userFactors = X; // the workers are done with it
      scorer = factorScorer(new Float32Array(Y), f, matrix.itemCatalog, data.catalog.size, data.catalog);
      trained = true;
    },
    ...factorQueries(() => (trained ? scorer : undefined), userVector, KIND),
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

