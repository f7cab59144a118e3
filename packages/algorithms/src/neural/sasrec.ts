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
  type ObservedInteraction,
  type ScoredItems,
} from '@mycontent/core';
import { SessionTracker, TopK, createKernelPool, sessionKey } from '@mycontent/core/internal';
import { checkOption } from '../shared/options';
import { throwIfAborted } from '../shared/abort';
import { querySession } from '../session/sessions';
import { neuralLayers, type AdamStep } from './layers';
import { sessionSequences } from './sequences';
import { ItemActivity, openSessionMethods, popularityCumulative, sessionTrainingConfig, type SessionTrainingOptions } from './session-training';
import { transformerNetwork, type PackedSequences, type TransformerNetwork, type TransformerWeights } from './transformer';

/** Options of {@link createSasRecModel}: its network's, and those it shares with GRU4Rec. */
export interface SasRecOptions extends SessionTrainingOptions {
  /** Width D of item embeddings and of every layer. @default 64 */
  dimensions?: number;
  /** Attention heads; must divide `dimensions`. @default 1 */
  heads?: number;
  /** Transformer blocks. @default 2 */
  blocks?: number;
}

/** The model returned by {@link createSasRecModel}. */
export interface SasRecModel extends InMemoryModel {
  /** Mean training loss per predicted click of each epoch of the last fit. */
  readonly losses: readonly number[];
  /** Rows of the item table (grows as new articles are observed). */
  readonly items: number;
  /** The data clock: the latest interaction time seen (epoch ms). */
  readonly clock: number;
}

const KIND = 'sasrec';
const FORMAT_VERSION = 1;

interface SasRecTask {
  kind: 'init' | 'train';
  /** Parameters, their gradients and Adam moments (`<name>`, `<name>.g`, `<name>.m`, `<name>.v`), and the data. */
  buffers: Record<string, SharedArrayBuffer>;
  N: number;
  D: number;
  heads: number;
  blocks: number;
  T: number;
  B: number;
  S: number;
  sessions: number;
  learningRate: number;
  seed: number;
  /** Mini-batches to run in this task at most. */
  steps: number;
}

interface SasRecChunk {
  loss: number;
  /** Clicks predicted. */
  examples: number;
  /** The epoch ran out of sessions. */
  finished: boolean;
  /** The step whose loss or gradient was not finite, or -1. */
  diverged: number;
}

/**
 * Trains SASRec in a worker thread, a chunk of mini-batches per task. A mini-batch packs the
 * next `B` sessions in the order they started (the last updates of an epoch are the latest
 * sessions', which news wants); every click but the last predicts the next one, under
 * softmax cross-entropy against the batch's targets and items sampled by popularity (the item
 * table scores the outputs too). Self-contained: shipped to the worker as source text, with the
 * network as `net`.
 */
