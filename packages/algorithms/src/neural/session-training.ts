import { DEFAULT_MAX_OPEN_SESSIONS, DEFAULT_SESSION_GAP_MS, type InteractionDataset, type ItemCatalog, type ScoredItems } from '@mycontent/core';
import type { SessionTracker, TopK } from '@mycontent/core/internal';
import { checkOption } from '../shared/options';
import { openSessionsData } from '../session/sessions';
import type { SessionSequences } from './sequences';

/**
 * Options the neural session models (GRU4Rec, SASRec) share: their mini-batches and sampled
 * negatives, Adam, the online fine-tuning, which articles they recommend, and their sessions.
 */
export interface SessionTrainingOptions {
  /** Sessions trained side by side. @default 32 (GRU4Rec), 64 (SASRec) */
  batchSize?: number;
  /** Items sampled by popularity per mini-batch, shared by its rows, besides the batch's own targets. @default 256 */
  negatives?: number;
  /** Sampling weight of an item: its training clicks to this power (0 uniform, 1 popularity). @default 0.5 */
  sampleAlpha?: number;
  /** Passes over the training sessions. @default 3 */
  epochs?: number;
  /** Adam learning rate. @default 0.001 */
  learningRate?: number;
  /** The last clicks of a session a query reads; longer sessions are truncated to them. @default 20 */
  maxLength?: number;
  /** Learning rate of the online fine-tuning each observed click makes (plain SGD); 0 turns it off. @default 0.05 (GRU4Rec), 0.01 (SASRec) */
  onlineLearningRate?: number;
  /** Items sampled from the latest clicks as negatives of an online update. @default 32 */
  onlineNegatives?: number;
  /** An item not clicked for this long (data time) is no longer recommended. @default 7 days */
  itemTtlMs?: number;
  /**
   * Train on the sessions that start within this long of the dataset's last click only (news:
   * yesterday's articles matter, last month's do not). @default Infinity (all)
   */
  trainingWindowMs?: number;
  /** Inactivity that ends a session without a session id. @default 30 minutes */
  sessionGapMs?: number;
  /** Sessions held open at most (memory bound), as in the other session models. @default 100_000 */
  maxOpenSessions?: number;
  /** Seed of initialisation and sampling. @default 42 */
  seed?: number;
}

