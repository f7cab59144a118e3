// The baseline of the ALS speed benchmark: the same algorithm (CG rows, Woodbury rows, Gram
// matrices, projections, the same partitions) as the plain-JavaScript kernel that `createAlsModel`
// used before its WebAssembly SIMD kernels (commit 1f9198c), frozen here so that both run side by
// side in one benchmark run. It trains factors and returns them; nothing else.
import { MyContentError, type InteractionDataset } from '@mycontent/core';
import { balancedRanges, createKernelPool } from '@mycontent/core/internal';
import { buildUserItemMatrix, shared } from '../../packages/algorithms/src/shared/matrix';
import { invertSpdInPlace } from '../../packages/algorithms/src/shared/linalg';

const KIND = 'als-baseline';

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

/** Trains implicit ALS with the plain-JavaScript kernel; returns the user and item factors. */
export async function trainAlsPlainJs(
  data: InteractionDataset,
  config: { factors: number; iterations: number; regularization: number; alpha: number; cgSteps: number; seed: number },
): Promise<{ X: Float32Array; Y: Float32Array }> {
  const f = config.factors;
  const options: { workers?: number } = {};
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
      await solve(X, Y, byItem.rows, byUser, userRanges, await gramOf(Y, byItem.rows), userExact);
      await solve(Y, X, byUser.rows, byItem, itemRanges, await gramOf(X, byUser.rows), itemExact);
    }
  } finally {
    await pool.close();
  }
  return { X, Y };
}
