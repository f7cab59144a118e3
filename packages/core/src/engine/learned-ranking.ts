/**
 * The learned ranking stage: the candidates of every source, scored by a linear model of their
 * features instead of fixed blend weights, and trained online from clicks — each click on an item
 * of the last list ranked for its session is preferred to the items of that list it was not.
 * It starts as the fixed blend (all its weight on the blended score) and moves from there.
 */
import type { ItemCatalog } from '../catalog/catalog';
import { createRandom } from '../data/random';
import { MyContentError } from '../errors/error';
import type { ObservedInteraction } from '../model/contract';
import type { BlendSource } from './blend';
import type { Candidate } from './candidate';

/** Options of {@link createLearnedRanking}. */
export interface LearnedRankingOptions {
  /** AdaGrad step size. @default 0.05 */
  learningRate?: number;
  /** Pull of each weight back to its starting value (the fixed blend) per update. @default 0.0001 */
  regularization?: number;
  /**
   * What a click teaches: `softmax` (listwise: the clicked item's likelihood among the whole
   * list, a cross-entropy), or `pairwise` (the click preferred to `negatives` items of the list:
   * those ranked above it first, then others at random; a BPR loss). @default 'softmax'
   */
  loss?: 'softmax' | 'pairwise';
  /** `pairwise`: items of the list a click is compared with. @default 10 */
  negatives?: number;
  /** A click learns from the list ranked for its session at most this long before. @default 30 minutes */
  listTtlMs?: number;
  /**
   * Lists remembered at most (the least recently ranked are forgotten first). A list costs 4 bytes
   * per feature and candidate: about 8 KB for three sources of 50 candidates. @default 20,000
   */
  maxLists?: number;
  /** Seeds the choice of compared items. @default 42 */
  seed?: number;
}

/** What the learned ranking has learned from, so far. */
export interface LearnedRankingStats {
  /** Clicks on an item of their session's last list: each an update. */
  clicksInList: number;
  /** Clicks with a list that did not hold the clicked item (nothing to learn from). */
  clicksOutsideList: number;
  /** Pairs (clicked, not clicked) learned from. */
  pairs: number;
}

