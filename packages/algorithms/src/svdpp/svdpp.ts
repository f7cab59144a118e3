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
import { createKernelPool } from '@mycontent/core/internal';
import { buildUserItemMatrix, shared } from '../shared/matrix';
import { checkFactorOptions, factorScorer, removeUser, restoreUsers, type FactorScorer } from '../shared/factors';

/** Options of {@link createSvdppModel}. */
export interface SvdppOptions {
  /** Latent factors. @default 20 */
  factors?: number;
  /** SGD passes over the ratings. @default 20 */
  epochs?: number;
  /** @default 0.007 */
  learningRate?: number;
  /** L2 regularisation of every parameter. @default 0.02 */
  regularization?: number;
  /** Standard deviation of the factor initialisation. @default 0.1 */
  initStd?: number;
  /** @default 42 */
  seed?: number;
}

const KIND = 'svdpp';
const FORMAT_VERSION = 1;

interface SvdppTask {
  f: number;
  users: number;
  epoch: number;
  seed: number;
  lr: number;
  reg: number;
  mu: number;
  indptr: SharedArrayBuffer;
  indices: SharedArrayBuffer;
  ratings: SharedArrayBuffer;
  P: SharedArrayBuffer;
  Q: SharedArrayBuffer;
  Yf: SharedArrayBuffer;
  bu: SharedArrayBuffer;
  bi: SharedArrayBuffer;
}

/**
 * One SVD++ epoch (Koren 2008): r̂ᵤᵢ = μ + bᵤ + bᵢ + qᵢ·(pᵤ + |N(u)|^−½ Σⱼ∈N(u) yⱼ), by SGD over
 * users in a seeded random order and each user's ratings in random order. The implicit term is
 * computed once per user and its gradient applied to the yⱼ after the user's ratings (the usual
 * fast variant). Returns the training RMSE of the epoch. Self-contained (runs in a worker).
 */