export function sasrecKernel(task: SasRecTask, _report: (progress: unknown) => void, net: TransformerNetwork): SasRecChunk {
  const { N, D, T, B, S } = task;
  const nn = net.layers;
  const f32 = (name: string) => new Float32Array(task.buffers[name]!);
  const i32 = (name: string) => new Int32Array(task.buffers[name]!);
  const state = i32('state'); // 0 next session, 1 Adam step, 2 random state
  const rng = () => {
    let s = state[2]! >>> 0 || 1;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    state[2] = s | 0;
    return (s >>> 0) / 4294967296;
  };
  const shapes = net.parameterShapes(N, D, T, task.blocks);
  if (task.kind === 'init') {
    state[2] = (task.seed * 2654435761 + 1) | 0 || 1;
    // Layer-norm gains at one, biases at zero, weight matrices uniform in ±√(6 / (rows + width))
    // (Glorot); item and position rows in ±√(3 / D), a norm near 1, so that neither drowns the other.
    for (const [name, [rows, width]] of Object.entries(shapes)) {
      const p = f32(name);
      if (name.endsWith('G')) p.fill(1);
      else if (rows > 1 && width > 1) {
        const bound = name === 'item' || name === 'position' ? Math.sqrt(3 / D) : Math.sqrt(6 / (rows + width));
        for (let i = 0; i < p.length; i++) p[i] = (2 * rng() - 1) * bound;
      }
    }
    return { loss: 0, examples: 0, finished: false, diverged: -1 };
  }
  const w = net.weights(f32, task.blocks);
  const g = net.weights((name) => f32(`${name}.g`), task.blocks);
  const itemBias = f32('itemBias');
  const itemBiasG = f32('itemBias.g');
  const start = i32('start');
  const items = i32('items');
  const cumulative = new Float64Array(task.buffers.cumulative!);
  const maxRows = B * T;
  const maxC = maxRows + S;
  const batch: PackedSequences = { sequences: 0, rows: 0, start: new Int32Array(B + 1), inputs: new Int32Array(maxRows), positions: new Int32Array(maxRows) };
  const ws = net.workspace({ rows: maxRows, sequences: B, length: T, dimensions: D, heads: task.heads, blocks: task.blocks });
  const target = Int32Array.from({ length: maxRows }, (_, r) => r);
  const candidates = new Int32Array(maxC);
  const Wc = new Float32Array(maxC * D);
  const scores = new Float32Array(maxRows * maxC);
  const dScores = new Float32Array(maxRows * maxC);
  const dWc = new Float32Array(maxC * D);
  const dY = new Float32Array(maxRows * D);
  const marks = new Int32Array(N).fill(-1);
  const itemRows = new Int32Array(maxRows + maxC);
  const biasRows = new Int32Array(maxC);
  const dense = Object.keys(shapes)
    .filter((name) => name !== 'item' && name !== 'itemBias')
    .map((name) => [f32(name), f32(`${name}.g`), f32(`${name}.m`), f32(`${name}.v`)] as const);
  let loss = 0;
  let examples = 0;
  for (let step = 0; step < task.steps; step++) {
    let R = 0;
    batch.sequences = 0;
    while (batch.sequences < B && state[0]! < task.sessions) {
      const s = state[0]!++;
      const to = start[s + 1]!;
      const from = Math.max(start[s]!, to - T - 1);
      for (let p = from; p < to - 1; p++) {
        batch.inputs[R] = items[p]!;
        batch.positions[R] = p - from;
        candidates[R] = items[p + 1]!;
        R++;
      }
      batch.start[++batch.sequences] = R;
    }
    if (batch.sequences === 0) return { loss, examples, finished: true, diverged: -1 };
    batch.rows = R;
    const C = R + S;
    for (let s = 0; s < S; s++) candidates[R + s] = nn.drawIndex(cumulative, rng());
    net.forward(w, batch, ws);
    nn.gather(w.item, candidates, C, D, Wc);
    nn.matmul(ws.y, Wc, scores, R, C, D, false, true, 0);
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) scores[r * C + c]! += itemBias[candidates[c]!]!;
    const stepLoss = nn.sampledSoftmax(scores, candidates, target, R, C, dScores);
    if (!Number.isFinite(stepLoss)) return { loss, examples, finished: false, diverged: step };
    loss += stepLoss;
    examples += R;
    for (let i = 0; i < R * C; i++) dScores[i]! /= R;
    // The item table as output layer, then back through the encoder (the same table as input).
    nn.matmul(dScores, ws.y, dWc, C, D, R, true, false, 0);
    nn.scatterAdd(dWc, candidates, C, D, g.item);
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) itemBiasG[candidates[c]!]! += dScores[r * C + c]!;
    nn.matmul(dScores, Wc, dY, R, D, C, false, false, 0);
    net.backward(w, g, batch, ws, dY);
    if (!Number.isFinite(nn.squaredNorm(ws.dX, R * D))) return { loss, examples, finished: false, diverged: step };
    const t = ++state[1]!;
    const adam: AdamStep = { learningRate: task.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: t, weightDecay: 0 };
    for (const [p, grad, m, v] of dense) nn.adam(p, grad, m, v, p.length, adam);
    let nItems = 0;
    let nBias = 0;
    for (let c = 0; c < C; c++) {
      const item = candidates[c]!;
      if (marks[item] !== t) {
        marks[item] = t;
        itemRows[nItems++] = item;
        biasRows[nBias++] = item;
      }
    }
    for (let r = 0; r < R; r++) {
      const item = batch.inputs[r]!;
      if (marks[item] !== t) {
        marks[item] = t;
        itemRows[nItems++] = item;
      }
    }
    nn.adamRows(w.item, g.item, f32('item.m'), f32('item.v'), itemRows, nItems, D, adam);
    nn.adamRows(itemBias, itemBiasG, f32('itemBias.m'), f32('itemBias.v'), biasRows, nBias, 1, adam);
    if (state[0]! >= task.sessions) return { loss, examples, finished: true, diverged: -1 };
  }
  return { loss, examples, finished: false, diverged: -1 };
}

