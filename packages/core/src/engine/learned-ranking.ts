/**
 * The learned ranking stage: the candidates of every source, scored by a model of their features
 * instead of fixed blend weights (linear by default, or any {@link RankingScorer}), and trained
 * online from clicks — each click on an item of the last list ranked for its session is preferred
 * to the items of that list it was not. It starts as the fixed blend and moves from there.
 */
import type { ItemCatalog } from '../catalog/catalog';
import { createRandom } from '../data/random';
import { MyContentError } from '../errors/error';
import type { ObservedInteraction } from '../model/contract';
import type { BlendSource } from './blend';
import type { Candidate } from './candidate';
import { CandidateFeatures } from './candidate-features';
import { createLinearScorer } from './linear-scorer';

/** Options of {@link createLearnedRanking}. */
export interface LearnedRankingOptions {
  /**
   * The model that scores the candidates' features: by default a linear one (AdaGrad with
   * `learningRate` and `regularization`); a Wide & Deep network is `createWideDeepScorer()` of
   * `@mycontent/algorithms`.
   */
  scorer?: RankingScorer;
  /** AdaGrad step size of the default linear scorer. @default 0.05 */
  learningRate?: number;
  /** Pull of each weight of the default linear scorer back to its starting value (the fixed blend) per update. @default 0.0001 */
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

/** What a learned ranking stage knows of the request it ranks for. */
export interface LearnedRankingContext {
  /** The session id, else the user id: the key its next click is matched to its list with. */
  key: string | undefined;
  /** Time of the request (epoch ms). */
  now: number;
  /** Clicks of the current session so far. */
  sessionLength: number;
  /** The current session's items, oldest first (catalogue indices). */
  session: readonly number[];
  /** The user's positive history, oldest first, the current session at the end. */
  positive: readonly number[];
  catalog: ItemCatalog;
}

/** A list a learned ranking stage ranked: what its scorer scores and learns from. */
export interface RankedList {
  /** The candidates. */
  items: Int32Array;
  /** Their feature rows, `items.length` × `features` (names: `LearnedRanking.features`). */
  x: Float32Array;
  features: number;
  /** The request it was ranked for. */
  context: LearnedRankingContext;
}

/**
 * The model of a learned ranking stage: scores a list's candidates from their features and
 * context, and learns from the gradient of a click's log-likelihood with respect to those scores.
 * Untrained, it must rank as the fixed blend does (the feature `blend` is the blend's score).
 */
export interface RankingScorer {
  /** Called once, with the feature names and the column of `blend`. */
  attach(features: readonly string[], blendColumn: number): void;
  /** A score per candidate of the list (higher is better). */
  score(list: RankedList): Float64Array;
  /** One update: `gradient[i]` is ∂ log-likelihood / ∂ score of candidate i (ascend it). */
  learn(list: RankedList, gradient: Float64Array): void;
  /** The weights worth showing, by name (e.g. the linear weight of each feature). */
  weights(): Record<string, number>;
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
  rank(pool: Candidate[], sources: readonly BlendSource[], context: LearnedRankingContext): Candidate[];
  /** Every interaction of the stream: item click counters, and a click on a remembered list teaches. */
  observe(event: ObservedInteraction): void;
}

const MINUTE = 60_000;

/**
 * A learned ranking stage: a model of the candidates' features (linear unless `scorer` says
 * otherwise), trained online on each click of a list it ranked — by default to raise the clicked
 * item's softmax likelihood among the list (listwise), or to order it above other items
 * (pairwise). The features are described by `CandidateFeatures`: per source `s` of the ranking,
 * `s:rank`, `s:score` and `s:rank×session`; then `blend`, `age`, `clicks:5m`, `clicks:1h` and `new`.
 *
 * @example
 * ```ts
 * const recommender = createRecommender({ store, ...newsPreset(), learnedRanking: createLearnedRanking() });
 * ```
 */
export function createLearnedRanking(options: LearnedRankingOptions = {}): LearnedRanking {
  const negatives = options.negatives ?? 10;
  const loss = options.loss ?? 'softmax';
  const listTtlMs = options.listTtlMs ?? 30 * MINUTE;
  const maxLists = options.maxLists ?? 20_000;
  const check = (ok: boolean, field: string, value: unknown, why: string) => {
    if (!ok) throw new MyContentError('INVALID_CONFIG', `learnedRanking.${field} ${why}, got ${JSON.stringify(value)}`, { source: 'learned-ranking', field, value });
  };
  check(Number.isInteger(negatives) && negatives >= 1, 'negatives', negatives, 'must be a positive integer');
  check(loss === 'softmax' || loss === 'pairwise', 'loss', loss, "must be 'softmax' or 'pairwise'");
  check(listTtlMs > 0, 'listTtlMs', listTtlMs, 'must be positive');
  check(Number.isInteger(maxLists) && maxLists >= 1, 'maxLists', maxLists, 'must be a positive integer');
  const scorer = options.scorer ?? createLinearScorer({ learningRate: options.learningRate, regularization: options.regularization });
  check(typeof scorer.score === 'function' && typeof scorer.learn === 'function' && typeof scorer.attach === 'function', 'scorer', typeof scorer, 'must be a ranking scorer (attach, score, learn, weights)');
  const rng = createRandom(options.seed ?? 42);

  let sources: string[] = [];
  let features: string[] = [];
  const stats: LearnedRankingStats = { clicksInList: 0, clicksOutsideList: 0, pairs: 0 };
  const candidateFeatures = new CandidateFeatures();
  // The last list ranked per session, best first.
  const lists = new Map<string, RankedList & { at: number }>();

  /** Listwise: the gradient of log p(clicked), p the softmax of the list's scores. */
  function learnSoftmax(list: RankedList, positive: number): void {
    const scores = scorer.score(list);
    const n = scores.length;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) if (scores[i]! > max) max = scores[i]!;
    let z = 0;
    for (let i = 0; i < n; i++) z += scores[i] = Math.exp(scores[i]! - max);
    const gradient = new Float64Array(n);
    for (let i = 0; i < n; i++) gradient[i] = (i === positive ? 1 : 0) - scores[i]! / z;
    scorer.learn(list, gradient);
    stats.pairs += n - 1;
  }

