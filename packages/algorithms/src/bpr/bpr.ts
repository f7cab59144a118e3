import {
  MyContentError,
  assertArtifactKind,
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
import { checkFactorOptions, factorQueries, factorScorer, restoreUsers, type FactorScorer } from '../shared/factors';

/** Options of {@link createBprModel}. */
export interface BprOptions {
  /** Latent factors. @default 64 */
  factors?: number;
  /** Passes over the positive pairs. @default 100 */
  epochs?: number;
  /** SGD learning rate. @default 0.01 */
  learningRate?: number;
  /** L2 regularisation of user and item factors. @default 0.02 */
  regularization?: number;
  /** L2 regularisation of item biases. @default 0.001 */
  biasRegularization?: number;
  /** Seed of initialisation and sampling. @default 42 */
  seed?: number;
  /** Called after each epoch; return `false` to stop early. */
  onEpoch?: (epoch: number) => boolean | void;
}

const KIND = 'bpr';
const FORMAT_VERSION = 1;

interface BprTask {
  /** `init`: draw the initial factors; `epoch`: one pass of SGD. */
  kind: 'init' | 'epoch';
  f: number;
  users: number;
  items: number;
  epoch: number;
  seed: number;
  learningRate: number;
  regularization: number;
  biasRegularization: number;
  U: SharedArrayBuffer;
  V: SharedArrayBuffer;
  bias: SharedArrayBuffer;
  indptr: SharedArrayBuffer;
  indices: SharedArrayBuffer;
}

/**
 * One BPR epoch (Rendle et al. 2009): as many SGD steps as positive pairs, each on a triple
 * (user u, positive i, sampled negative j) maximising ln σ(x̂ᵤᵢ − x̂ᵤⱼ), x̂ᵤᵢ = uᵤ·vᵢ + bᵢ.
 * Self-contained: shipped to a worker as source text. Its random stream is seeded per epoch.
 */
function bprKernel(task: BprTask): number {
  const { f, users, items, learningRate: lr, regularization: reg, biasRegularization: breg } = task;
  const U = new Float32Array(task.U);
  const V = new Float32Array(task.V);
  const bias = new Float32Array(task.bias);
  if (task.kind === 'init') {
    // N(0, 0.1²) from a seeded linear congruential stream with Box–Muller.
    let s = task.seed >>> 0 || 1;
    const uniform = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s + 0.5) / 4294967296;
    };
    for (const m of [U, V]) for (let i = 0; i < m.length; i++) m[i] = 0.1 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return 0;
  }
  const indptr = new Int32Array(task.indptr);
  const indices = new Int32Array(task.indices);
  // xorshift32, seeded by (seed, epoch).
  let state = (task.seed * 2654435761 + task.epoch * 40503 + 1) >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  const has = (u: number, item: number) => {
    let lo = indptr[u]!;
    let hi = indptr[u + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = indices[mid]!;
      if (v === item) return true;
      if (v < item) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };
  const nnz = indptr[users]!;
  let loss = 0;
  for (let step = 0; step < nnz; step++) {
    // Sample a positive pair uniformly, then a negative the user never interacted with.
    const k = Math.floor(rand() * nnz);
    let lo = 0;
    let hi = users - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (indptr[mid]! <= k) lo = mid;
      else hi = mid - 1;
    }
    const u = lo;
    const i = indices[k]!;
    if (indptr[u + 1]! - indptr[u]! >= items) continue;
    let j = Math.floor(rand() * items);
    while (has(u, j)) j = Math.floor(rand() * items);
    const uo = u * f;
    const io = i * f;
    const jo = j * f;
    let x = bias[i]! - bias[j]!;
    for (let a = 0; a < f; a++) x += U[uo + a]! * (V[io + a]! - V[jo + a]!);
    const z = 1 / (1 + Math.exp(x)); // σ(−x): the gradient scale
    loss += Math.log1p(Math.exp(-x));
    bias[i]! += lr * (z - breg * bias[i]!);
    bias[j]! += lr * (-z - breg * bias[j]!);
    for (let a = 0; a < f; a++) {
      const ua = U[uo + a]!;
      const via = V[io + a]!;
      const vja = V[jo + a]!;
      U[uo + a] = ua + lr * (z * (via - vja) - reg * ua);
      V[io + a] = via + lr * (z * ua - reg * via);
      V[jo + a] = vja + lr * (-z * ua - reg * vja);
    }
  }
  return loss / Math.max(1, nnz);
}

/** The BPR model returned by {@link createBprModel}. */
export interface BprModel extends InMemoryModel {
  /** Mean BPR loss of each epoch of the last fit. */
  readonly losses: readonly number[];
}

/**
 * Bayesian personalised ranking matrix factorisation (Rendle et al. 2009): learns to rank each
 * user's items above items they never touched, by SGD on sampled (user, positive, negative)
 * triples with item biases. Training runs in a worker thread (the host's event loop stays free),
 * one epoch per task so it can stop early; it is sequential SGD, so the same seed gives the same
 * model. Users absent from training get the mean of their history's item factors.
 *
 * @example
 * ```ts
 * const bpr = createBprModel({ factors: 64, epochs: 100 });
 * await bpr.fit(dataset);
 * ```
 */
