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
import { createKernelPool } from '@mycontent/core/internal';
import { createBreather } from '@mycontent/core/internal';
import { buildUserItemMatrix, copyBreathing } from '../shared/matrix';
import { checkWasmCapacity, compileKernels, createArena, createSharedMemory, paddedFactors, unpadRows, type WasmMemory } from '../shared/wasm';
import { BPR_KERNELS_WASM } from './bpr-kernels.wasm';
import { checkFactorOptions, factorQueries, factorScorer, removeUser, restoreUsers, userFactorsOf, type FactorScorer } from '../shared/factors';

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

/** Instantiation, in the worker kernel (the WebAssembly types ship with the DOM library only). */
declare const WebAssembly: { Instance: new (module: object, imports: object) => { exports: Record<string, unknown> } };

/** Byte offsets of a training run's arrays in its shared WebAssembly memory. */
interface BprLayout {
  /** Bytes per factor vector: the factors padded with zeros to a multiple of 8 floats. */
  fb: number;
  U: number;
  V: number;
  bias: number;
  indptr: number;
  indices: number;
  bytes: number;
}

interface BprTask {
  /** `init`: draw the initial factors; `epoch`: one pass of SGD. */
  kind: 'init' | 'epoch';
  module: object;
  memory: WasmMemory;
  layout: BprLayout;
  f: number;
  users: number;
  items: number;
  epoch: number;
  seed: number;
  learningRate: number;
  regularization: number;
  biasRegularization: number;
}

/**
 * Runs one BPR task in the training worker: the initial factors (here), or one SGD epoch (the
 * WebAssembly SIMD kernel of `bpr-kernels.wat`, which returns the summed loss). Self-contained:
 * shipped to the worker as source text.
 */
function bprKernel(task: BprTask): number {
  const { f, users, items } = task;
  const L = task.layout;
  const fp = L.fb >> 2;
  if (task.kind === 'init') {
    // N(0, 0.1²) from a seeded linear congruential stream with Box–Muller; padding stays 0.
    const F32 = new Float32Array(task.memory.buffer);
    let s = task.seed >>> 0 || 1;
    const uniform = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s + 0.5) / 4294967296;
    };
    for (const [offset, rows] of [[L.U, users], [L.V, items]] as const) {
      for (let r = 0; r < rows; r++) {
        const o = (offset >> 2) + r * fp;
        for (let a = 0; a < f; a++) F32[o + a] = 0.1 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
        for (let a = f; a < fp; a++) F32[o + a] = 0;
      }
    }
    F32.fill(0, L.bias >> 2, (L.bias >> 2) + items);
    return 0;
  }
  const instance = new WebAssembly.Instance(task.module, { env: { memory: task.memory }, math: { exp: Math.exp, log1p: Math.log1p } });
  const epoch = instance.exports.epoch as (...args: number[]) => number;
  // xorshift32, seeded by (seed, epoch).
  const state = (task.seed * 2654435761 + task.epoch * 40503 + 1) >>> 0 || 1;
  const loss = epoch(L.U, L.V, L.bias, L.indptr, L.indices, users, items, state | 0, task.learningRate, task.regularization, task.biasRegularization, L.fb);
  return loss / Math.max(1, new Int32Array(task.memory.buffer, L.indptr, users + 1)[users]!);
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
 * one WebAssembly SIMD epoch per task so it can stop early; it is sequential SGD, so the same seed gives the same
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
      const users = byUser.rows;
      const nnz = byUser.indices.length;
      const fp = paddedFactors(f);
      const arena = createArena();
      const layout: BprLayout = {
        fb: fp * 4,
        U: arena.take(users * fp * 4),
        V: arena.take(items * fp * 4),
        bias: arena.take(items * 4),
        indptr: arena.take((users + 1) * 4),
        indices: arena.take(nnz * 4),
        bytes: 0,
      };
      layout.bytes = arena.bytes();
      checkWasmCapacity(KIND, layout.bytes, `${users} users × ${items} items at ${fp} factors`, 'factors', fp);
      const memory = createSharedMemory(layout.bytes);
      const buffer = memory.buffer;
      const breathe = createBreather();
      await copyBreathing(new Int32Array(buffer, layout.indptr, users + 1), byUser.indptr, breathe);
      await copyBreathing(new Int32Array(buffer, layout.indices, nnz), byUser.indices, breathe);
      const module = compileKernels(BPR_KERNELS_WASM);
      const pool = createKernelPool(bprKernel, { workers: 1, name: KIND });
      losses = [];
      const task = (kind: BprTask['kind'], epoch: number): BprTask => ({
        kind,
        module,
        memory,
        layout,
        f,
        users,
        items,
        epoch,
        seed: config.seed,
        learningRate: config.learningRate,
        regularization: config.regularization,
        biasRegularization: config.biasRegularization,
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
      userFactors = await unpadRows(buffer, layout.U, users, f, fp, breathe);
      itemBias = new Float32Array(buffer, layout.bias, items).slice();
      scorer = factorScorer(extended(await unpadRows(buffer, layout.V, items, f, fp, breathe), itemBias, items), f + 1, matrix.itemCatalog, data.catalog.size, data.catalog);
      trained = true;
    },
    ...factorQueries(() => (trained ? scorer : undefined), userVector, KIND),
    forgetUser(userId) {
      const removed = removeUser({ userIds, userIndex }, userId, { userFactors: { array: userFactors, width: f } });
      if (!removed) return;
      ({ userIds, userIndex } = removed.users);
      userFactors = removed.rows.userFactors;
    },
    userData: (userId) => userFactorsOf(userIndex, userFactors, f, userId),
    untrainedCopy: () => createBprModel(options),
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
