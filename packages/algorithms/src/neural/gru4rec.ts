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
import { SessionTracker, TopK, createKernelPool, sessionKey, type OpenSession } from '@mycontent/core/internal';
import { checkOption } from '../shared/options';
import { throwIfAborted } from '../shared/abort';
import { querySession } from '../session/sessions';
import { neuralLayers, type AdamStep, type NeuralLayers } from './layers';
import { sessionSequences, type SessionSequences } from './sequences';
import { ItemActivity, openSessionMethods, popularityCumulative, sessionTrainingConfig, type SessionTrainingOptions } from './session-training';

/** Options of {@link createGru4RecModel}: its network's, and those it shares with SASRec. */
export interface Gru4RecOptions extends SessionTrainingOptions {
  /** Units of the GRU layer. @default 100 */
  hidden?: number;
  /** Width of the input item embedding. @default `hidden` */
  embedding?: number;
  /** Loss over the target and the sampled items. @default 'cross-entropy' */
  loss?: 'cross-entropy' | 'bpr-max';
  /** Score regularisation of BPR-max. @default 1 */
  bprMaxLambda?: number;
}

/** The model returned by {@link createGru4RecModel}. */
export interface Gru4RecModel extends InMemoryModel {
  /** Mean training loss per example of each epoch of the last fit. */
  readonly losses: readonly number[];
  /** Rows of the item tables (grows as new articles are observed). */
  readonly items: number;
  /** The data clock: the latest interaction time seen (epoch ms). */
  readonly clock: number;
}

const KIND = 'gru4rec';
const FORMAT_VERSION = 1;

/** The trainable parameters, by name, and the shape of each as rows × width. */
function parameterShapes(N: number, E: number, H: number): Record<string, [number, number]> {
  return { input: [N, E], Wx: [E, 3 * H], Wh: [H, 3 * H], bx: [1, 3 * H], bh: [1, 3 * H], output: [N, H], outputBias: [N, 1] };
}

interface Gru4RecTask {
  kind: 'init' | 'train';
  /** Parameters, their gradients and Adam moments (`<name>`, `<name>.g`, `<name>.m`, `<name>.v`). */
  buffers: Record<string, SharedArrayBuffer>;
  N: number;
  E: number;
  H: number;
  B: number;
  S: number;
  sessions: number;
  loss: 'cross-entropy' | 'bpr-max';
  lambda: number;
  learningRate: number;
  seed: number;
  /** Mini-batches to run in this task at most. */
  steps: number;
}

interface Gru4RecChunk {
  loss: number;
  examples: number;
  /** The epoch ran out of sessions. */
  finished: boolean;
  /** The step whose loss or gradient was not finite, or -1. */
  diverged: number;
}

/**
 * Trains GRU4Rec in a worker thread, a chunk of mini-batches per task (so the host can report
 * progress and abort between chunks). Session-parallel: lane b reads one session click by click;
 * when it ends, the lane takes the next session and its hidden state restarts from zero. The
 * hidden state carries over from click to click, the gradient does not (one step back, as in the
 * original). Self-contained: shipped to the worker as source text, with the layers as `nn`.
 */
