import {
  MyContentError,
  NO_ITEMS,
  assertArtifactKind,
  bindItemIds,
  type FitContext,
  type InMemoryModel,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type ScoredItems,
} from '@mycontent/core';
import { TopK, createKernelPool } from '@mycontent/core/internal';
import { checkOption } from '../shared/options';
import { throwIfAborted } from '../shared/abort';
import { buildUserItemMatrix } from '../shared/matrix';
import { removeUser, userFactorsOf } from '../shared/factors';
import { neuralLayers, type AdamStep, type NeuralLayers } from './layers';

/** Options of {@link createNcfModel}. */
export interface NcfOptions {
  /** Width of the GMF embeddings (user ⊙ item). @default 32 */
  gmfFactors?: number;
  /** Width of the MLP's user and item embeddings. @default 32 */
  mlpFactors?: number;
  /** Units of the MLP's hidden layers, each a ReLU, from the input side. @default [64, 32, 16] */
  layers?: readonly number[];
  /** Items sampled per positive as negatives (uniformly among those the user did not touch). @default 4 */
  negatives?: number;
  /** Passes over the positives. @default 20 */
  epochs?: number;
  /** Positives per mini-batch (each with its negatives). @default 256 */
  batchSize?: number;
  /** Adam learning rate. @default 0.001 */
  learningRate?: number;
  /** Decoupled weight decay of every parameter (AdamW), per update. @default 0 */
  weightDecay?: number;
  /** Seed of initialisation, shuffling and sampling. @default 42 */
  seed?: number;
}

/** The model returned by {@link createNcfModel}. */
export interface NcfModel extends InMemoryModel {
  /** Mean binary cross-entropy of each epoch of the last fit. */
  readonly losses: readonly number[];
}

const KIND = 'ncf';
const FORMAT_VERSION = 1;

/** Shapes of the parameters, by name, as rows × width. */
function parameterShapes(U: number, N: number, dg: number, dm: number, layers: readonly number[]): Record<string, [number, number]> {
  const shapes: Record<string, [number, number]> = { userGmf: [U, dg], itemGmf: [N, dg], userMlp: [U, dm], itemMlp: [N, dm] };
  let width = 2 * dm;
  layers.forEach((units, l) => {
    shapes[`W${l}`] = [width, units];
    shapes[`b${l}`] = [1, units];
    width = units;
  });
  shapes.out = [dg + width, 1];
  shapes.outBias = [1, 1];
  return shapes;
}

interface NcfTask {
  kind: 'init' | 'train';
  buffers: Record<string, SharedArrayBuffer>;
  shapes: Record<string, [number, number]>;
  U: number;
  N: number;
  dg: number;
  dm: number;
  layers: number[];
  negatives: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  seed: number;
  /** Positions of `order` to train on in this task. */
  from: number;
  to: number;
}

interface NcfChunk {
  loss: number;
  examples: number;
  /** The mini-batch (from 0 in this task) whose loss or gradient was not finite, or -1. */
  diverged: number;
}

/**
 * NeuMF training in a worker thread: mini-batches of positives (in the epoch's shuffled `order`),
 * each with sampled negatives, through GMF and the MLP, binary cross-entropy, Adam (lazy on the
 * embedding rows). Self-contained: shipped as source text, with the layers as `nn`.
 */