  /** Pairwise (BPR): one update per pair, the gradient of log σ(s_positive − s_negative). */
  function learnPairs(list: RankedList, positive: number, others: number[]): void {
    const gradient = new Float64Array(list.items.length);
    for (const negative of others) {
      const scores = scorer.score(list);
      const g = 1 / (1 + Math.exp(scores[positive]! - scores[negative]!)); // σ(−s): how wrong the pair's order is
      gradient[positive] = g;
      gradient[negative] = -g;
      scorer.learn(list, gradient);
      gradient[positive] = 0;
      gradient[negative] = 0;
      stats.pairs++;
    }
  }

  return {
    get features() {
      return features;
    },
    weights: () => scorer.weights(),
    stats: () => ({ ...stats }),
    attach(names) {
      if (features.length > 0) {
        if (names.length === sources.length && names.every((n, i) => n === sources[i])) return;
        throw new MyContentError('INVALID_CONFIG', `this learned ranking already serves a ranking of ${sources.join(', ')}: create one per ranking`, { source: 'learned-ranking', field: 'learnedRanking' });
      }
      sources = [...names];
      candidateFeatures.setSources(sources);
      features = candidateFeatures.names;
      scorer.attach(features, candidateFeatures.blendColumn);
    },
    rank(pool, blendSources, context) {
      if (pool.length === 0) return pool;
      const f = features.length;
      const x = candidateFeatures.extract(pool, blendSources, context.now, context.sessionLength, context.catalog);
      const scores = scorer.score({ items: Int32Array.from(pool, (c) => c.item), x, features: f, context });
      const scored = pool.map((c, i) => ({ c, i, s: scores[i]! }));
      scored.sort((a, b) => b.s - a.s || a.c.item - b.c.item);
      if (context.key !== undefined) {
        const items = Int32Array.from(scored, (e) => e.c.item);
        const rows = new Float32Array(x.length);
        scored.forEach((e, r) => rows.set(x.subarray(e.i * f, (e.i + 1) * f), r * f));
        lists.delete(context.key);
        lists.set(context.key, { at: context.now, items, x: rows, features: f, context });
        if (lists.size > maxLists) lists.delete(lists.keys().next().value!);
      }
      // Scores as the later stages expect them (positive, the best 1): exp(s − best), the list's
      // softmax relative to its top, so that freshness re-weighting and diversity keep their meaning.
      const best = scored[0]!.s;
      return scored.map((e) => ({ ...e.c, score: Math.exp(e.s - best) }));
    },
    observe(event) {
      if (!(event.weight > 0) || event.item < 0) return;
      candidateFeatures.observe(event);
      const { item, timestamp: t } = event;
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
      if (loss === 'softmax') return learnSoftmax(list, position);
      // Compared with the items ranked above it (the mistakes), then others of the list at random.
      const others: number[] = [];
      for (let r = 0; r < position && others.length < negatives; r++) others.push(r);
      const rest = list.items.length - position - 1;
      for (let n = 0; others.length < negatives && n < rest; n++) others.push(position + 1 + rng.int(rest));
      learnPairs(list, position, others);
    },
  };
}