/** A learned ranking stage: give it to the engine or the replay as `RankingOptions.learnedRanking`. */
export interface LearnedRanking {
  /** Feature names, in weight order; known once the stage is attached to a ranking's models. */
  readonly features: readonly string[];
  /** The current weight of each feature. */
  weights(): Record<string, number>;
  stats(): LearnedRankingStats;
  /**
   * Attaches the stage to the models of one ranking (their names make the features). Called by
   * the ranking options' consumer (the engine, the replay); a stage serves one ranking.
   */
  attach(sources: readonly string[]): void;
  /**
   * Scores blended candidates (`pool`, from `sources`) with the learned weights, best first (each
   * score exp(s − s_best), in (0, 1]), and remembers the list for the session `key`, so that its
   * next click can be learned from.
   */
  rank(pool: Candidate[], sources: readonly BlendSource[], context: { key: string | undefined; now: number; sessionLength: number; catalog: ItemCatalog }): Candidate[];
  /** Every interaction of the stream: item click counters, and a click on a remembered list teaches. */
  observe(event: ObservedInteraction): void;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A learned ranking stage: a linear model of the candidates' features, trained online with
 * AdaGrad on each click of a list it ranked — by default to raise the clicked item's softmax
 * likelihood among the list (listwise), or to order it above other items (pairwise). Features of
 * a candidate, per source `s` of the ranking: `s:rank` (1 / (1 + its position in that source), 0
 * when absent), `s:score` (its score over the source's best) and `s:rank×session` (the rank
 * feature times log(1 + session length): how much to trust a source as the session grows); and
 * `blend` (the fixed blend's score, where the weights start), `age` (log hours since the item's
 * first click, or its publication), `clicks:5m` and `clicks:1h` (log of its clicks, decayed over
 * 5 minutes and one hour) and `new` (1 when nobody has clicked it yet).
 *
 * @example
 * ```ts
 * const recommender = createRecommender({ store, ...newsPreset(), learnedRanking: createLearnedRanking() });
 * ```
 */
export function createLearnedRanking(options: LearnedRankingOptions = {}): LearnedRanking {
  const learningRate = options.learningRate ?? 0.05;
  const regularization = options.regularization ?? 0.0001;
  const negatives = options.negatives ?? 10;
  const loss = options.loss ?? 'softmax';
  const listTtlMs = options.listTtlMs ?? 30 * MINUTE;
  const maxLists = options.maxLists ?? 20_000;
  const check = (ok: boolean, field: string, value: unknown, why: string) => {
    if (!ok) throw new MyContentError('INVALID_CONFIG', `learnedRanking.${field} ${why}, got ${JSON.stringify(value)}`, { source: 'learned-ranking', field, value });
  };
  check(learningRate > 0 && Number.isFinite(learningRate), 'learningRate', learningRate, 'must be a positive number');
  check(regularization >= 0 && Number.isFinite(regularization), 'regularization', regularization, 'must be a non-negative number');
  check(Number.isInteger(negatives) && negatives >= 1, 'negatives', negatives, 'must be a positive integer');
  check(loss === 'softmax' || loss === 'pairwise', 'loss', loss, "must be 'softmax' or 'pairwise'");
  check(listTtlMs > 0, 'listTtlMs', listTtlMs, 'must be positive');
  check(Number.isInteger(maxLists) && maxLists >= 1, 'maxLists', maxLists, 'must be a positive integer');
  const rng = createRandom(options.seed ?? 42);

  let sources: string[] = [];
  let features: string[] = [];
  let w = new Float64Array(0);
  let w0 = new Float64Array(0);
  let g2 = new Float64Array(0);
  const stats: LearnedRankingStats = { clicksInList: 0, clicksOutsideList: 0, pairs: 0 };

  // Per item: clicks decayed over 5 minutes and over an hour (as of `last`), and the first click.
  let fast = new Float64Array(0);
  let slow = new Float64Array(0);
  let last = new Float64Array(0);
  let first = new Float64Array(0);
  const grow = (item: number) => {
    if (item < fast.length) return;
    const size = Math.max(item + 1, fast.length * 2, 1024);
    const extend = (a: Float64Array, fill: number) => {
      const b = new Float64Array(size).fill(fill);
      b.set(a);
      return b;
    };
    fast = extend(fast, 0);
    slow = extend(slow, 0);
    last = extend(last, 0);
    first = extend(first, Number.NaN);
  };

  // The last list ranked per session: its items (best first) and their feature rows.
  const lists = new Map<string, { at: number; items: Int32Array; x: Float32Array }>();

  const F = () => features.length;
  function featuresOf(pool: Candidate[], blendSources: readonly BlendSource[], now: number, sessionLength: number, catalog: ItemCatalog): Float32Array {
    const f = F();
    const x = new Float32Array(pool.length * f);
    const row = new Map<number, number>();
    pool.forEach((c, i) => row.set(c.item, i));
    const session = Math.log1p(sessionLength);
    for (const source of blendSources) {
      const s = sources.indexOf(source.name);
      if (s < 0) continue;
      const { items, scores } = source.result;
      const top = scores[0]! > 0 ? scores[0]! : 1;
      for (let r = 0; r < items.length; r++) {
        const i = row.get(items[r]!);
        if (i === undefined) continue;
        const rank = 1 / (1 + r);
        x[i * f + 3 * s] = rank;
        x[i * f + 3 * s + 1] = Math.max(0, scores[r]!) / top;
        x[i * f + 3 * s + 2] = rank * session;
      }
    }
    const base = 3 * sources.length;
    const created = catalog.createdAt;
    for (let i = 0; i < pool.length; i++) {
      const item = pool[i]!.item;
      const o = i * f + base;
      x[o] = pool[i]!.score;
      const clicked = item < first.length && !Number.isNaN(first[item]!);
      const born = clicked ? first[item]! : created[item]! > 0 ? created[item]! : now;
      x[o + 1] = Math.log1p(Math.max(0, now - born) / HOUR);
      if (clicked) {
        const dt = Math.max(0, now - last[item]!);
        x[o + 2] = Math.log1p(fast[item]! * Math.exp(-dt / (5 * MINUTE)));
        x[o + 3] = Math.log1p(slow[item]! * Math.exp(-dt / HOUR));
      } else x[o + 4] = 1;
    }
    return x;
  }

  function step(grad: Float64Array): void {
    for (let j = 0; j < grad.length; j++) {
      const gj = grad[j]! - regularization * (w[j]! - w0[j]!);
      if (gj === 0) continue;
      g2[j]! += gj * gj;
      w[j]! += (learningRate * gj) / Math.sqrt(g2[j]! + 1e-8);
    }
  }

  /** Listwise: the gradient of log p(clicked), p the softmax of the list's scores. */
  function learnSoftmax(x: Float32Array, n: number, positive: number): void {
    const f = F();
    const scores = new Float64Array(n);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += w[j]! * x[i * f + j]!;
      scores[i] = s;
      if (s > max) max = s;
    }
    let z = 0;
    for (let i = 0; i < n; i++) z += (scores[i] = Math.exp(scores[i]! - max));
    const grad = new Float64Array(f);
    for (let j = 0; j < f; j++) grad[j] = x[positive * f + j]!;
    for (let i = 0; i < n; i++) {
      const p = scores[i]! / z;
      for (let j = 0; j < f; j++) grad[j]! -= p * x[i * f + j]!;
    }
    step(grad);
    stats.pairs += n - 1;
  }

