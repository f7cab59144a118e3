import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { MyContentError, type ArmState, type BanditStateStore } from '@mycontent/core';
import { checkOption } from '../shared/options';
import { createRandom, type Random } from '@mycontent/core/data';

/** One observed reward: the arm was played (shown) and earned `reward` in [0, 1] (1 = click). */
export interface BanditFeedback {
  arm: string;
  reward: number;
  /** When it happened (epoch ms), for bandits whose old rewards fade. @default now */
  at?: number;
  /** Contextual bandits: the feature vector the arm was played with. */
  features?: readonly number[];
}

/** A choice context. */
export interface BanditContext {
  /** Contextual bandits: the feature vector of each candidate arm (e.g. {@link crossFeatures}). */
  features?: (arm: string) => readonly number[];
  /** Time of the choice (epoch ms), for fading rewards. @default now */
  now?: number;
}

/**
 * A multi-armed bandit whose state lives in a {@link BanditStateStore} (`store.bandits` of the
 * memory and PostgreSQL stores), so that several service instances learn together; updates are
 * atomic increments.
 */
export interface Bandit {
  /** The bandit's name in the store (arms of different bandits never mix). */
  readonly name: string;
  readonly policy: 'epsilon-greedy' | 'ucb1' | 'thompson' | 'linucb';
  /** Picks `k` distinct arms of `arms`, best first, exploring as the policy does. */
  select(arms: readonly string[], k: number, context?: BanditContext): Promise<string[]>;
  /** Records rewards (one per play), each in [0, 1]. */
  update(feedback: readonly BanditFeedback[]): Promise<void>;
  /** Drops arms (e.g. deleted articles) and their state. */
  forget(arms: readonly string[]): Promise<void>;
}

/** Options every bandit takes. */
export interface BanditOptions {
  /** Where the arms' statistics live, e.g. `store.bandits`. */
  state: BanditStateStore;
  /** Name of this bandit's state. */
  name: string;
  /** Seed of the exploration draws. @default 42 */
  seed?: number;
  /** Clock. @default Date.now */
  now?: () => number;
}

const SOURCE = 'bandit';

const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(SOURCE, ok, field, value, why);

function checkFeedback(feedback: readonly BanditFeedback[], dimension?: number): void {
  feedback.forEach((f, i) => {
    if (typeof f.arm !== 'string' || f.arm.length === 0) {
      throw new MyContentError('INVALID_INPUT', `feedback ${i}: arm must be a non-empty string`, { source: SOURCE, field: `feedback[${i}].arm`, value: f.arm });
    }
    if (!(typeof f.reward === 'number' && f.reward >= 0 && f.reward <= 1)) {
      throw new MyContentError('INVALID_INPUT', `feedback ${i}: reward must be in [0, 1]`, { source: SOURCE, field: `feedback[${i}].reward`, value: f.reward });
    }
    if (dimension !== undefined && (!f.features || f.features.length !== dimension || !f.features.every(Number.isFinite))) {
      throw new MyContentError('INVALID_INPUT', `feedback ${i}: features must be ${dimension} finite numbers`, {
        source: SOURCE,
        field: `feedback[${i}].features`,
        value: f.features?.length,
      });
    }
  });
}

function checkSelect(arms: readonly string[], k: number): void {
  if (!Number.isInteger(k) || k < 0) throw new MyContentError('INVALID_INPUT', 'k must be a non-negative integer', { source: SOURCE, field: 'k', value: k });
  if (!Array.isArray(arms)) throw new MyContentError('INVALID_INPUT', 'arms must be an array of ids', { source: SOURCE, field: 'arms' });
}

/** Pulls and reward sums per arm, each bucket weighted by `weight(bucket)`. */
function totals(rows: readonly ArmState[], weight: (bucket: number) => number = () => 1): Map<string, { pulls: number; reward: number }> {
  const out = new Map<string, { pulls: number; reward: number }>();
  for (const r of rows) {
    const w = weight(r.bucket);
    const t = out.get(r.arm) ?? { pulls: 0, reward: 0 };
    t.pulls += w * r.pulls;
    t.reward += w * r.reward;
    out.set(r.arm, t);
  }
  return out;
}