export function ncfKernel(task: NcfTask, _report: (progress: unknown) => void, nn: NeuralLayers): NcfChunk {
  const { U, N, dg, dm, layers } = task;
  const f32 = (name: string) => new Float32Array(task.buffers[name]!);
  const counters = new Int32Array(task.buffers.counters!); // 0 Adam step, 1 random state
  const rng = () => {
    let s = counters[1]! >>> 0 || 1;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    counters[1] = s | 0;
    return (s >>> 0) / 4294967296;
  };
  const names = Object.keys(task.shapes);
  if (task.kind === 'init') {
    counters[1] = (task.seed * 2654435761 + 7) | 0 || 1;
    for (const name of names) {
      const [rows, width] = task.shapes[name]!;
      const p = f32(name);
      if (name.startsWith('user') || name.startsWith('item')) for (let i = 0; i < p.length; i++) p[i] = 0.01 * Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
      else if (name.startsWith('W') || name === 'out') {
        const bound = Math.sqrt(6 / (rows + width));
        for (let i = 0; i < p.length; i++) p[i] = (2 * rng() - 1) * bound;
      }
    }
    return { loss: 0, examples: 0, diverged: -1 };
  }
  const indptr = new Int32Array(task.buffers.indptr!);
  const indices = new Int32Array(task.buffers.indices!);
  const order = new Int32Array(task.buffers.order!);
  const rowUser = new Int32Array(task.buffers.rowUser!);
  const P: Record<string, Float32Array[]> = {};
  for (const name of names) P[name] = [f32(name), f32(`${name}.g`), f32(`${name}.m`), f32(`${name}.v`)];
  const M = task.batchSize * (1 + task.negatives);
  const L = layers.length;
  const last = L > 0 ? layers[L - 1]! : 2 * dm;
  const F = dg + last;
  const users = new Int32Array(M);
  const items = new Int32Array(M);
  const labels = new Float32Array(M);
  const pg = new Float32Array(M * dg);
  const qg = new Float32Array(M * dg);
  const pm = new Float32Array(M * dm);
  const qm = new Float32Array(M * dm);
  const z0 = new Float32Array(M * 2 * dm);
  const acts = layers.map((units) => new Float32Array(M * units));
  const dActs = layers.map((units) => new Float32Array(M * units));
  const dz0 = new Float32Array(M * 2 * dm);
  const features = new Float32Array(M * F);
  const dFeatures = new Float32Array(M * F);
  const logits = new Float32Array(M);
  const dLogits = new Float32Array(M);
  const dpg = new Float32Array(M * dg);
  const dqg = new Float32Array(M * dg);
  const dpm = new Float32Array(M * dm);
  const dqm = new Float32Array(M * dm);
  const marks = new Int32Array(Math.max(U, N)).fill(-1);
  const uniqueRows = new Int32Array(M);
  const touched = (rows: Int32Array, count: number, stamp: number) => {
    let n = 0;
    for (let i = 0; i < count; i++) {
      const r = rows[i]!;
      if (marks[r] !== stamp) {
        marks[r] = stamp;
        uniqueRows[n++] = r;
      }
    }
    return n;
  };
  const isPositive = (u: number, j: number) => {
    let lo = indptr[u]!;
    let hi = indptr[u + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = indices[mid]!;
      if (v === j) return true;
      if (v < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };
  let loss = 0;
  let examples = 0;
  for (let at = task.from, batch = 0; at < task.to; at += task.batchSize, batch++) {
    let m = 0;
    for (let k = at; k < Math.min(task.to, at + task.batchSize); k++) {
      const nz = order[k]!;
      const u = rowUser[nz]!;
      users[m] = u;
      items[m] = indices[nz]!;
      labels[m++] = 1;
      const full = indptr[u + 1]! - indptr[u]! >= N;
      for (let s = 0; s < task.negatives; s++) {
        let j = Math.floor(rng() * N);
        for (let tries = 0; !full && tries < 20 && isPositive(u, j); tries++) j = Math.floor(rng() * N);
        users[m] = u;
        items[m] = j;
        labels[m++] = 0;
      }
    }
    // Forward: GMF (user ⊙ item) and the MLP over [user; item], side by side into the output unit.
    nn.gather(P.userGmf![0]!, users, m, dg, pg);
    nn.gather(P.itemGmf![0]!, items, m, dg, qg);
    nn.gather(P.userMlp![0]!, users, m, dm, pm);
    nn.gather(P.itemMlp![0]!, items, m, dm, qm);
    for (let i = 0; i < m; i++) {
      for (let d = 0; d < dm; d++) {
        z0[i * 2 * dm + d] = pm[i * dm + d]!;
        z0[i * 2 * dm + dm + d] = qm[i * dm + d]!;
      }
    }
    let input = z0;
    let width = 2 * dm;
    for (let l = 0; l < L; l++) {
      nn.matmul(input, P[`W${l}`]![0]!, acts[l]!, m, layers[l]!, width, false, false, 0);
      nn.addBias(acts[l]!, P[`b${l}`]![0]!, m, layers[l]!);
      nn.relu(acts[l]!, m * layers[l]!);
      input = acts[l]!;
      width = layers[l]!;
    }
    for (let i = 0; i < m; i++) {
      for (let d = 0; d < dg; d++) features[i * F + d] = pg[i * dg + d]! * qg[i * dg + d]!;
      for (let d = 0; d < last; d++) features[i * F + dg + d] = input[i * last + d]!;
    }
    const out = P.out![0]!;
    const outBias = P.outBias![0]!;
    nn.matmul(features, out, logits, m, 1, F, false, false, 0);
    for (let i = 0; i < m; i++) logits[i]! += outBias[0]!;
    const batchLoss = nn.sigmoidCrossEntropy(logits, labels, m, dLogits);
    if (!Number.isFinite(batchLoss)) return { loss, examples, diverged: batch };
    loss += batchLoss;
    examples += m;
    for (let i = 0; i < m; i++) dLogits[i]! /= m;
    // Backward.
    nn.matmul(features, dLogits, P.out![1]!, F, 1, m, true, false, 1);
    for (let i = 0; i < m; i++) P.outBias![1]![0]! += dLogits[i]!;
    nn.matmul(dLogits, out, dFeatures, m, F, 1, false, true, 0);
    for (let i = 0; i < m; i++) {
      for (let d = 0; d < dg; d++) {
        const g = dFeatures[i * F + d]!;
        dpg[i * dg + d] = g * qg[i * dg + d]!;
        dqg[i * dg + d] = g * pg[i * dg + d]!;
      }
    }
    if (L > 0) {
      const dLast = dActs[L - 1]!;
      for (let i = 0; i < m; i++) for (let d = 0; d < last; d++) dLast[i * last + d] = dFeatures[i * F + dg + d]!;
      for (let l = L - 1; l >= 0; l--) {
        const units = layers[l]!;
        const below = l === 0 ? z0 : acts[l - 1]!;
        const belowWidth = l === 0 ? 2 * dm : layers[l - 1]!;
        nn.reluBackward(acts[l]!, dActs[l]!, m * units);
        nn.matmul(below, dActs[l]!, P[`W${l}`]![1]!, belowWidth, units, m, true, false, 1);
        nn.biasBackward(dActs[l]!, P[`b${l}`]![1]!, m, units);
        nn.matmul(dActs[l]!, P[`W${l}`]![0]!, l === 0 ? dz0 : dActs[l - 1]!, m, belowWidth, units, false, true, 0);
      }
    } else {
      for (let i = 0; i < m; i++) for (let d = 0; d < 2 * dm; d++) dz0[i * 2 * dm + d] = dFeatures[i * F + dg + d]!;
    }
    for (let i = 0; i < m; i++) {
      for (let d = 0; d < dm; d++) {
        dpm[i * dm + d] = dz0[i * 2 * dm + d]!;
        dqm[i * dm + d] = dz0[i * 2 * dm + dm + d]!;
      }
    }
    if (!Number.isFinite(nn.squaredNorm(dFeatures, m * F))) return { loss, examples, diverged: batch };
    nn.scatterAdd(dpg, users, m, dg, P.userGmf![1]!);
    nn.scatterAdd(dqg, items, m, dg, P.itemGmf![1]!);
    nn.scatterAdd(dpm, users, m, dm, P.userMlp![1]!);
    nn.scatterAdd(dqm, items, m, dm, P.itemMlp![1]!);
    const t = ++counters[0]!;
    const adam: AdamStep = { learningRate: task.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: t, weightDecay: task.weightDecay };
    for (const name of names) {
      const [param, grad, mo, ve] = P[name]!;
      if (name.startsWith('user') || name.startsWith('item')) {
        const rows = name.startsWith('user') ? users : items;
        const n = touched(rows, m, 4 * t + (name === 'userGmf' ? 0 : name === 'itemGmf' ? 1 : name === 'userMlp' ? 2 : 3));
        nn.adamRows(param!, grad!, mo!, ve!, uniqueRows, n, task.shapes[name]![1], adam);
      } else nn.adam(param!, grad!, mo!, ve!, param!.length, adam);
    }
  }
  return { loss, examples, diverged: -1 };
}

/**
 * Neural collaborative filtering, NeuMF (He et al., *Neural Collaborative Filtering*, WWW 2017):
 * a generalised matrix factorisation branch (user ⊙ item embeddings) and an MLP over the
 * concatenated user and item embeddings of its own, joined in one output unit that predicts
 * whether the user interacts with the item. Trained for implicit feedback with binary
 * cross-entropy on each positive and `negatives` items sampled among those the user did not
 * touch, by Adam, in a worker thread (seeded: the same data gives the same bytes). Answers users
 * seen in training; others get no answer, so the engine's fallback answers them.
 *
 * @example
 * ```ts
 * const ncf = createNcfModel({ gmfFactors: 32, mlpFactors: 32, layers: [64, 32, 16], epochs: 20 });
 * await ncf.fit(dataset);
 * ncf.recommend({ userId: 'u1', history: new Int32Array(0), k: 10 });
 * ```
 */
export function createNcfModel(options: NcfOptions = {}): NcfModel {
  const config = {
    gmfFactors: options.gmfFactors ?? 32,
    mlpFactors: options.mlpFactors ?? 32,
    layers: [...(options.layers ?? [64, 32, 16])],
    negatives: options.negatives ?? 4,
    epochs: options.epochs ?? 20,
    batchSize: options.batchSize ?? 256,
    learningRate: options.learningRate ?? 0.001,
    weightDecay: options.weightDecay ?? 0,
    seed: options.seed ?? 42,
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(KIND, ok, field, value, why);
  const intIn = (field: string, value: number, min: number, max: number) => check(Number.isInteger(value) && value >= min && value <= max, field, value, `must be an integer from ${min} to ${max}`);
  intIn('gmfFactors', config.gmfFactors, 1, 4096);
  intIn('mlpFactors', config.mlpFactors, 1, 4096);
  check(config.layers.length <= 8 && config.layers.every((u) => Number.isInteger(u) && u >= 1 && u <= 4096), 'layers', config.layers, 'must be at most 8 integers from 1 to 4096');
  intIn('negatives', config.negatives, 0, 1000);
  intIn('epochs', config.epochs, 1, 10_000);
  intIn('batchSize', config.batchSize, 1, 65_536);
  check(config.learningRate > 0 && config.learningRate <= 1, 'learningRate', config.learningRate, 'must be in (0, 1]');
  check(config.weightDecay >= 0 && config.weightDecay < 1, 'weightDecay', config.weightDecay, 'must be in [0, 1)');
  check(Number.isInteger(config.seed), 'seed', config.seed, 'must be an integer');

  const dg = config.gmfFactors;
  const dm = config.mlpFactors;
  const L = config.layers.length;
  const nn = neuralLayers();
  let trained = false;
  let losses: number[] = [];
  let userIds: readonly string[] = [];
  let userIndex: ReadonlyMap<string, number> = new Map();
  let itemIds: string[] = [];
  /** Catalogue index of each compact item, and the way back (-1: no row). */
  let itemCatalog: Int32Array = new Int32Array(0);
  let compactOf: Int32Array = new Int32Array(0);
  let params: Record<string, Float32Array> = {};
  /** The item side of the first MLP layer, per item (items × first layer), computed once. */
  let itemFirstLayer = new Float32Array(0);
  const heap = new TopK(16);

  function notTrained(): never {
    throw new MyContentError('NOT_TRAINED', 'the NCF model is not trained', { source: KIND });
  }

  function prepareScoring(): void {
    const N = itemCatalog.length;
    if (L === 0) return;
    const units = config.layers[0]!;
    // W0 rows dm..2dm multiply the item half of the input.
    itemFirstLayer = new Float32Array(N * units);
    nn.matmul(params.itemMlp!, params.W0!.subarray(dm * units), itemFirstLayer, N, units, dm, false, false, 0);
  }

  /** Scores (logits) of every compact item for user row `u`, into `out`. */
  function scoreAll(u: number): Float32Array {
    const N = itemCatalog.length;
    const out = new Float32Array(N);
    const o = params.out!;
    const bias = params.outBias![0]!;
    // GMF: (user ⊙ w) · item.
    const uw = new Float32Array(dg);
    for (let d = 0; d < dg; d++) uw[d] = params.userGmf![u * dg + d]! * o[d]!;
    let input: Float32Array;
    let width: number;
    if (L > 0) {
      const units = config.layers[0]!;
      const userPart = new Float32Array(units);
      nn.matmul(params.userMlp!.subarray(u * dm, (u + 1) * dm), params.W0!.subarray(0, dm * units), userPart, 1, units, dm, false, false, 0);
      const b0 = params.b0!;
      input = new Float32Array(N * units);
      for (let j = 0; j < N; j++) for (let d = 0; d < units; d++) input[j * units + d] = Math.max(0, itemFirstLayer[j * units + d]! + userPart[d]! + b0[d]!);
      width = units;
      for (let l = 1; l < L; l++) {
        const next = new Float32Array(N * config.layers[l]!);
        nn.matmul(input, params[`W${l}`]!, next, N, config.layers[l]!, width, false, false, 0);
        nn.addBias(next, params[`b${l}`]!, N, config.layers[l]!);
        nn.relu(next, next.length);
        input = next;
        width = config.layers[l]!;
      }
    } else {
      width = 2 * dm;
      input = new Float32Array(N * width);
      for (let j = 0; j < N; j++) {
        input.set(params.userMlp!.subarray(u * dm, (u + 1) * dm), j * width);
        input.set(params.itemMlp!.subarray(j * dm, (j + 1) * dm), j * width + dm);
      }
    }
    for (let j = 0; j < N; j++) {
      let s = bias;
      for (let d = 0; d < dg; d++) s += uw[d]! * params.itemGmf![j * dg + d]!;
      for (let d = 0; d < width; d++) s += input[j * width + d]! * o[dg + d]!;
      out[j] = s;
    }
    return out;
  }

  const model: NcfModel = {
    kind: KIND,
    capabilities: { online: false, personalized: true, trending: false, similarItems: false },
    untrainedCopy: () => createNcfModel(options),
    get trained() {
      return trained;
    },
    get losses() {
      return losses;
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      throwIfAborted(context.signal, KIND);
      const matrix = await buildUserItemMatrix(data, 'binary');
      const { byUser } = matrix;
      const U = byUser.rows;
      const N = matrix.byItem.rows;
      const nnz = byUser.indptr[U]!;
      if (nnz === 0) throw new MyContentError('INVALID_INPUT', 'NCF needs at least one positive interaction', { source: KIND, field: 'data', value: 0 });
      const shapes = parameterShapes(U, N, dg, dm, config.layers);
      const buffers: Record<string, SharedArrayBuffer> = {};
      for (const [name, [r, w]] of Object.entries(shapes)) for (const suffix of ['', '.g', '.m', '.v']) buffers[name + suffix] = new SharedArrayBuffer(Math.max(4, r * w * 4));
      const sharedInts = (name: string, array: Int32Array) => {
        buffers[name] = new SharedArrayBuffer(Math.max(4, array.byteLength));
        new Int32Array(buffers[name]!).set(array);
      };
      sharedInts('indptr', byUser.indptr);
      sharedInts('indices', byUser.indices.subarray(0, nnz));
      const rowUser = new Int32Array(nnz);
      for (let u = 0; u < U; u++) rowUser.fill(u, byUser.indptr[u]!, byUser.indptr[u + 1]!);
      sharedInts('rowUser', rowUser);
      buffers.order = new SharedArrayBuffer(nnz * 4);
      buffers.counters = new SharedArrayBuffer(8);
      const order = new Int32Array(buffers.order);
      const task = (kind: NcfTask['kind'], from: number, to: number): NcfTask => ({
        kind, buffers, shapes, U, N, dg, dm, layers: config.layers, negatives: config.negatives, batchSize: config.batchSize,
        learningRate: config.learningRate, weightDecay: config.weightDecay, seed: config.seed, from, to,
      });
      const pool = createKernelPool(ncfKernel, { workers: 1, name: KIND, library: neuralLayers });
      // Shuffle with the model's own seeded stream (Fisher–Yates), a new order each epoch.
      let s = (config.seed * 747796405 + 2891336453) >>> 0 || 1;
      const random = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
      const chunk = Math.max(config.batchSize, Math.round(2e7 / Math.max(1, (1 + config.negatives) * (dg + 2 * dm + config.layers.reduce((a, u, l) => a + u * (l === 0 ? 2 * dm : config.layers[l - 1]!), 0)) * 6)));
      const perTask = Math.ceil(chunk / config.batchSize) * config.batchSize;
      const epochLosses: number[] = [];
      try {
        await pool.run(task('init', 0, 0));
        for (let epoch = 0; epoch < config.epochs; epoch++) {
          for (let k = 0; k < nnz; k++) order[k] = k;
          for (let k = nnz - 1; k > 0; k--) {
            const j = Math.floor(random() * (k + 1));
            const t = order[k]!;
            order[k] = order[j]!;
            order[j] = t;
          }
          let sum = 0;
          let examples = 0;
          for (let from = 0; from < nnz; from += perTask) {
            throwIfAborted(context.signal, KIND);
            const result = await pool.run(task('train', from, Math.min(nnz, from + perTask)));
            if (result.diverged >= 0) {
              const step = Math.floor(from / config.batchSize) + result.diverged + 1;
              throw new MyContentError('DIVERGED', `NCF training diverged at epoch ${epoch + 1}, mini-batch ${step}: a loss or gradient is not finite (lower learningRate)`, {
                source: KIND,
                field: 'learningRate',
                value: config.learningRate,
              });
            }
            sum += result.loss;
            examples += result.examples;
            context.onProgress?.({ phase: `epoch ${epoch + 1}`, done: Math.min(nnz, from + perTask), total: nnz });
          }
          epochLosses.push(sum / Math.max(1, examples));
        }
      } finally {
        await pool.close();
      }
      params = {};
      for (const name of Object.keys(shapes)) params[name] = new Float32Array(buffers[name]!).slice();
      userIds = data.users;
      userIndex = data.userIndex;
      itemCatalog = matrix.itemCatalog.slice();
      compactOf = matrix.compactOf.slice();
      itemIds = Array.from(itemCatalog, (i) => data.catalog.idAt(i));
      losses = epochLosses;
      prepareScoring();
      trained = true;
    },
    recommend(query: ModelQuery): ScoredItems {
      if (!trained) notTrained();
      const u = query.userId === undefined ? undefined : userIndex.get(query.userId);
      if (query.k < 1 || u === undefined) return NO_ITEMS;
      const scores = scoreAll(u);
      heap.reset(query.k);
      for (let j = 0; j < scores.length; j++) {
        const item = itemCatalog[j]!;
        if (scores[j]! >= heap.threshold && (!query.filter || query.filter(item))) heap.push(item, scores[j]!);
      }
      return heap.drain();
    },
    score(query, items) {
      if (!trained) notTrained();
      const u = query.userId === undefined ? undefined : userIndex.get(query.userId);
      if (u === undefined) return new Float32Array(items.length);
      const scores = scoreAll(u);
      return Float32Array.from(items, (item) => {
        const j = item >= 0 && item < compactOf.length ? compactOf[item]! : -1;
        return j >= 0 ? scores[j]! : Number.NEGATIVE_INFINITY;
      });
    },
    forgetUser(userId) {
      const removed = removeUser({ userIds, userIndex }, userId, { userGmf: { array: params.userGmf!, width: dg }, userMlp: { array: params.userMlp!, width: dm } });
      if (!removed) return;
      ({ userIds, userIndex } = removed.users);
      params.userGmf = removed.rows.userGmf;
      params.userMlp = removed.rows.userMlp;
    },
    userData: (userId) => userFactorsOf(userIndex, params.userGmf ?? new Float32Array(0), dg, userId),
    toArtifact(): ModelArtifact {
      if (!trained) notTrained();
      return { kind: KIND, formatVersion: FORMAT_VERSION, state: { config, userIds, itemIds, losses }, arrays: { ...params } };
    },
    restore(artifact: ModelArtifact, catalog: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { config: typeof config; userIds: string[]; itemIds: string[]; losses: number[] };
      const same = state.config.gmfFactors === dg && state.config.mlpFactors === dm && state.config.layers.join() === config.layers.join();
      if (!same) {
        throw new MyContentError('FORMAT', `the artifact's network (${state.config.gmfFactors}, ${state.config.mlpFactors}, [${state.config.layers}]) is not this model's (${dg}, ${dm}, [${config.layers}])`, {
          source: KIND,
          field: 'layers',
          value: state.config.layers,
        });
      }
      params = {};
      for (const [name, array] of Object.entries(artifact.arrays)) params[name] = array as Float32Array;
      userIds = state.userIds;
      userIndex = new Map(state.userIds.map((id, u) => [id, u]));
      itemIds = state.itemIds;
      itemCatalog = bindItemIds(state.itemIds, catalog);
      compactOf = new Int32Array(catalog.size).fill(-1);
      itemCatalog.forEach((item, j) => (compactOf[item] = j));
      losses = state.losses;
      prepareScoring();
      trained = true;
    },
  };
  return model;
}