export function gru4recKernel(task: Gru4RecTask, _report: (progress: unknown) => void, nn: NeuralLayers): Gru4RecChunk {
  const { N, E, H, B, S } = task;
  const G = 3 * H;
  const f32 = (name: string) => new Float32Array(task.buffers[name]!);
  const i32 = (name: string) => new Int32Array(task.buffers[name]!);
  const lanes = i32('lanes'); // [0, B) session, [B, 2B) position, 2B next session, 2B+1 Adam step, 2B+2 random state
  const rng = () => {
    let s = lanes[2 * B + 2]! >>> 0 || 1;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    lanes[2 * B + 2] = s | 0;
    return (s >>> 0) / 4294967296;
  };
  if (task.kind === 'init') {
    lanes[2 * B + 2] = (task.seed * 2654435761 + 1) | 0 || 1;
    // Uniform in ±√(6 / (rows + width)) (Glorot), biases at zero.
    for (const name of ['input', 'Wx', 'Wh', 'output']) {
      const p = f32(name);
      const rows = name === 'input' || name === 'output' ? N : name === 'Wx' ? E : H;
      const bound = Math.sqrt(6 / (rows + p.length / rows));
      for (let i = 0; i < p.length; i++) p[i] = (2 * rng() - 1) * bound;
    }
    return { loss: 0, examples: 0, finished: false, diverged: -1 };
  }
  const start = i32('start');
  const items = i32('items');
  const cumulative = new Float64Array(task.buffers.cumulative!);
  const hidden = f32('hidden');
  const C = B + S;
  const x = new Float32Array(B * E);
  const hNext = new Float32Array(B * H);
  const cache = new Float32Array(B * 4 * H);
  const gx = new Float32Array(B * G);
  const gh = new Float32Array(B * G);
  const candidates = new Int32Array(C);
  const target = Int32Array.from({ length: B }, (_, b) => b);
  const inputs = new Int32Array(B);
  const Wc = new Float32Array(C * H);
  const scores = new Float32Array(B * C);
  const dScores = new Float32Array(B * C);
  const dWc = new Float32Array(C * H);
  const dh = new Float32Array(B * H);
  const dx = new Float32Array(B * E);
  const marks = new Int32Array(N).fill(-1);
  const rowsIn = new Int32Array(B);
  const rowsOut = new Int32Array(C);
  const P: Record<string, [Float32Array, Float32Array, Float32Array, Float32Array]> = {};
  for (const name of ['input', 'Wx', 'Wh', 'bx', 'bh', 'output', 'outputBias']) P[name] = [f32(name), f32(`${name}.g`), f32(`${name}.m`), f32(`${name}.v`)];
  const [input, inputG] = P.input!;
  const [Wx, WxG] = P.Wx!;
  const [Wh, WhG] = P.Wh!;
  const [bx, bxG] = P.bx!;
  const [bh, bhG] = P.bh!;
  const [output, outputG] = P.output!;
  const [outputBias, outputBiasG] = P.outputBias!;
  const unique = (rows: Int32Array, count: number, out: Int32Array, stamp: number) => {
    let n = 0;
    for (let i = 0; i < count; i++) {
      const r = rows[i]!;
      if (marks[r] !== stamp) {
        marks[r] = stamp;
        out[n++] = r;
      }
    }
    return n;
  };
  let loss = 0;
  let examples = 0;
  for (let step = 0; step < task.steps; step++) {
    for (let b = 0; b < B; b++) {
      const p = lanes[B + b]!;
      inputs[b] = items[p]!;
      candidates[b] = items[p + 1]!;
    }
    for (let s = 0; s < S; s++) candidates[B + s] = nn.drawIndex(cumulative, rng());
    nn.gather(input, inputs, B, E, x);
    nn.gruForward(x, hidden, Wx, Wh, bx, bh, B, E, H, hNext, cache, gx, gh);
    nn.gather(output, candidates, C, H, Wc);
    nn.matmul(hNext, Wc, scores, B, C, H, false, true, 0);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) scores[b * C + c]! += outputBias[candidates[c]!]!;
    const stepLoss = task.loss === 'bpr-max' ? nn.bprMax(scores, candidates, target, B, C, task.lambda, dScores) : nn.sampledSoftmax(scores, candidates, target, B, C, dScores);
    if (!Number.isFinite(stepLoss)) return { loss, examples, finished: false, diverged: step };
    loss += stepLoss;
    examples += B;
    for (let i = 0; i < B * C; i++) dScores[i]! /= B;
    // Output layer: its rows and biases, then the gradient of the new hidden state.
    nn.matmul(dScores, hNext, dWc, C, H, B, true, false, 0);
    nn.scatterAdd(dWc, candidates, C, H, outputG);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) outputBiasG[candidates[c]!]! += dScores[b * C + c]!;
    nn.matmul(dScores, Wc, dh, B, H, C, false, false, 0);
    nn.gruBackward(x, hidden, Wx, Wh, cache, dh, B, E, H, dx, null, { dWx: WxG, dWh: WhG, dbx: bxG, dbh: bhG }, gx, gh);
    nn.scatterAdd(dx, inputs, B, E, inputG);
    if (!Number.isFinite(nn.squaredNorm(dh, B * H))) return { loss, examples, finished: false, diverged: step };
    const t = ++lanes[2 * B + 1]!;
    const adam: AdamStep = { learningRate: task.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: t, weightDecay: 0 };
    nn.adam(Wx, WxG, P.Wx![2], P.Wx![3], Wx.length, adam);
    nn.adam(Wh, WhG, P.Wh![2], P.Wh![3], Wh.length, adam);
    nn.adam(bx, bxG, P.bx![2], P.bx![3], bx.length, adam);
    nn.adam(bh, bhG, P.bh![2], P.bh![3], bh.length, adam);
    const nIn = unique(inputs, B, rowsIn, 2 * t);
    nn.adamRows(input, inputG, P.input![2], P.input![3], rowsIn, nIn, E, adam);
    const nOut = unique(candidates, C, rowsOut, 2 * t + 1);
    nn.adamRows(output, outputG, P.output![2], P.output![3], rowsOut, nOut, H, adam);
    nn.adamRows(outputBias, outputBiasG, P.outputBias![2], P.outputBias![3], rowsOut, nOut, 1, adam);
    // Carry the hidden state; a lane whose session ended takes the next one, from zero.
    hidden.set(hNext);
    for (let b = 0; b < B; b++) {
      const p = ++lanes[B + b]!;
      if (p + 1 < start[lanes[b]! + 1]!) continue;
      const next = lanes[2 * B]!;
      if (next >= task.sessions) return { loss, examples, finished: true, diverged: -1 };
      lanes[2 * B] = next + 1;
      lanes[b] = next;
      lanes[B + b] = start[next]!;
      hidden.fill(0, b * H, (b + 1) * H);
    }
  }
  return { loss, examples, finished: false, diverged: -1 };
}

