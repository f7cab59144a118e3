import type { RankedList, RankingScorer } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { checkOption } from '../shared/options';
import { neuralLayers } from './layers';

/** Options of {@link createWideDeepScorer}. */
export interface WideDeepScorerOptions {
  /** Units of the deep part's hidden layers (ReLU). @default [32, 16] */
  layers?: number[];
  /** Width of the category embeddings the deep part reads. @default 8 */
  categoryDimensions?: number;
  /** Weights of the wide part's crossed features, which are hashed into this many. @default 262,144 */
  wideSize?: number;
  /** AdaGrad step size of the wide part (the linear weights of the features and the crosses). @default 0.05 */
  learningRate?: number;
  /** AdaGrad step size of the deep part. @default 0.05 */
  deepLearningRate?: number;
  /** Pull of the wide weights back to their start (the fixed blend) per update. @default 0.0001 */
  regularization?: number;
  /** The user's latest positive items whose categories make the user's categories. @default 20 */
  historyLength?: number;
  /** Seeds the initial weights. @default 42 */
  seed?: number;
}

/** The scorer returned by {@link createWideDeepScorer}. */
export interface WideDeepScorer extends RankingScorer {
  /** Updates learned so far (clicks, or pairs under a pairwise loss). */
  readonly updates: number;
  /**
   * Updates refused because a score or a gradient was not finite (a source scoring NaN, say):
   * the weights are left as they were rather than poisoned.
   */
  readonly skipped: number;
}

const KIND = 'wide-deep';
/** Category embedding rows: a category's code (plus one; row 0 is "no category") modulo this. */
const CATEGORY_ROWS = 4096;