  function learn(x: Float32Array, positive: number, others: number[]): void {
    const f = F();
    for (const negative of others) {
      let s = 0;
      for (let j = 0; j < f; j++) s += w[j]! * (x[positive * f + j]! - x[negative * f + j]!);
      const g = 1 / (1 + Math.exp(s)); // σ(−s): how wrong the pair's order is
      const grad = new Float64Array(f);
      for (let j = 0; j < f; j++) grad[j] = g * (x[positive * f + j]! - x[negative * f + j]!);
      step(grad);
      stats.pairs++;
    }
  }

  return {
    get features() {
      return features;
    },
    weights: () => Object.fromEntries(features.map((name, j) => [name, w[j]!])),
    stats: () => ({ ...stats }),
    attach(names) {
      if (features.length > 0) {
        if (names.length === sources.length && names.every((n, i) => n === sources[i])) return;
        throw new MyContentError('INVALID_CONFIG', `this learned ranking already serves a ranking of ${sources.join(', ')}: create one per ranking`, { source: 'learned-ranking', field: 'learnedRanking' });
      }
      sources = [...names];
      features = [...sources.flatMap((s) => [`${s}:rank`, `${s}:score`, `${s}:rank×session`]), 'blend', 'age', 'clicks:5m', 'clicks:1h', 'new'];
      w = new Float64Array(features.length);
      w[3 * sources.length] = 1; // the fixed blend, to start with
      w0 = Float64Array.from(w);
      g2 = new Float64Array(features.length);
    },
    rank(pool, blendSources, { key, now, sessionLength, catalog }) {
      if (pool.length === 0) return pool;
      const f = F();
      const x = featuresOf(pool, blendSources, now, sessionLength, catalog);
      const scored = pool.map((c, i) => {
        let s = 0;
        for (let j = 0; j < f; j++) s += w[j]! * x[i * f + j]!;
        return { c, i, s };
      });
      scored.sort((a, b) => b.s - a.s || a.c.item - b.c.item);
      if (key !== undefined) {
        const items = Int32Array.from(scored, (e) => e.c.item);
        const rows = new Float32Array(x.length);
        scored.forEach((e, r) => rows.set(x.subarray(e.i * f, (e.i + 1) * f), r * f));
        lists.delete(key);
        lists.set(key, { at: now, items, x: rows });
        if (lists.size > maxLists) lists.delete(lists.keys().next().value!);
      }
      // Scores as the later stages expect them (positive, the best 1): exp(s − best), the list's
      // softmax relative to its top, so that freshness re-weighting and diversity keep their meaning.
      const best = scored[0]!.s;
      return scored.map((e) => ({ ...e.c, score: Math.exp(e.s - best) }));
    },
    observe(event) {
      if (!(event.weight > 0) || event.item < 0) return;
      const { item, timestamp: t } = event;
      grow(item);
      const dt = Math.max(0, t - last[item]!);
      fast[item] = fast[item]! * Math.exp(-dt / (5 * MINUTE)) + 1;
      slow[item] = slow[item]! * Math.exp(-dt / HOUR) + 1;
      last[item] = Math.max(last[item]!, t);
      if (Number.isNaN(first[item]!)) first[item] = t;

      if (features.length === 0) return;
      const key = event.sessionId ?? event.userId;
      const list = lists.get(key) ?? (event.sessionId !== undefined ? lists.get(event.userId) : undefined);
      if (!list || t - list.at > listTtlMs || t < list.at) return;
      const position = list.items.indexOf(item);
      if (position < 0) {
        stats.clicksOutsideList++;
        return;
      }
      stats.clicksInList++;
      lists.delete(key);
      if (loss === 'softmax') return learnSoftmax(list.x, list.items.length, position);
      // Compared with the items ranked above it (the mistakes), then others of the list at random.
      const others: number[] = [];
      for (let r = 0; r < position && others.length < negatives; r++) others.push(r);
      const rest = list.items.length - position - 1;
      for (let n = 0; others.length < negatives && n < rest; n++) others.push(position + 1 + rng.int(rest));
      learn(list.x, position, others);
    },
  };
}