/** A session's hidden state before and after its last click (online updates need both). */
interface SessionState {
  before: Float32Array;
  after: Float32Array;
  /** The click `after` ends with. */
  last: number;
}

/**
 * GRU4Rec (Hidasi et al. 2016; Hidasi & Karatzoglou 2018): a GRU layer reads the session's
 * clicks as item embeddings; its state, multiplied with an output embedding per item, scores
 * every article as the next click. Trained on session-parallel mini-batches with the batch's own
 * targets plus items sampled by popularity as negatives, under cross-entropy or BPR-max, with
 * Adam, in a worker thread (the host's event loop stays free; seeded, so the same data gives the
 * same model). Online, every observed click fine-tunes the output layer and the previous click's
 * embedding, and a new article gets a row of its own on its first click: no refit needed.
 * Queries read at most `maxLength` last clicks; an empty session gets no answer, so the engine's
 * fallback answers it.
 *
 * @example
 * ```ts
 * const gru = createGru4RecModel({ hidden: 100, epochs: 3 });
 * await gru.fit(dataset);
 * gru.recommend({ history: new Int32Array(0), session: Int32Array.of(12, 40), k: 10 });
 * ```
 */
export function createGru4RecModel(options: Gru4RecOptions = {}): Gru4RecModel {
  const hiddenUnits = options.hidden ?? 100;
  const config = {
    hidden: hiddenUnits,
    embedding: options.embedding ?? hiddenUnits,
    loss: options.loss ?? 'cross-entropy',
    bprMaxLambda: options.bprMaxLambda ?? 1,
    ...sessionTrainingConfig(KIND, options, { batchSize: 32, onlineLearningRate: 0.05, maxLength: 10_000 }),
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(KIND, ok, field, value, why);
  check(Number.isInteger(config.hidden) && config.hidden >= 1 && config.hidden <= 4096, 'hidden', config.hidden, 'must be an integer from 1 to 4096');
  check(Number.isInteger(config.embedding) && config.embedding >= 1 && config.embedding <= 4096, 'embedding', config.embedding, 'must be an integer from 1 to 4096');
  check(config.loss === 'cross-entropy' || config.loss === 'bpr-max', 'loss', config.loss, "must be 'cross-entropy' or 'bpr-max'");
  check(config.bprMaxLambda >= 0 && Number.isFinite(config.bprMaxLambda), 'bprMaxLambda', config.bprMaxLambda, 'must be a finite number ≥ 0');

  const E = config.embedding;
  const H = config.hidden;
  const nn = neuralLayers();
  let catalog: ItemCatalog | undefined;
  let trained = false;
  let losses: number[] = [];
  // Item tables, one row per catalogue index (rows grow as new articles are observed).
  let rows = 0;
  let input = new Float32Array(0);
  let output = new Float32Array(0);
  let outputBias = new Float32Array(0);
  const activity = new ItemActivity();
  let Wx: Float32Array = new Float32Array(0);
  let Wh: Float32Array = new Float32Array(0);
  let bx: Float32Array = new Float32Array(0);
  let bh: Float32Array = new Float32Array(0);
  let meanBias = 0;
  const sessions = new SessionTracker(config.sessionGapMs, config.maxLength, config.maxOpenSessions);
  const states = new WeakMap<OpenSession, SessionState>();
  let random = config.seed >>> 0 || 1;
  const heap = new TopK(16);
  // Scratch of one GRU step over one row.
  const one = { x: new Float32Array(E), cache: new Float32Array(4 * H), gx: new Float32Array(3 * H), gh: new Float32Array(3 * H), dh: new Float32Array(H), dx: new Float32Array(E), next: new Float32Array(H), dgh: new Float32Array(3 * H) };

  function notTrained(): never {
    throw new MyContentError('NOT_TRAINED', 'the GRU4Rec model is not trained', { source: KIND });
  }

  function nextRandom(): number {
    random ^= random << 13;
    random ^= random >>> 17;
    random ^= random << 5;
    return (random >>> 0) / 4294967296;
  }

  /** Makes room for catalogue index `item` in the item tables. */
  function ensureRows(item: number): void {
    if (item < rows) return;
    const capacity = Math.max(item + 1, Math.ceil(rows * 1.5), 1024);
    const grow = <A extends Float32Array | Float64Array>(array: A, width: number): A => {
      const next = new (array.constructor as new (n: number) => A)(capacity * width);
      next.set(array);
      return next;
    };
    input = grow(input, E);
    output = grow(output, H);
    outputBias = grow(outputBias, 1);
    activity.grow(capacity);
    rows = capacity;
  }

  /**
   * A new article's first click: a neutral output row, and as input embedding the one of the
   * click its first reader came from (a little noise added), else a small random one — so that a
   * session ending on it starts where its first reader was, before online updates refine it.
   */
  function addItem(item: number, cameFrom: number | undefined): void {
    ensureRows(item);
    const bound = Math.sqrt(6 / (rows + E));
    const known = cameFrom !== undefined && activity.known(cameFrom);
    for (let d = 0; d < E; d++) input[item * E + d] = (known ? input[cameFrom * E + d]! : 0) + (2 * nextRandom() - 1) * bound;
    output.fill(0, item * H, (item + 1) * H);
    outputBias[item] = meanBias;
  }


  /** One GRU step of one row: `after` from `before` and the click's embedding. */
  function step(before: Float32Array, item: number, after: Float32Array): void {
    one.x.set(input.subarray(item * E, (item + 1) * E));
    nn.gruForward(one.x, before, Wx, Wh, bx, bh, 1, E, H, after, one.cache, one.gx, one.gh);
  }

  /** The hidden state after the session's clicks (unknown items skipped). */
  function encode(clicks: ArrayLike<number>): Float32Array {
    let h = new Float32Array(H);
    let next = new Float32Array(H);
    for (let p = 0; p < clicks.length; p++) {
      const item = clicks[p]!;
      if (!activity.known(item)) continue;
      step(h, item, next);
      [h, next] = [next, h];
    }
    return h;
  }

  function scoreOf(h: Float32Array, item: number): number {
    let s = outputBias[item]!;
    const o = item * H;
    for (let d = 0; d < H; d++) s += h[d]! * output[o + d]!;
    return s;
  }

  /**
   * Online fine-tuning on one click: cross-entropy of `target` against recent clicks, by SGD on
   * the output rows involved and on the input embedding of the click before it.
   */
  function learnClick(state: SessionState, target: number): void {
    const lr = config.onlineLearningRate;
    const candidates = [target];
    for (let s = 0; s < config.onlineNegatives; s++) {
      const item = activity.sampleRecent(nextRandom);
      if (item === undefined) break;
      if (item !== target) candidates.push(item);
    }
    const h = state.after;
    let max = Number.NEGATIVE_INFINITY;
    const scores = candidates.map((item) => scoreOf(h, item));
    for (const s of scores) max = Math.max(max, s);
    let sum = 0;
    for (let c = 0; c < scores.length; c++) sum += (scores[c] = Math.exp(scores[c]! - max));
    one.dh.fill(0);
    for (let c = 0; c < candidates.length; c++) {
      const item = candidates[c]!;
      const d = scores[c]! / sum - (c === 0 ? 1 : 0);
      const o = item * H;
      for (let k = 0; k < H; k++) {
        one.dh[k]! += d * output[o + k]!;
        output[o + k]! -= lr * d * h[k]!;
      }
      outputBias[item]! -= lr * d;
    }
    // Back through the last GRU step into the embedding of the click that led here.
    one.x.set(input.subarray(state.last * E, (state.last + 1) * E));
    nn.gruForward(one.x, state.before, Wx, Wh, bx, bh, 1, E, H, one.next, one.cache, one.gx, one.gh);
    nn.gruBackward(one.x, state.before, Wx, Wh, one.cache, one.dh, 1, E, H, one.dx, null, null, one.gx, one.dgh);
    for (let d = 0; d < E; d++) input[state.last * E + d]! -= lr * one.dx[d]!;
  }

  function observe(event: ObservedInteraction): void {
    if (!(event.weight > 0) || event.item < 0) return;
    const item = event.item;
    const t = event.timestamp;
    const session = sessions.sessionAt(sessionKey(event), t, event.userId);
    const previous = session.items;
    if (!activity.known(item)) addItem(item, previous[previous.length - 1]);
    activity.click(item, t);
    if (previous[previous.length - 1] === item) {
      if (t > session.last) session.last = t;
      return;
    }
    let state = states.get(session);
    if (!state && previous.length > 0) {
      const before = encode(previous.slice(0, -1));
      const after = new Float32Array(H);
      step(before, previous[previous.length - 1]!, after);
      state = { before, after, last: previous[previous.length - 1]! };
    }
    if (state && config.onlineLearningRate > 0) learnClick(state, item);
    const before = state ? state.after : new Float32Array(H);
    const after = new Float32Array(H);
    step(before, item, after);
    states.set(session, { before, after, last: item });
    sessions.push(session, item, t);
    sessions.sweep(activity.clock);
  }

  /** The hidden state a query's session leads to, or undefined when none of its clicks is known. */
  function queryState(query: Pick<ModelQuery, 'session' | 'history'>): Float32Array | undefined {
    const clicks = querySession(query, config.maxLength);
    let known = false;
    for (let p = 0; p < clicks.length && !known; p++) known = activity.known(clicks[p]!);
    return known ? encode(clicks) : undefined;
  }

  async function fit(data: InteractionDataset, context: FitContext = {}): Promise<void> {
    throwIfAborted(context.signal, KIND);
    const sequences: SessionSequences = sessionSequences(data, config.sessionGapMs, config.trainingWindowMs);
    if (sequences.sessions === 0) {
      throw new MyContentError('INVALID_INPUT', 'GRU4Rec needs at least one session of two clicks or more', { source: KIND, field: 'data', value: data.length });
    }
    const N = Math.max(1, data.catalog.size);
    const B = Math.min(config.batchSize, sequences.sessions);
    const S = config.negatives;
    const shapes = parameterShapes(N, E, H);
    const buffers: Record<string, SharedArrayBuffer> = {};
    for (const [name, [r, w]] of Object.entries(shapes)) {
      for (const suffix of ['', '.g', '.m', '.v']) buffers[name + suffix] = new SharedArrayBuffer(r * w * 4);
    }
    const shared = (name: string, bytes: number) => (buffers[name] = new SharedArrayBuffer(Math.max(4, bytes)));
    new Int32Array(shared('start', sequences.start.byteLength)).set(sequences.start);
    new Int32Array(shared('items', sequences.items.byteLength)).set(sequences.items);
    popularityCumulative(sequences.clicks, config.sampleAlpha, shared('cumulative', N * 8));
    shared('hidden', B * H * 4);
    const lanes = new Int32Array(shared('lanes', (2 * B + 3) * 4));
    const task = (kind: Gru4RecTask['kind'], steps: number): Gru4RecTask => ({
      kind,
      buffers,
      N,
      E,
      H,
      B,
      S,
      sessions: sequences.sessions,
      loss: config.loss,
      lambda: config.bprMaxLambda,
      learningRate: config.learningRate,
      seed: config.seed,
      steps,
    });
    // About 50 ms of work per task: abort and progress between tasks.
    const stepsPerTask = Math.max(1, Math.round(2e7 / (B * (3 * H * (E + H) * 3 + (B + S) * H * 3))));
    const pool = createKernelPool(gru4recKernel, { workers: 1, name: KIND, library: neuralLayers });
    const epochLosses: number[] = [];
    try {
      await pool.run(task('init', 0));
      for (let epoch = 0; epoch < config.epochs; epoch++) {
        for (let b = 0; b < B; b++) {
          lanes[b] = b;
          lanes[B + b] = sequences.start[b]!;
        }
        lanes[2 * B] = B;
        new Float32Array(buffers.hidden!).fill(0);
        let sum = 0;
        let examples = 0;
        for (;;) {
          throwIfAborted(context.signal, KIND);
          const chunk = await pool.run(task('train', stepsPerTask));
          sum += chunk.loss;
          examples += chunk.examples;
          if (chunk.diverged >= 0) {
            const at = lanes[2 * B + 1]! + 1;
            throw new MyContentError('DIVERGED', `GRU4Rec training diverged at epoch ${epoch + 1}, step ${at}: a loss or gradient is not finite (lower learningRate)`, {
              source: KIND,
              field: 'learningRate',
              value: config.learningRate,
            });
          }
          context.onProgress?.({ phase: `epoch ${epoch + 1}`, done: Math.min(lanes[2 * B]!, sequences.sessions), total: sequences.sessions });
          if (chunk.finished) break;
        }
        epochLosses.push(sum / Math.max(1, examples));
      }
    } finally {
      await pool.close();
    }
    const view = (name: string) => new Float32Array(buffers[name]!);
    catalog = data.catalog;
    rows = N;
    input = view('input').slice();
    output = view('output').slice();
    outputBias = view('outputBias').slice();
    Wx = view('Wx').slice();
    Wh = view('Wh').slice();
    bx = view('bx').slice();
    bh = view('bh').slice();
    activity.fromTraining(data, sequences);
    meanBias = activity.meanOver(outputBias);
    losses = epochLosses;
    random = config.seed >>> 0 || 1;
    sessions.clear();
    trained = true;
  }

  const model: Gru4RecModel = {
    kind: KIND,
    capabilities: { online: true, personalized: true, sequential: true, trending: false, similarItems: false },
    untrainedCopy: () => createGru4RecModel(options),
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
      const h = queryState(query);
      if (!h) return NO_ITEMS;
      return activity.best(heap, query.k, config.itemTtlMs, query.filter, (item) => scoreOf(h, item));
    },
    score(query, candidates) {
      if (!trained) notTrained();
      const h = queryState(query) ?? new Float32Array(H);
      return Float32Array.from(candidates, (item) => (activity.known(item) ? scoreOf(h, item) : Number.NEGATIVE_INFINITY));
    },
    ...openSessionMethods(sessions, () => rows, () => catalog),
    toArtifact(): ModelArtifact {
      if (!trained || !catalog) notTrained();
      const n = Math.min(rows, catalog.size);
      return {
        kind: KIND,
        formatVersion: FORMAT_VERSION,
        state: { config, clock: activity.clock, meanBias, losses, itemIds: catalog.idList().slice(0, n) },
        arrays: {
          input: input.slice(0, n * E),
          output: output.slice(0, n * H),
          outputBias: outputBias.slice(0, n),
          ...activity.arrays(n),
          Wx,
          Wh,
          bx,
          bh,
        },
      };
    },
    restore(artifact: ModelArtifact, target: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { config: { hidden: number; embedding: number }; clock: number; meanBias: number; losses: number[]; itemIds: string[] };
      if (state.config.hidden !== H || state.config.embedding !== E) {
        throw new MyContentError('FORMAT', `the artifact has hidden ${state.config.hidden} and embedding ${state.config.embedding}, this model ${H} and ${E}`, { source: KIND, field: 'hidden', value: H });
      }
      const map = bindItemIds(state.itemIds, target);
      const a = artifact.arrays as Record<string, Float32Array>;
      rows = 0;
      input = new Float32Array(0);
      output = new Float32Array(0);
      outputBias = new Float32Array(0);
      ensureRows(Math.max(0, target.size - 1));
      for (let i = 0; i < map.length; i++) {
        const j = map[i]!;
        input.set(a.input!.subarray(i * E, (i + 1) * E), j * E);
        output.set(a.output!.subarray(i * H, (i + 1) * H), j * H);
        outputBias[j] = a.outputBias![i]!;
      }
      activity.restore({ lastSeen: artifact.arrays.lastSeen as Float64Array, recent: artifact.arrays.recent as Int32Array }, map, state.clock, rows);
      ({ Wx, Wh, bx, bh } = { Wx: a.Wx!, Wh: a.Wh!, bx: a.bx!, bh: a.bh! });
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