/** A 32-bit hash of a cross (kind, a, b). */
function crossHash(kind: number, a: number, b: number): number {
  let h = Math.imul(kind + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(a + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul(b + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Wide & Deep (Cheng et al. 2016) as the scorer of a learned ranking stage: the score of a
 * candidate is `wide + deep`, learned together from the clicks on the lists it ranked.
 * - **Wide**: a weight per feature of the candidate (its rank and score in each source, the
 *   blend, its age and recent clicks: `CandidateFeatures`), starting with all of it on the blend
 *   so that an untrained scorer ranks as the fixed blend; plus hashed weights of crossed sparse
 *   features, starting at zero: the article's category alone, × the category of the session's
 *   last click, × each category of the user's latest positives, × the hour of the day (UTC), and
 *   the set of sources that proposed it × the session's length (1 to 5+).
 * - **Deep**: an MLP (ReLU) over the features, the article's category embedding, the mean
 *   embedding of the user's categories and their product; its output layer starts at zero.
 * Updates are AdaGrad steps, on the host (a list is tens of candidates: microseconds).
 *
 * @example
 * ```ts
 * const learnedRanking = createLearnedRanking({ scorer: createWideDeepScorer() });
 * const recommender = createRecommender({ store, ...newsPreset(), learnedRanking });
 * ```
 */
export function createWideDeepScorer(options: WideDeepScorerOptions = {}): WideDeepScorer {
  const config = {
    layers: options.layers ?? [32, 16],
    categoryDimensions: options.categoryDimensions ?? 8,
    wideSize: options.wideSize ?? 262_144,
    learningRate: options.learningRate ?? 0.05,
    deepLearningRate: options.deepLearningRate ?? 0.05,
    regularization: options.regularization ?? 0.0001,
    historyLength: options.historyLength ?? 20,
    seed: options.seed ?? 42,
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(KIND, ok, field, value, why);
  check(Array.isArray(config.layers) && config.layers.length >= 1 && config.layers.every((u) => Number.isInteger(u) && u >= 1 && u <= 4096), 'layers', config.layers, 'must be a non-empty list of integers from 1 to 4096');
  check(Number.isInteger(config.categoryDimensions) && config.categoryDimensions >= 1 && config.categoryDimensions <= 256, 'categoryDimensions', config.categoryDimensions, 'must be an integer from 1 to 256');
  check(Number.isInteger(config.wideSize) && config.wideSize >= 1 && config.wideSize <= 1 << 26, 'wideSize', config.wideSize, 'must be an integer from 1 to 67108864');
  check(config.learningRate > 0 && Number.isFinite(config.learningRate), 'learningRate', config.learningRate, 'must be a positive number');
  check(config.deepLearningRate > 0 && Number.isFinite(config.deepLearningRate), 'deepLearningRate', config.deepLearningRate, 'must be a positive number');
  check(config.regularization >= 0 && Number.isFinite(config.regularization), 'regularization', config.regularization, 'must be a non-negative number');
  check(Number.isInteger(config.historyLength) && config.historyLength >= 0, 'historyLength', config.historyLength, 'must be an integer ≥ 0');
  check(Number.isInteger(config.seed), 'seed', config.seed, 'must be an integer');

  const nn = neuralLayers();
  const K = config.categoryDimensions;
  let names: readonly string[] = [];
  let F = 0;
  let sources = 0;
  let Z = 0;
  let lin = new Float64Array(0);
  let lin0 = new Float64Array(0);
  let linAcc = new Float64Array(0);
  const wide = new Float32Array(config.wideSize);
  const wideAcc = new Float32Array(config.wideSize);
  const embedding = new Float32Array(CATEGORY_ROWS * K);
  const embeddingAcc = new Float32Array(CATEGORY_ROWS * K);
  /** Deep layers: `W[l]` is in × out; the last maps the last hidden layer to the score. */
  let W: Float32Array[] = [];
  let b: Float32Array[] = [];
  let WAcc: Float32Array[] = [];
  let bAcc: Float32Array[] = [];
  let widths: number[] = [];
  let updates = 0;
  let skipped = 0;

  /** What the scorer derives from a list: crosses, categories, and the deep layers' activations. */
  interface Pass {
    n: number;
    crosses: Int32Array[];
    categories: Int32Array;
    userCategories: number[];
    userMean: Float32Array;
    /** Activations: `H[0]` the deep input (n × Z), `H[l]` after hidden layer l. */
    H: Float32Array[];
    scores: Float64Array;
  }

  const categoryRow = (list: RankedList, item: number) => {
    const code = item >= 0 && item < list.context.catalog.size ? list.context.catalog.category[item]! : -1;
    return (code + 1) % CATEGORY_ROWS;
  };

  function forward(list: RankedList): Pass {
    const { items, x, context } = list;
    const n = items.length;
    const categories = Int32Array.from(items, (item) => categoryRow(list, item));
    const positive = context.positive;
    const userCategories = [...new Set(Array.from(positive.slice(Math.max(0, positive.length - config.historyLength)), (item) => categoryRow(list, item)))];
    const userMean = new Float32Array(K);
    for (const row of userCategories) for (let d = 0; d < K; d++) userMean[d]! += embedding[row * K + d]! / userCategories.length;
    const last = context.session.length > 0 ? categoryRow(list, context.session[context.session.length - 1]!) : -1;
    const hour = new Date(context.now).getUTCHours();
    const sessionBucket = Math.min(context.sessionLength, 5);
    const crosses: Int32Array[] = [];
    const H: Float32Array[] = [new Float32Array(n * Z)];
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = categories[i]!;
      let pattern = 0;
      for (let s = 0; s < sources && s < 30; s++) if (x[i * F + 3 * s]! > 0) pattern |= 1 << s;
      const hashes = [crossHash(1, c, 0), crossHash(4, c, hour), crossHash(5, pattern, sessionBucket)];
      if (last >= 0) hashes.push(crossHash(2, c, last));
      for (const u of userCategories) hashes.push(crossHash(3, c, u));
      const row = Int32Array.from(hashes, (h) => h % config.wideSize);
      crosses.push(row);
      let s = 0;
      for (let j = 0; j < F; j++) s += lin[j]! * x[i * F + j]!;
      for (const h of row) s += wide[h]!;
      scores[i] = s;
      // Deep input: the features, the category's embedding, the user's, and their product.
      const z = H[0]!.subarray(i * Z, (i + 1) * Z);
      z.set(x.subarray(i * F, (i + 1) * F));
      for (let d = 0; d < K; d++) {
        const e = embedding[c * K + d]!;
        z[F + d] = e;
        z[F + K + d] = userMean[d]!;
        z[F + 2 * K + d] = e * userMean[d]!;
      }
    }
    for (let l = 0; l < W.length; l++) {
      const [inWidth, outWidth] = [widths[l]!, widths[l + 1]!];
      const out = new Float32Array(n * outWidth);
      nn.matmul(H[l]!, W[l]!, out, n, outWidth, inWidth, false, false, 0);
      nn.addBias(out, b[l]!, n, outWidth);
      if (l < W.length - 1) nn.relu(out, n * outWidth);
      H.push(out);
    }
    const deep = H[H.length - 1]!;
    for (let i = 0; i < n; i++) scores[i]! += deep[i]!;
    return { n, crosses, categories, userCategories, userMean, H, scores };
  }

  /** One AdaGrad descent step on `param[i]` with gradient `g`. */
  const descend = (param: Float32Array | Float64Array, acc: Float32Array | Float64Array, i: number, g: number, rate: number) => {
    if (g === 0) return;
    acc[i]! += g * g;
    param[i]! -= (rate * g) / Math.sqrt(acc[i]! + 1e-8);
  };

  return {
    get updates() {
      return updates;
    },
    get skipped() {
      return skipped;
    },
    attach(features, blendColumn) {
      names = features;
      F = features.length;
      sources = Math.floor(blendColumn / 3);
      Z = F + 3 * K;
      lin = new Float64Array(F);
      lin[blendColumn] = 1;
      lin0 = Float64Array.from(lin);
      linAcc = new Float64Array(F);
      const rng = createRandom(config.seed);
      for (let i = 0; i < embedding.length; i++) embedding[i] = (2 * rng.next() - 1) * 0.1;
      widths = [Z, ...config.layers, 1];
      W = [];
      b = [];
      for (let l = 0; l + 1 < widths.length; l++) {
        const [inWidth, outWidth] = [widths[l]!, widths[l + 1]!];
        const bound = l + 2 < widths.length ? Math.sqrt(6 / (inWidth + outWidth)) : 0; // the output layer starts at zero
        W.push(Float32Array.from({ length: inWidth * outWidth }, () => (2 * rng.next() - 1) * bound));
        b.push(new Float32Array(outWidth));
      }
      WAcc = W.map((w) => new Float32Array(w.length));
      bAcc = b.map((v) => new Float32Array(v.length));
    },
    score: (list) => forward(list).scores,
    learn(list, gradient) {
      const pass = forward(list);
      const { n, H } = pass;
      const { x } = list;
      let finite = true;
      for (let i = 0; i < n && finite; i++) finite = Number.isFinite(pass.scores[i]!) && Number.isFinite(gradient[i]!);
      if (!finite) {
        skipped++;
        return;
      }
      updates++;
      // Descent on the negative log-likelihood: d = −gradient.
      const d = Float32Array.from(gradient, (g) => -g);
      // Wide: the features' weights (pulled towards the blend) and the crosses' (towards zero).
      for (let j = 0; j < F; j++) {
        let g = config.regularization * (lin[j]! - lin0[j]!);
        for (let i = 0; i < n; i++) if (d[i] !== 0) g += d[i]! * x[i * F + j]!;
        descend(lin, linAcc, j, g, config.learningRate);
      }
      const crossGradient = new Map<number, number>();
      for (let i = 0; i < n; i++) if (d[i] !== 0) for (const h of pass.crosses[i]!) crossGradient.set(h, (crossGradient.get(h) ?? 0) + d[i]!);
      for (const [h, g] of crossGradient) descend(wide, wideAcc, h, g + config.regularization * wide[h]!, config.learningRate);
      // Deep: back through the layers, then into the category embeddings.
      const dW = W.map((w) => new Float32Array(w.length));
      const db = b.map((v) => new Float32Array(v.length));
      let dOut: Float32Array = d;
      for (let l = W.length - 1; l >= 0; l--) {
        const [inWidth, outWidth] = [widths[l]!, widths[l + 1]!];
        nn.matmul(H[l]!, dOut, dW[l]!, inWidth, outWidth, n, true, false, 0);
        nn.biasBackward(dOut, db[l]!, n, outWidth);
        const dIn = new Float32Array(n * inWidth);
        nn.matmul(dOut, W[l]!, dIn, n, inWidth, outWidth, false, true, 0);
        if (l > 0) nn.reluBackward(H[l]!, dIn, n * inWidth);
        dOut = dIn;
      }
      for (let l = 0; l < W.length; l++) {
        for (let i = 0; i < W[l]!.length; i++) descend(W[l]!, WAcc[l]!, i, dW[l]![i]!, config.deepLearningRate);
        for (let i = 0; i < b[l]!.length; i++) descend(b[l]!, bAcc[l]!, i, db[l]![i]!, config.deepLearningRate);
      }
      const dZ = dOut;
      const dUser = new Float32Array(K);
      const dCategory = new Map<number, Float32Array>();
      for (let i = 0; i < n; i++) {
        const c = pass.categories[i]!;
        let dc = dCategory.get(c);
        if (!dc) dCategory.set(c, (dc = new Float32Array(K)));
        for (let k = 0; k < K; k++) {
          const e = embedding[c * K + k]!;
          const [dE, dU, dP] = [dZ[i * Z + F + k]!, dZ[i * Z + F + K + k]!, dZ[i * Z + F + 2 * K + k]!];
          dc[k]! += dE + dP * pass.userMean[k]!;
          dUser[k]! += dU + dP * e;
        }
      }
      for (const u of pass.userCategories) {
        let dc = dCategory.get(u);
        if (!dc) dCategory.set(u, (dc = new Float32Array(K)));
        for (let k = 0; k < K; k++) dc[k]! += dUser[k]! / pass.userCategories.length;
      }
      for (const [c, dc] of dCategory) for (let k = 0; k < K; k++) descend(embedding, embeddingAcc, c * K + k, dc[k]!, config.deepLearningRate);
    },
    weights: () => Object.fromEntries(names.map((name, j) => [name, lin[j]!])),
  };
}