/**
 * SASRec (Kang & McAuley 2018, "Self-Attentive Sequential Recommendation"): the session's clicks,
 * as item embeddings plus learned positions, go through causal self-attention blocks; the last
 * position's output, multiplied with the same item table, scores every article as the next click.
 * Trained with Adam on sampled softmax in a worker thread (seeded: the same data gives the same
 * model). Online, every observed click fine-tunes the rows of the clicked and sampled items and,
 * back through the encoder, those of the session's clicks; a new article gets a row on its first
 * click: no refit needed. Queries read at most `maxLength` last clicks; an empty session gets no
 * answer, so the engine's fallback answers it.
 *
 * @example
 * ```ts
 * const sasrec = createSasRecModel({ dimensions: 64, blocks: 2, epochs: 3 });
 * await sasrec.fit(dataset);
 * sasrec.recommend({ history: new Int32Array(0), session: Int32Array.of(12, 40), k: 10 });
 * ```
 */
export function createSasRecModel(options: SasRecOptions = {}): SasRecModel {
  const config = {
    dimensions: options.dimensions ?? 64,
    heads: options.heads ?? 1,
    blocks: options.blocks ?? 2,
    ...sessionTrainingConfig(KIND, options, { batchSize: 64, onlineLearningRate: 0.01, maxLength: 1_000 }),
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(KIND, ok, field, value, why);
  const integer = (field: string, value: number, max: number) => check(Number.isInteger(value) && value >= 1 && value <= max, field, value, `must be an integer from 1 to ${max}`);
  integer('dimensions', config.dimensions, 4096);
  integer('heads', config.heads, 64);
  check(config.dimensions % config.heads === 0, 'heads', config.heads, `must divide dimensions (${config.dimensions})`);
  integer('blocks', config.blocks, 16);

  const D = config.dimensions;
  const T = config.maxLength;
  const net = transformerNetwork(neuralLayers());
  let catalog: ItemCatalog | undefined;
  let trained = false;
  let losses: number[] = [];
  /** Every parameter by name (see `parameterShapes`); `item` and `itemBias` grow with new articles. */
  let parameters: Record<string, Float32Array> = {};
  let weights: TransformerWeights | undefined;
  let rows = 0;
  const activity = new ItemActivity();
  let meanBias = 0;
  const sessions = new SessionTracker(config.sessionGapMs, config.maxLength, config.maxOpenSessions);
  let random = config.seed >>> 0 || 1;
  const heap = new TopK(16);
  // One sequence at a time when serving.
  const one: PackedSequences = { sequences: 1, rows: 0, start: new Int32Array(2), inputs: new Int32Array(T), positions: Int32Array.from({ length: T }, (_, p) => p) };
  const ws = net.workspace({ rows: T, sequences: 1, length: T, dimensions: D, heads: config.heads, blocks: config.blocks });
  // Online updates: the gradient at the last click.
  const online = { dY: new Float32Array(T * D) };

  function notTrained(): never {
    throw new MyContentError('NOT_TRAINED', 'the SASRec model is not trained', { source: KIND });
  }

  function nextRandom(): number {
    random ^= random << 13;
    random ^= random >>> 17;
    random ^= random << 5;
    return (random >>> 0) / 4294967296;
  }

  /** Makes room for catalogue index `item` in the item table. */
  function ensureRows(item: number): void {
    if (item < rows) return;
    const capacity = Math.max(item + 1, Math.ceil(rows * 1.5), 1024);
    const grow = <A extends Float32Array | Float64Array>(array: A, width: number): A => {
      const next = new (array.constructor as new (n: number) => A)(capacity * width);
      next.set(array);
      return next;
    };
    parameters.item = grow(parameters.item ?? new Float32Array(0), D);
    parameters.itemBias = grow(parameters.itemBias ?? new Float32Array(0), 1);
    activity.grow(capacity);
    rows = capacity;
    if (weights) weights.item = parameters.item;
  }

  /**
   * A new article's first click: a row near zero (it scores about the mean bias, and reads as
   * little more than its position) that the online updates then shape from its readers.
   */
  function addItem(item: number): void {
    ensureRows(item);
    const table = parameters.item!;
    const bound = 0.01 * Math.sqrt(3 / D);
    for (let d = 0; d < D; d++) table[item * D + d] = (2 * nextRandom() - 1) * bound;
    parameters.itemBias![item] = meanBias;
  }

  const known = (item: number) => activity.known(item);

  /** The encoder's output at the last of the known clicks (at most `maxLength`), or undefined when none is known. */
  function encode(clicks: ArrayLike<number>): Float32Array | undefined {
    let L = 0;
    for (let p = clicks.length - 1; p >= 0 && L < T; p--) if (known(clicks[p]!)) L++;
    if (L === 0) return undefined;
    for (let p = clicks.length - 1, r = L - 1; r >= 0; p--) if (known(clicks[p]!)) one.inputs[r--] = clicks[p]!;
    one.rows = L;
    one.start[1] = L;
    net.forward(weights!, one, ws);
    return Float32Array.from(ws.y.subarray((L - 1) * D, L * D));
  }

  function scoreOf(y: Float32Array, item: number): number {
    const table = parameters.item!;
    let s = parameters.itemBias![item]!;
    const o = item * D;
    for (let d = 0; d < D; d++) s += y[d]! * table[o + d]!;
    return s;
  }

  /**
   * Online fine-tuning on one click: cross-entropy of `target` against recent clicks, by SGD on
   * their rows as outputs, then back through the encoder on the rows of the session's `L` clicks
   * as inputs (the encoder's weights stay as trained).
   */
  function learnClick(y: Float32Array, target: number, L: number): void {
    const lr = config.onlineLearningRate;
    const candidates = [target];
    for (let s = 0; s < config.onlineNegatives; s++) {
      const item = activity.sampleRecent(nextRandom);
      if (item === undefined) break;
      if (item !== target) candidates.push(item);
    }
    const scores = candidates.map((item) => scoreOf(y, item));
    const max = Math.max(...scores);
    let sum = 0;
    for (let c = 0; c < scores.length; c++) sum += scores[c] = Math.exp(scores[c]! - max);
    const table = parameters.item!;
    const bias = parameters.itemBias!;
    const dY = online.dY;
    dY.fill(0);
    const last = dY.subarray((L - 1) * D, L * D);
    for (let c = 0; c < candidates.length; c++) {
      const item = candidates[c]!;
      const d = scores[c]! / sum - (c === 0 ? 1 : 0);
      const o = item * D;
      for (let k = 0; k < D; k++) {
        last[k]! += d * table[o + k]!;
        table[o + k]! -= lr * d * y[k]!;
      }
      bias[item]! -= lr * d;
    }
    // Back through the encoder (as `encode` left it) into the rows of the session's clicks.
    net.backward(weights!, null, one, ws, dY);
    for (let r = 0; r < L; r++) {
      const o = one.inputs[r]! * D;
      for (let k = 0; k < D; k++) table[o + k]! -= lr * ws.dX[r * D + k]!;
    }
  }

  function observe(event: ObservedInteraction): void {
    if (!(event.weight > 0) || event.item < 0) return;
    const item = event.item;
    const t = event.timestamp;
    const session = sessions.sessionAt(sessionKey(event), t, event.userId);
    const previous = session.items;
    if (!known(item)) addItem(item);
    activity.click(item, t);
    if (previous[previous.length - 1] === item) {
      if (t > session.last) session.last = t;
      return;
    }
    if (previous.length > 0 && config.onlineLearningRate > 0) {
      const y = encode(previous);
      if (y) learnClick(y, item, one.rows);
    }
    sessions.push(session, item, t);
    sessions.sweep(activity.clock);
  }

  async function fit(data: InteractionDataset, context: FitContext = {}): Promise<void> {
    throwIfAborted(context.signal, KIND);
    const sequences = sessionSequences(data, config.sessionGapMs, config.trainingWindowMs);
    if (sequences.sessions === 0) {
      throw new MyContentError('INVALID_INPUT', 'SASRec needs at least one session of two clicks or more', { source: KIND, field: 'data', value: data.length });
    }
    const N = Math.max(1, data.catalog.size);
    const B = Math.min(config.batchSize, sequences.sessions);
    const S = config.negatives;
    const shapes = net.parameterShapes(N, D, T, config.blocks);
    const buffers: Record<string, SharedArrayBuffer> = {};
    for (const [name, [r, w]] of Object.entries(shapes)) {
      for (const suffix of ['', '.g', '.m', '.v']) buffers[name + suffix] = new SharedArrayBuffer(r * w * 4);
    }
    const shared = (name: string, bytes: number) => (buffers[name] = new SharedArrayBuffer(Math.max(4, bytes)));
    new Int32Array(shared('start', sequences.start.byteLength)).set(sequences.start);
    new Int32Array(shared('items', sequences.items.byteLength)).set(sequences.items);
    popularityCumulative(sequences.clicks, config.sampleAlpha, shared('cumulative', N * 8));
    const state = new Int32Array(shared('state', 3 * 4));
    const task = (kind: SasRecTask['kind'], steps: number): SasRecTask => ({
      kind,
      buffers,
      N,
      D,
      heads: config.heads,
      blocks: config.blocks,
      T,
      B,
      S,
      sessions: sequences.sessions,
      learningRate: config.learningRate,
      seed: config.seed,
      steps,
    });
    // About 50 ms of work per task: abort and progress between tasks.
    const meanRows = Math.max(1, Math.min(T, sequences.items.length / sequences.sessions - 1));
    const stepsPerTask = Math.max(1, Math.round(2e7 / (B * meanRows * (config.blocks * 5 * D * D * 3 + (B * meanRows + S) * D * 3))));
    const pool = createKernelPool(sasrecKernel, { workers: 1, name: KIND, library: [neuralLayers, transformerNetwork] });
    const epochLosses: number[] = [];
    try {
      await pool.run(task('init', 0));
      for (let epoch = 0; epoch < config.epochs; epoch++) {
        state[0] = 0;
        let sum = 0;
        let examples = 0;
        for (;;) {
          throwIfAborted(context.signal, KIND);
          const chunk = await pool.run(task('train', stepsPerTask));
          sum += chunk.loss;
          examples += chunk.examples;
          if (chunk.diverged >= 0) {
            throw new MyContentError('DIVERGED', `SASRec training diverged at epoch ${epoch + 1}, step ${state[1]! + 1}: a loss or gradient is not finite (lower learningRate)`, {
              source: KIND,
              field: 'learningRate',
              value: config.learningRate,
            });
          }
          context.onProgress?.({ phase: `epoch ${epoch + 1}`, done: state[0]!, total: sequences.sessions });
          if (chunk.finished) break;
        }
        epochLosses.push(sum / Math.max(1, examples));
      }
    } finally {
      await pool.close();
    }
    parameters = {};
    for (const name of Object.keys(shapes)) parameters[name] = new Float32Array(buffers[name]!).slice();
    weights = net.weights((name) => parameters[name]!, config.blocks);
    catalog = data.catalog;
    rows = N;
    activity.fromTraining(data, sequences);
    meanBias = activity.meanOver(parameters.itemBias!);
    losses = epochLosses;
    random = config.seed >>> 0 || 1;
    sessions.clear();
    trained = true;
  }

  const model: SasRecModel = {
    kind: KIND,
    capabilities: { online: true, personalized: true, sequential: true, trending: false, similarItems: false },
    untrainedCopy: () => createSasRecModel(options),
    get trained() {
      return trained;
    },
    get losses() {
      return losses;
    },
    get items() {
      return rows;
    },
    get clock() {
      return activity.clock;
    },
    fit,
    observe(event) {
      if (trained) observe(event);
    },
    recommend(query: ModelQuery): ScoredItems {
      if (!trained) notTrained();
      if (query.k < 1) return NO_ITEMS;
      const y = encode(querySession(query, T));
      if (!y) return NO_ITEMS;
      return activity.best(heap, query.k, config.itemTtlMs, query.filter, (item) => scoreOf(y, item));
    },
    score(query, candidates) {
      if (!trained) notTrained();
      const y = encode(querySession(query, T));
      return Float32Array.from(candidates, (item) => (!known(item) ? Number.NEGATIVE_INFINITY : y ? scoreOf(y, item) : parameters.itemBias![item]!));
    },
    ...openSessionMethods(sessions, () => rows, () => catalog),
    toArtifact(): ModelArtifact {
      if (!trained || !catalog) notTrained();
      const n = Math.min(rows, catalog.size);
      const arrays: Record<string, Float32Array | Float64Array | Int32Array> = activity.arrays(n);
      for (const [name, values] of Object.entries(parameters)) {
        arrays[name] = name === 'item' ? values.slice(0, n * D) : name === 'itemBias' ? values.slice(0, n) : values;
      }
      return { kind: KIND, formatVersion: FORMAT_VERSION, state: { config, clock: activity.clock, meanBias, losses, itemIds: catalog.idList().slice(0, n) }, arrays };
    },
    restore(artifact: ModelArtifact, target: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { config: typeof config; clock: number; meanBias: number; losses: number[]; itemIds: string[] };
      const saved = state.config;
      if (saved.dimensions !== D || saved.blocks !== config.blocks || saved.heads !== config.heads || saved.maxLength !== T) {
        throw new MyContentError(
          'FORMAT',
          `the artifact has dimensions ${saved.dimensions}, ${saved.blocks} blocks, ${saved.heads} heads and maxLength ${saved.maxLength}; this model ${D}, ${config.blocks}, ${config.heads} and ${T}`,
          { source: KIND, field: 'dimensions', value: D },
        );
      }
      const map = bindItemIds(state.itemIds, target);
      const a = artifact.arrays as Record<string, Float32Array>;
      parameters = {};
      for (const name of Object.keys(net.parameterShapes(0, D, T, config.blocks))) {
        if (name !== 'item' && name !== 'itemBias') parameters[name] = a[name]!;
      }
      rows = 0;
      weights = undefined;
      ensureRows(Math.max(0, target.size - 1));
      for (let i = 0; i < map.length; i++) {
        const j = map[i]!;
        parameters.item!.set(a.item!.subarray(i * D, (i + 1) * D), j * D);
        parameters.itemBias![j] = a.itemBias![i]!;
      }
      activity.restore({ lastSeen: artifact.arrays.lastSeen as Float64Array, recent: artifact.arrays.recent as Int32Array }, map, state.clock, rows);
      weights = net.weights((name) => parameters[name]!, config.blocks);
      meanBias = state.meanBias;
      losses = state.losses;
      random = config.seed >>> 0 || 1;
      sessions.clear();
      catalog = target;
      trained = true;
    },
  };
  return model;
}