function svdppEpochKernel(task: SvdppTask): number {
  const { f, users, lr, reg, mu } = task;
  const indptr = new Int32Array(task.indptr);
  const indices = new Int32Array(task.indices);
  const ratings = new Float32Array(task.ratings);
  const P = new Float32Array(task.P);
  const Q = new Float32Array(task.Q);
  const Yf = new Float32Array(task.Yf);
  const bu = new Float32Array(task.bu);
  const bi = new Float32Array(task.bi);
  let state = (task.seed * 2654435761 + task.epoch * 97 + 7) >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  const order = new Int32Array(users);
  for (let u = 0; u < users; u++) order[u] = u;
  for (let i = users - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const z = new Float64Array(f);
  const gz = new Float64Array(f);
  const pz = new Float64Array(f);
  let se = 0;
  let count = 0;
  const local: number[] = [];
  for (let o = 0; o < users; o++) {
    const u = order[o]!;
    const a0 = indptr[u]!;
    const a1 = indptr[u + 1]!;
    const n = a1 - a0;
    if (n === 0) continue;
    const norm = 1 / Math.sqrt(n);
    z.fill(0);
    for (let k = a0; k < a1; k++) {
      const yo = indices[k]! * f;
      for (let a = 0; a < f; a++) z[a]! += Yf[yo + a]!;
    }
    for (let a = 0; a < f; a++) z[a]! *= norm;
    gz.fill(0);
    local.length = 0;
    for (let k = a0; k < a1; k++) local.push(k);
    for (let i = local.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = local[i]!;
      local[i] = local[j]!;
      local[j] = t;
    }
    const po = u * f;
    for (const k of local) {
      const i = indices[k]!;
      const qo = i * f;
      let dot = 0;
      for (let a = 0; a < f; a++) {
        pz[a] = P[po + a]! + z[a]!;
        dot += Q[qo + a]! * pz[a]!;
      }
      const e = ratings[k]! - (mu + bu[u]! + bi[i]! + dot);
      se += e * e;
      count++;
      bu[u]! += lr * (e - reg * bu[u]!);
      bi[i]! += lr * (e - reg * bi[i]!);
      for (let a = 0; a < f; a++) {
        const q = Q[qo + a]!;
        Q[qo + a] = q + lr * (e * pz[a]! - reg * q);
        P[po + a] = P[po + a]! + lr * (e * q - reg * P[po + a]!);
        gz[a]! += e * q;
      }
    }
    for (let k = a0; k < a1; k++) {
      const yo = indices[k]! * f;
      for (let a = 0; a < f; a++) Yf[yo + a] = Yf[yo + a]! + lr * (norm * gz[a]! - reg * Yf[yo + a]!);
    }
  }
  return Math.sqrt(se / Math.max(1, count));
}

/** The SVD++ model returned by {@link createSvdppModel}. */
export interface SvdppModel extends InMemoryModel {
  /** Predicted rating of catalogue items for a user (clipped to the training rating range). */
  predict(query: Pick<ModelQuery, 'userId' | 'history'>, items: Int32Array): Float32Array;
  /** Training RMSE of each epoch of the last fit. */
  readonly trainingRmse: readonly number[];
}

/**
 * SVD++ for explicit ratings (Koren 2008): biases, user and item factors, and an implicit-feedback
 * term built from the items the user rated. Trains on the interactions that carry a `rating`, in a
 * worker thread, deterministic for a seed. `score` returns predicted ratings (for RMSE);
 * `recommend` ranks by them. Unknown users are predicted from their history's implicit term.
 *
 * @example
 * ```ts
 * const svdpp = createSvdppModel({ factors: 20, epochs: 20 });
 * await svdpp.fit(movielensDataset);
 * svdpp.predict({ userId: '196', history: new Int32Array(0) }, Int32Array.from([catalog.indexOf('242')]));
 * ```
 */
export function createSvdppModel(options: SvdppOptions = {}): SvdppModel {
  const config = {
    factors: options.factors ?? 20,
    epochs: options.epochs ?? 20,
    learningRate: options.learningRate ?? 0.007,
    regularization: options.regularization ?? 0.02,
    initStd: options.initStd ?? 0.1,
    seed: options.seed ?? 42,
  };
  checkFactorOptions(KIND, config);
  const f = config.factors;
  let trained = false;
  let mu = 0;
  let range: [number, number] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  let userIndex: ReadonlyMap<string, number> = new Map();
  let userIds: readonly string[] = [];
  /** Per user: pᵤ + |N(u)|^−½ Σ yⱼ, then bᵤ (f + 1 values). */
  let userState: Float32Array = new Float32Array(0);
  let implicitFactors: Float32Array = new Float32Array(0); // yⱼ, compact items × f
  let scorer: FactorScorer | undefined; // rows [qᵢ, bᵢ]
  let rmse: number[] = [];

  function fail(): never {
    throw new MyContentError('NOT_TRAINED', 'the SVD++ model is not trained', { source: KIND });
  }

  /** [pᵤ + z, 1] for the ranking scan, and bᵤ. */
  function userVector(query: Pick<ModelQuery, 'userId' | 'history'>): { x: Float32Array; bias: number } {
    const x = new Float32Array(f + 1);
    x[f] = 1;
    const u = query.userId === undefined ? undefined : userIndex.get(query.userId);
    if (u !== undefined) {
      x.set(userState.subarray(u * (f + 1), u * (f + 1) + f));
      return { x, bias: userState[u * (f + 1) + f]! };
    }
    const compact = new Set<number>();
    for (const item of query.history) {
      const j = scorer!.compactOf(item);
      if (j >= 0) compact.add(j);
    }
    if (compact.size > 0) {
      const norm = 1 / Math.sqrt(compact.size);
      for (const j of compact) for (let a = 0; a < f; a++) x[a]! += norm * implicitFactors[j * f + a]!;
    }
    return { x, bias: 0 };
  }

  function predict(query: Pick<ModelQuery, 'userId' | 'history'>, items: Int32Array): Float32Array {
    if (!trained) fail();
    const { x, bias } = userVector(query);
    const dots = scorer!.score(x, items);
    const out = new Float32Array(items.length);
    for (let k = 0; k < items.length; k++) {
      const known = scorer!.compactOf(items[k]!) >= 0;
      const r = mu + bias + (known ? dots[k]! : 0);
      out[k] = Math.min(range[1], Math.max(range[0], r));
    }
    return out;
  }

  const model: SvdppModel = {
    kind: KIND,
    capabilities: { online: false, personalized: true, trending: false, similarItems: true },
    get trained() {
      return trained;
    },
    get trainingRmse() {
      return rmse;
    },
    predict,
    async fit(data: InteractionDataset, context: FitContext = {}) {
      const matrix = await buildUserItemMatrix(data, 'rating');
      const { byUser } = matrix;
      const items = matrix.byItem.rows;
      if (byUser.indptr[byUser.rows] === 0) {
        throw new MyContentError('INVALID_INPUT', 'SVD++ needs interactions with a rating value (type "rating")', { source: KIND, field: 'data', value: 0 });
      }
      let sum = 0;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const r of byUser.values) {
        sum += r;
        lo = Math.min(lo, r);
        hi = Math.max(hi, r);
      }
      mu = sum / byUser.values.length;
      range = [lo, hi];
      const P = shared.f32(byUser.rows * f);
      const Q = shared.f32(items * f);
      const Yf = shared.f32(items * f);
      const bu = shared.f32(byUser.rows);
      const bi = shared.f32(items);
      let s = config.seed >>> 0 || 1;
      const gauss = () => {
        let u1 = 0;
        while (u1 === 0) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          u1 = s / 4294967296;
        }
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * (s / 4294967296));
      };
      for (const m of [P, Q, Yf]) for (let i = 0; i < m.length; i++) m[i] = config.initStd * gauss();
      const pool = createKernelPool(svdppEpochKernel, { workers: 1, name: KIND });
      rmse = [];
      try {
        for (let epoch = 0; epoch < config.epochs; epoch++) {
          if (context.signal?.aborted) throw new MyContentError('ABORTED', 'SVD++ training aborted', { source: KIND });
          rmse.push(
            await pool.run({
              f,
              users: byUser.rows,
              epoch,
              seed: config.seed,
              lr: config.learningRate,
              reg: config.regularization,
              mu,
              indptr: byUser.indptr.buffer as SharedArrayBuffer,
              indices: byUser.indices.buffer as SharedArrayBuffer,
              ratings: byUser.values.buffer as SharedArrayBuffer,
              P: P.buffer as SharedArrayBuffer,
              Q: Q.buffer as SharedArrayBuffer,
              Yf: Yf.buffer as SharedArrayBuffer,
              bu: bu.buffer as SharedArrayBuffer,
              bi: bi.buffer as SharedArrayBuffer,
            }),
          );
          context.onProgress?.({ phase: 'epoch', done: epoch + 1, total: config.epochs });
        }
      } finally {
        await pool.close();
      }
      // Fold the implicit term into one vector per user.
      userState = new Float32Array(byUser.rows * (f + 1));
      for (let u = 0; u < byUser.rows; u++) {
        const a0 = byUser.indptr[u]!;
        const a1 = byUser.indptr[u + 1]!;
        const o = u * (f + 1);
        const norm = a1 > a0 ? 1 / Math.sqrt(a1 - a0) : 0;
        for (let a = 0; a < f; a++) {
          let z = 0;
          for (let k = a0; k < a1; k++) z += Yf[byUser.indices[k]! * f + a]!;
          userState[o + a] = P[u * f + a]! + norm * z;
        }
        userState[o + f] = bu[u]!;
      }
      const itemRows = new Float32Array(items * (f + 1));
      for (let j = 0; j < items; j++) {
        itemRows.set(Q.subarray(j * f, (j + 1) * f), j * (f + 1));
        itemRows[j * (f + 1) + f] = bi[j]!;
      }
      implicitFactors = new Float32Array(Yf);
      userIds = data.users;
      userIndex = data.userIndex; // datasets are immutable once built: no copy
      scorer = factorScorer(itemRows, f + 1, matrix.itemCatalog, data.catalog.size, data.catalog);
      trained = true;
    },
    recommend(query: ModelQuery): ScoredItems {
      if (!trained) fail();
      if (query.k < 1) return NO_ITEMS;
      return scorer!.top(userVector(query).x, query.k, query.filter);
    },
    score: (query, items) => predict(query, items),
    similar(item, k, filter) {
      if (!trained) fail();
      return scorer!.similar(item, k, filter);
    },
    forgetUser(userId) {
      const removed = removeUser({ userIds, userIndex }, userId, { userState: { array: userState, width: f + 1 } });
      if (!removed) return;
      ({ userIds, userIndex } = removed.users);
      userState = removed.rows.userState;
    },
    userData(userId) {
      const u = userIndex.get(userId);
      if (u === undefined) return undefined;
      return { factors: Array.from(userState.subarray(u * (f + 1), u * (f + 1) + f)), bias: userState[u * (f + 1) + f]! };
    },
    untrainedCopy: () => createSvdppModel(options),
    toArtifact(): ModelArtifact {
      if (!trained || !scorer) fail();
      return {
        kind: KIND,
        formatVersion: FORMAT_VERSION,
        state: { config, mu, range, userIds, itemIds: scorer.itemIds(), rmse },
        arrays: { userState, itemRows: scorer.itemFactors, implicitFactors },
      };
    },
    restore(artifact: ModelArtifact, catalog: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { config: { factors: number }; mu: number; range: [number, number]; userIds: string[]; itemIds: string[]; rmse: number[] };
      ({ userIds, userIndex } = restoreUsers(KIND, state, f));
      mu = state.mu;
      range = state.range;
      rmse = state.rmse;
      userState = artifact.arrays.userState as Float32Array;
      implicitFactors = artifact.arrays.implicitFactors as Float32Array;
      scorer = factorScorer(artifact.arrays.itemRows as Float32Array, f + 1, bindItemIds(state.itemIds, catalog), catalog.size, catalog);
      trained = true;
    },
  };
  return model;
}