/** The `k` arms with the highest values (ties: the order given). */
function topK(arms: readonly string[], value: (arm: string, i: number) => number, k: number): string[] {
  return arms
    .map((arm, i) => ({ arm, v: value(arm, i), i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, k)
    .map((x) => x.arm);
}

const distinct = (arms: readonly string[]) => [...new Set(arms)];

/** The candidate arms (checked, de-duplicated), their undiscounted totals and the total plays. */
async function readArms(store: BanditStateStore, name: string, input: readonly string[], k: number) {
  checkSelect(input, k);
  const arms = distinct(input);
  const stats = totals(await store.getArms(name, { arms }));
  let plays = 0;
  for (const t of stats.values()) plays += t.pulls;
  return { arms, stats, plays };
}

/** `update` and `forget` of the bandits that count plays and rewards per arm, without buckets. */
function countingState(store: BanditStateStore, name: string): Pick<Bandit, 'update' | 'forget'> {
  return {
    async update(feedback) {
      checkFeedback(feedback);
      await store.incrementArms(name, feedback.map((f) => ({ arm: f.arm, pulls: 1, reward: f.reward })));
    },
    forget: (arms) => store.deleteArms(name, { arms }),
  };
}

/** Options of {@link createEpsilonGreedyBandit}. */
export interface EpsilonGreedyOptions extends BanditOptions {
  /** Share of the picks made at random. @default 0.1 */
  epsilon?: number;
  /** Multiplies epsilon once per recorded play (1: no decay). @default 1 */
  decay?: number;
  /** Lowest epsilon after decay. @default 0.01 (or epsilon, when lower) */
  minEpsilon?: number;
  /** Value of an arm never played (1: optimistic, every arm gets tried). @default 1 */
  initialValue?: number;
}

/**
 * Epsilon-greedy: each pick is, with probability ε, a uniformly random arm, otherwise the arm
 * with the best mean reward. ε decays with the number of plays (ε₀ · decay^plays, floored).
 *
 * @example
 * ```ts
 * const bandit = createEpsilonGreedyBandit({ state: store.bandits, name: 'homepage', epsilon: 0.2, decay: 0.999 });
 * const shown = await bandit.select(candidateIds, 5);
 * await bandit.update(shown.map((arm) => ({ arm, reward: clicked.has(arm) ? 1 : 0 })));
 * ```
 */
export function createEpsilonGreedyBandit(options: EpsilonGreedyOptions): Bandit {
  const epsilon = options.epsilon ?? 0.1;
  const decay = options.decay ?? 1;
  const minEpsilon = options.minEpsilon ?? Math.min(0.01, epsilon);
  const initialValue = options.initialValue ?? 1;
  check(epsilon >= 0 && epsilon <= 1, 'epsilon', epsilon, 'must be in [0, 1]');
  check(decay > 0 && decay <= 1, 'decay', decay, 'must be in (0, 1]');
  check(minEpsilon >= 0 && minEpsilon <= epsilon, 'minEpsilon', minEpsilon, 'must be in [0, epsilon]');
  const rng = createRandom(options.seed ?? 42);
  const { state, name } = options;
  return {
    name,
    policy: 'epsilon-greedy',
    async select(input, k) {
      const { arms, stats, plays } = await readArms(state, name, input, k);
      const eps = Math.max(minEpsilon, epsilon * decay ** plays);
      const mean = (arm: string) => {
        const t = stats.get(arm);
        return t && t.pulls > 0 ? t.reward / t.pulls : initialValue;
      };
      const remaining = topK(arms, mean, arms.length);
      const picked: string[] = [];
      while (picked.length < k && remaining.length > 0) {
        const at = rng.next() < eps ? rng.int(remaining.length) : 0;
        picked.push(remaining.splice(at, 1)[0]!);
      }
      return picked;
    },
    ...countingState(state, name),
  };
}

/**
 * UCB1 (Auer et al. 2002): plays the arm with the highest mean + √(2 ln N / nᵢ); arms never
 * played come first. Deterministic given the state.
 *
 * @example
 * ```ts
 * const bandit = createUcb1Bandit({ state: store.bandits, name: 'homepage' });
 * ```
 */
export function createUcb1Bandit(options: BanditOptions): Bandit {
  const { state, name } = options;
  return {
    name,
    policy: 'ucb1',
    async select(input, k) {
      const { arms, stats, plays } = await readArms(state, name, input, k);
      const log = Math.log(Math.max(1, plays));
      return topK(arms, (arm) => {
        const t = stats.get(arm);
        if (!t || t.pulls <= 0) return Number.POSITIVE_INFINITY;
        return t.reward / t.pulls + Math.sqrt((2 * log) / t.pulls);
      }, k);
    },
    ...countingState(state, name),
  };
}

/** Options of {@link createThompsonBandit}. */
export interface ThompsonOptions extends BanditOptions {
  /** Beta prior of every arm. @default { alpha: 1, beta: 1 } (uniform) */
  prior?: { alpha: number; beta: number };
  /**
   * Old rewards fade: a play `halfLifeMs` ago counts half. Plays are kept per time bucket of
   * `bucketMs` (atomic increments, no rewrite of the past) and buckets weigh
   * 0.5^(age / halfLife); buckets below 1/1000 are pruned. @default no discounting
   */
  discount?: { halfLifeMs: number; bucketMs?: number };
}

/** A Gamma(shape, 1) draw (Marsaglia–Tsang), shape > 0. */
function gamma(rng: Random, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * rng.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * Thompson sampling with Beta–Bernoulli arms: each pick draws a click rate from every arm's
 * Beta(α + rewards, β + plays − rewards) and plays the best draws. With `discount`, old plays
 * fade (non-stationary news: yesterday's hit loses its lead).
 *
 * @example
 * ```ts
 * const bandit = createThompsonBandit({ state: store.bandits, name: 'breaking', discount: { halfLifeMs: 6 * 3_600_000 } });
 * ```
 */
export function createThompsonBandit(options: ThompsonOptions): Bandit {
  const prior = options.prior ?? { alpha: 1, beta: 1 };
  check(prior.alpha > 0 && prior.beta > 0, 'prior', prior, 'needs alpha > 0 and beta > 0');
  const discount = options.discount;
  if (discount) check(discount.halfLifeMs > 0, 'discount.halfLifeMs', discount.halfLifeMs, 'must be positive');
  const bucketMs = discount ? discount.bucketMs ?? Math.max(1, Math.round(discount.halfLifeMs / 24)) : 0;
  const rng = createRandom(options.seed ?? 42);
  const clock = options.now ?? Date.now;
  const { state, name } = options;
  const bucketOf = (t: number) => (discount ? Math.floor(t / bucketMs) : 0);
  // Buckets older than this many bucket lengths weigh under 1/1000.
  const horizon = discount ? Math.ceil((discount.halfLifeMs * Math.log2(1000)) / bucketMs) : 0;
  let lastPruned = Number.NEGATIVE_INFINITY;
  return {
    name,
    policy: 'thompson',
    async select(input, k, context = {}) {
      checkSelect(input, k);
      const arms = distinct(input);
      const now = bucketOf(context.now ?? clock());
      const rows = await state.getArms(name, { arms, ...(discount ? { sinceBucket: now - horizon } : {}) });
      const stats = totals(rows, discount ? (b) => 0.5 ** (((now - b) * bucketMs) / discount.halfLifeMs) : undefined);
      const draws = new Map<string, number>();
      for (const arm of arms) {
        const t = stats.get(arm) ?? { pulls: 0, reward: 0 };
        const a = gamma(rng, prior.alpha + t.reward);
        const b = gamma(rng, prior.beta + Math.max(0, t.pulls - t.reward));
        draws.set(arm, a / (a + b));
      }
      return topK(arms, (arm) => draws.get(arm)!, k);
    },
    async update(feedback) {
      checkFeedback(feedback);
      const now = clock();
      await state.incrementArms(name, feedback.map((f) => ({ arm: f.arm, bucket: bucketOf(f.at ?? now), pulls: 1, reward: f.reward })));
      if (discount && bucketOf(now) !== lastPruned) {
        lastPruned = bucketOf(now);
        await state.deleteArms(name, { beforeBucket: lastPruned - horizon });
      }
    },
    forget: (arms) => state.deleteArms(name, { arms }),
  };
}

/** Options of {@link createLinUcbBandit}. */
export interface LinUcbOptions extends BanditOptions {
  /** Length of the feature vectors. */
  dimension: number;
  /** Width of the confidence bonus. @default 1 */
  alpha?: number;
}

/** The outer product of user and item features, flattened: LinUCB's "user × item" context. */
export function crossFeatures(user: readonly number[], item: readonly number[]): number[] {
  const out = new Array<number>(user.length * item.length);
  for (let u = 0; u < user.length; u++) for (let i = 0; i < item.length; i++) out[u * item.length + i] = user[u]! * item[i]!;
  return out;
}

/**
 * LinUCB with disjoint arms (Li et al. 2010): each arm's reward is linear in the context
 * features, x·θₐ; it plays the arm with the highest x·θₐ + α √(xᵀ Aₐ⁻¹ x), where Aₐ = I + Σ x xᵀ
 * and θₐ = Aₐ⁻¹ Σ r x. Aₐ and Σ r x are stored as one vector per arm, incremented atomically.
 *
 * @example
 * ```ts
 * const bandit = createLinUcbBandit({ state: store.bandits, name: 'slots', dimension: 4 * 6 });
 * const features = (arm: string) => crossFeatures(userFeatures, itemFeatures(arm));
 * const [arm] = await bandit.select(candidates, 1, { features });
 * await bandit.update([{ arm, reward: 1, features: features(arm) }]);
 * ```
 */
export function createLinUcbBandit(options: LinUcbOptions): Bandit {
  const d = options.dimension;
  const alpha = options.alpha ?? 1;
  check(Number.isInteger(d) && d >= 1 && d <= 256, 'dimension', d, 'must be an integer in [1, 256]');
  check(alpha >= 0, 'alpha', alpha, 'must not be negative');
  const { state, name } = options;
  return {
    name,
    policy: 'linucb',
    async select(input, k, context = {}) {
      checkSelect(input, k);
      if (!context.features) throw new MyContentError('INVALID_INPUT', 'LinUCB needs context.features', { source: SOURCE, field: 'context.features' });
      const arms = distinct(input);
      const rows = await state.getArms(name, { arms });
      const sums = new Map<string, number[]>();
      for (const r of rows) if (r.vector) sums.set(r.arm, r.vector);
      const value = (arm: string) => {
        const x = context.features!(arm);
        if (x.length !== d) throw new MyContentError('INVALID_INPUT', `features of arm "${arm}" must have ${d} values`, { source: SOURCE, field: 'context.features', value: x.length });
        const v = sums.get(arm);
        const A = Matrix.eye(d, d);
        const b = new Matrix(d, 1);
        if (v) {
          for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A.set(i, j, A.get(i, j) + (v[i * d + j] ?? 0));
          for (let i = 0; i < d; i++) b.set(i, 0, v[d * d + i] ?? 0);
        }
        const chol = new CholeskyDecomposition(A);
        const xm = Matrix.columnVector([...x]);
        const theta = chol.solve(b);
        const ainvx = chol.solve(xm);
        let mean = 0;
        let width = 0;
        for (let i = 0; i < d; i++) {
          mean += theta.get(i, 0) * x[i]!;
          width += x[i]! * ainvx.get(i, 0);
        }
        return mean + alpha * Math.sqrt(Math.max(0, width));
      };
      return topK(arms, value, k);
    },
    async update(feedback) {
      checkFeedback(feedback, d);
      await state.incrementArms(
        name,
        feedback.map((f) => {
          const x = f.features!;
          const vector = new Array<number>(d * d + d);
          for (let i = 0; i < d; i++) {
            for (let j = 0; j < d; j++) vector[i * d + j] = x[i]! * x[j]!;
            vector[d * d + i] = f.reward * x[i]!;
          }
          return { arm: f.arm, pulls: 1, reward: f.reward, vector };
        }),
      );
    },
    forget: (arms) => state.deleteArms(name, { arms }),
  };
}