/** The shared options with their defaults, checked: out of range is `INVALID_CONFIG` naming the option. */
export function sessionTrainingConfig(kind: string, options: SessionTrainingOptions, defaults: { batchSize: number; onlineLearningRate: number; maxLength: number }) {
  const config = {
    batchSize: options.batchSize ?? defaults.batchSize,
    negatives: options.negatives ?? 256,
    sampleAlpha: options.sampleAlpha ?? 0.5,
    epochs: options.epochs ?? 3,
    learningRate: options.learningRate ?? 0.001,
    maxLength: options.maxLength ?? 20,
    onlineLearningRate: options.onlineLearningRate ?? defaults.onlineLearningRate,
    onlineNegatives: options.onlineNegatives ?? 32,
    itemTtlMs: options.itemTtlMs ?? 7 * 86_400_000,
    trainingWindowMs: options.trainingWindowMs ?? Number.POSITIVE_INFINITY,
    sessionGapMs: options.sessionGapMs ?? DEFAULT_SESSION_GAP_MS,
    maxOpenSessions: options.maxOpenSessions ?? DEFAULT_MAX_OPEN_SESSIONS,
    seed: options.seed ?? 42,
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(kind, ok, field, value, why);
  const integer = (field: string, value: number, min: number, max: number) =>
    check(Number.isInteger(value) && value >= min && value <= max, field, value, `must be an integer from ${min} to ${max}`);
  integer('batchSize', config.batchSize, 1, 4096);
  integer('epochs', config.epochs, 1, 10_000);
  integer('maxLength', config.maxLength, 1, defaults.maxLength);
  integer('negatives', config.negatives, 0, 100_000);
  integer('onlineNegatives', config.onlineNegatives, 0, 10_000);
  check(config.sampleAlpha >= 0 && config.sampleAlpha <= 1, 'sampleAlpha', config.sampleAlpha, 'must be in [0, 1]');
  check(config.learningRate > 0 && config.learningRate <= 1, 'learningRate', config.learningRate, 'must be in (0, 1]');
  check(config.onlineLearningRate >= 0 && config.onlineLearningRate <= 1, 'onlineLearningRate', config.onlineLearningRate, 'must be in [0, 1]');
  check(config.itemTtlMs > 0, 'itemTtlMs', config.itemTtlMs, 'must be positive (or Infinity)');
  check(config.trainingWindowMs > 0, 'trainingWindowMs', config.trainingWindowMs, 'must be positive (or Infinity)');
  check(config.sessionGapMs > 0, 'sessionGapMs', config.sessionGapMs, 'must be positive');
  integer('maxOpenSessions', config.maxOpenSessions, 1, 100_000_000);
  check(Number.isInteger(config.seed), 'seed', config.seed, 'must be an integer');
  return config;
}

/** Running sums of each item's training clicks to the power `alpha`: what the kernels sample negatives from. */
export function popularityCumulative(clicks: Int32Array, alpha: number, buffer: SharedArrayBuffer): Float64Array {
  const cumulative = new Float64Array(buffer);
  let sum = 0;
  for (let i = 0; i < cumulative.length; i++) cumulative[i] = sum += clicks[i]! > 0 ? clicks[i]! ** alpha : 0;
  return cumulative;
}

const RECENT_CLICKS = 8192;

/**
 * What a session model knows of each article's activity, in data time: its latest click (0 =
 * never clicked, so never recommended), the data clock, and a ring of the latest clicks, which the
 * online updates sample their negatives from.
 */
export class ItemActivity {
  /** Latest click of each catalogue index (epoch ms), 0 when never clicked. */
  lastSeen = new Float64Array(0);
  /** The latest interaction time seen (epoch ms). */
  clock = 0;
  private readonly recent = new Int32Array(RECENT_CLICKS);
  private recentCount = 0;

  /** Makes room for `capacity` items. */
  grow(capacity: number): void {
    if (capacity <= this.lastSeen.length) return;
    const next = new Float64Array(capacity);
    next.set(this.lastSeen);
    this.lastSeen = next;
  }

  known(item: number): boolean {
    return item >= 0 && item < this.lastSeen.length && this.lastSeen[item]! > 0;
  }

  /** Clicked within `ttlMs` of the clock. */
  live(item: number, ttlMs: number): boolean {
    return this.known(item) && this.clock - this.lastSeen[item]! <= ttlMs;
  }

  /** A positive interaction at `t` (the item's row must exist). */
  click(item: number, t: number): void {
    if (t > this.clock) this.clock = t;
    if (t > this.lastSeen[item]!) this.lastSeen[item] = t;
    this.recent[this.recentCount++ % RECENT_CLICKS] = item;
  }

  /** One of the latest clicks, drawn with `random()` in [0, 1), or undefined before any. */
  sampleRecent(random: () => number): number | undefined {
    if (this.recentCount === 0) return undefined;
    return this.recent[Math.floor(random() * Math.min(this.recentCount, RECENT_CLICKS))];
  }

  /** Starts over from a training set: the items of its sessions and its latest clicks. */
  fromTraining(data: InteractionDataset, sequences: SessionSequences): void {
    const { clicks } = sequences;
    const latest = sequences.latest(RECENT_CLICKS);
    this.lastSeen = new Float64Array(Math.max(1, data.catalog.size));
    this.clock = 0;
    for (let r = 0; r < data.length; r++) {
      const item = data.item[r]!;
      if (data.weight[r]! <= 0 || clicks[item] === 0) continue;
      const t = data.timestamp[r]!;
      if (t > this.lastSeen[item]!) this.lastSeen[item] = t;
      if (t > this.clock) this.clock = t;
    }
    this.recent.set(latest);
    this.recentCount = latest.length;
  }

  /** The artifact arrays of the first `n` items. */
  arrays(n: number): { lastSeen: Float64Array; recent: Int32Array } {
    return { lastSeen: this.lastSeen.slice(0, n), recent: this.recent.slice(0, Math.min(this.recentCount, RECENT_CLICKS)) };
  }

  /** Restores saved arrays, `map[i]` the catalogue index of saved item i, into `capacity` rows. */
  restore(arrays: { lastSeen: Float64Array; recent: Int32Array }, map: ArrayLike<number>, clock: number, capacity: number): void {
    this.lastSeen = new Float64Array(capacity);
    for (let i = 0; i < map.length; i++) this.lastSeen[map[i]!] = arrays.lastSeen[i]!;
    for (let i = 0; i < arrays.recent.length; i++) this.recent[i] = map[arrays.recent[i]!]!;
    this.recentCount = arrays.recent.length;
    this.clock = clock;
  }

  /** The `k` best live items (clicked within `ttlMs`) by `score`, among those `filter` accepts. */
  best(heap: TopK, k: number, ttlMs: number, filter: ((item: number) => boolean) | undefined, score: (item: number) => number): ScoredItems {
    heap.reset(k);
    for (let item = 0; item < this.lastSeen.length; item++) {
      if (!this.live(item, ttlMs)) continue;
      const s = score(item);
      if (s >= heap.threshold && (!filter || filter(item))) heap.push(item, s);
    }
    return heap.drain();
  }

  /** The mean of `bias` over the items ever clicked (a new article's starting bias). */
  meanOver(bias: Float32Array): number {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < this.lastSeen.length && i < bias.length; i++) {
      if (this.lastSeen[i]! > 0) {
        sum += bias[i]!;
        count++;
      }
    }
    return count > 0 ? sum / count : 0;
  }
}

/**
 * What a session model reports of its open sessions, and how it forgets or exports a user's: the
 * open sessions are all that name a user (their hidden states are held by them).
 */
export function openSessionMethods(sessions: SessionTracker, items: () => number, catalog: () => ItemCatalog | undefined) {
  return {
    stateStats: () => ({ openSessions: sessions.size, openSessionsLimit: sessions.maxOpen, openSessionsEvicted: sessions.evicted, items: items() }),
    forgetUser: (userId: string) => sessions.forgetOwner(userId),
    userData: (userId: string) => openSessionsData(sessions, userId, catalog()),
  };
}