export function createBprModel(options: BprOptions = {}): BprModel {
  const config = {
    factors: options.factors ?? 64,
    epochs: options.epochs ?? 100,
    learningRate: options.learningRate ?? 0.01,
    regularization: options.regularization ?? 0.02,
    biasRegularization: options.biasRegularization ?? 0.001,
    seed: options.seed ?? 42,
  };
  checkFactorOptions(KIND, config);
  const f = config.factors;
  let trained = false;
  let userIndex: ReadonlyMap<string, number> = new Map();
  let userIds: readonly string[] = [];
  let userFactors: Float32Array = new Float32Array(0);
  let itemBias: Float32Array = new Float32Array(0);
  let scorer: FactorScorer | undefined;
  let losses: number[] = [];

  function fail(): never {
    throw new MyContentError('NOT_TRAINED', 'the BPR model is not trained', { source: KIND });
  }

  /** User vector extended with a constant 1 so that the item bias is the last factor. */
  function userVector(query: Pick<ModelQuery, 'userId' | 'history'>): Float32Array {
    const x = new Float32Array(f + 1);
    x[f] = 1;
    const u = query.userId === undefined ? undefined : userIndex.get(query.userId);
    if (u !== undefined) {
      x.set(userFactors.subarray(u * f, (u + 1) * f));
      return x;
    }
    // Unknown user: the mean of the history's item factors.
    let count = 0;
    for (const item of query.history) {
      const j = scorer!.compactOf(item);
      if (j < 0) continue;
      const o = j * (f + 1);
      for (let a = 0; a < f; a++) x[a]! += scorer!.itemFactors[o + a]!;
      count++;
    }
    if (count > 0) for (let a = 0; a < f; a++) x[a]! /= count;
    return x;
  }

  /** Item factors with the bias appended as factor f. */
  function extended(V: Float32Array, bias: Float32Array, items: number): Float32Array {
    const out = new Float32Array(items * (f + 1));
    for (let j = 0; j < items; j++) {
      out.set(V.subarray(j * f, (j + 1) * f), j * (f + 1));
      out[j * (f + 1) + f] = bias[j]!;
    }
    return out;
  }

  const model: BprModel = {
    kind: KIND,
    capabilities: { online: false, personalized: true, trending: false, similarItems: true },
    get trained() {
      return trained;
    },
    get losses() {
      return losses;
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      const matrix = await buildUserItemMatrix(data, 'binary');
      const { byUser } = matrix;
      const items = matrix.byItem.rows;
      if (byUser.indptr[byUser.rows] === 0) {
        throw new MyContentError('INVALID_INPUT', 'BPR needs at least one positive interaction', { source: KIND, field: 'data', value: 0 });
      }
      const U = shared.f32(byUser.rows * f);
      const V = shared.f32(items * f);
      const bias = shared.f32(items);
      const pool = createKernelPool(bprKernel, { workers: 1, name: KIND });
      losses = [];
      const task = (kind: BprTask['kind'], epoch: number): BprTask => ({
        kind,
        f,
        users: byUser.rows,
        items,
        epoch,
        seed: config.seed,
        learningRate: config.learningRate,
        regularization: config.regularization,
        biasRegularization: config.biasRegularization,
        U: U.buffer as SharedArrayBuffer,
        V: V.buffer as SharedArrayBuffer,
        bias: bias.buffer as SharedArrayBuffer,
        indptr: byUser.indptr.buffer as SharedArrayBuffer,
        indices: byUser.indices.buffer as SharedArrayBuffer,
      });
      try {
        await pool.run(task('init', 0));
        for (let epoch = 0; epoch < config.epochs; epoch++) {
          if (context.signal?.aborted) throw new MyContentError('ABORTED', 'BPR training aborted', { source: KIND });
          losses.push(await pool.run(task('epoch', epoch)));
          context.onProgress?.({ phase: 'epoch', done: epoch + 1, total: config.epochs });
          if (options.onEpoch?.(epoch + 1) === false) break;
        }
      } finally {
        await pool.close();
      }
      userIds = data.users;
      userIndex = data.userIndex; // datasets are immutable once built: no copy
      userFactors = U;
      itemBias = new Float32Array(bias);
      scorer = factorScorer(extended(V, bias, items), f + 1, matrix.itemCatalog, data.catalog.size, data.catalog);
      trained = true;
    },
    ...factorQueries(() => (trained ? scorer : undefined), userVector, KIND),
    toArtifact(): ModelArtifact {
      if (!trained || !scorer) fail();
      return {
        kind: KIND,
        formatVersion: FORMAT_VERSION,
        state: { config, userIds, itemIds: scorer.itemIds(), losses },
        arrays: { userFactors, itemFactors: scorer.itemFactors, itemBias },
      };
    },
    restore(artifact: ModelArtifact, catalog: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { config: { factors: number }; userIds: string[]; itemIds: string[]; losses: number[] };
      ({ userIds, userIndex } = restoreUsers(KIND, state, f));
      userFactors = artifact.arrays.userFactors as Float32Array;
      itemBias = artifact.arrays.itemBias as Float32Array;
      losses = state.losses;
      scorer = factorScorer(artifact.arrays.itemFactors as Float32Array, f + 1, bindItemIds(state.itemIds, catalog), catalog.size, catalog);
      trained = true;
    },
  };
  return model;
}
