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
import { TopK } from '@mycontent/core/internal';
import { DEFAULT_MAX_OPEN_SESSIONS, DEFAULT_SESSION_GAP_MS } from '@mycontent/core';
import { SessionTracker, growArray, sessionKey } from '@mycontent/core/internal';
import { checkOption } from '../shared/options';
import { ScoreAccumulator, querySession, replayDataset, openSessionsData } from './sessions';
import { throwIfAborted } from '../shared/abort';

/** Options of {@link createSequentialRulesModel}. */
export interface SequentialRulesOptions {
  /** A click creates rules from the session's previous `steps` clicks to it. @default 10 */
  steps?: number;
  /**
   * Weight of a rule from the click `d` steps back: `div` 1/d, `linear` 1 − (d − 1)/steps,
   * `same` 1. @default 'div'
   */
  weighting?: 'div' | 'linear' | 'same';
  /** How many of the session's last items a query reads (the last weighs 1, each earlier one `queryDecay` times less). @default 3 */
  queryItems?: number;
  /** @default 0.3 */
  queryDecay?: number;
  /** Rules kept per source item, the strongest (memory bound). @default 500 */
  maxRulesPerItem?: number;
  /**
   * An item not clicked for this long (data time) loses its rules, as source and as target:
   * news articles die within days. @default 7 days
   */
  itemTtlMs?: number;
  /** Inactivity that ends a session without a session id. @default 30 minutes */
  sessionGapMs?: number;
  /**
   * Sessions held open at most (memory bound: a few hundred bytes each); past it, the least
   * recently active is closed early, counted in `stateStats().openSessionsEvicted`. @default 100_000
   */
  maxOpenSessions?: number;
}

/** The model returned by {@link createSequentialRulesModel}. */
export interface SequentialRulesModel extends InMemoryModel {
  /** Source items holding rules. */
  readonly sources: number;
  /** Rules held (source → target pairs). */
  readonly rules: number;
  /** The data clock: the latest interaction time seen (epoch ms). */
  readonly clock: number;
}

const KIND = 'sequential-rules';
const FORMAT_VERSION = 1;

/**
 * Sequential rules (SR, Ludewig & Jannach 2018): each click adds a rule "after A comes B" from
 * each of the session's previous `steps` clicks A to the clicked B, weighted by how far back A
 * is; a session is answered with the strongest rules from its last items. Cheap, strong on news
 * and e-commerce sessions, and fully online: `observe` adds the rules of one click in O(steps),
 * so articles published minutes ago get rules from their first readers. `fit` is the same walk
 * over a dataset in time order. Memory stays bounded: at most `maxRulesPerItem` rules per item,
 * and items idle for `itemTtlMs` lose theirs.
 *
 * @example
 * ```ts
 * const sr = createSequentialRulesModel({ steps: 10 });
 * await sr.fit(dataset);
 * sr.observe({ userId: 'u1', sessionId: 's9', item: 12, weight: 1, timestamp: Date.now() });
 * sr.recommend({ history: new Int32Array(0), session: Int32Array.of(12), k: 10 });
 * ```
 */
export function createSequentialRulesModel(options: SequentialRulesOptions = {}): SequentialRulesModel {
  const config = {
    steps: options.steps ?? 10,
    weighting: options.weighting ?? 'div',
    queryItems: options.queryItems ?? 3,
    queryDecay: options.queryDecay ?? 0.3,
    maxRulesPerItem: options.maxRulesPerItem ?? 500,
    itemTtlMs: options.itemTtlMs ?? 7 * 86_400_000,
    sessionGapMs: options.sessionGapMs ?? DEFAULT_SESSION_GAP_MS,
    maxOpenSessions: options.maxOpenSessions ?? DEFAULT_MAX_OPEN_SESSIONS,
  };
  const check = (ok: boolean, field: string, value: unknown, why: string) => checkOption(KIND, ok, field, value, why);
  check(Number.isInteger(config.steps) && config.steps >= 1, 'steps', config.steps, 'must be a positive integer');
  check(['div', 'linear', 'same'].includes(config.weighting), 'weighting', config.weighting, "must be 'div', 'linear' or 'same'");
  check(Number.isInteger(config.queryItems) && config.queryItems >= 1, 'queryItems', config.queryItems, 'must be a positive integer');
  check(config.queryDecay >= 0 && config.queryDecay <= 1, 'queryDecay', config.queryDecay, 'must be in [0, 1]');
  check(Number.isInteger(config.maxRulesPerItem) && config.maxRulesPerItem >= 1, 'maxRulesPerItem', config.maxRulesPerItem, 'must be a positive integer');
  check(config.itemTtlMs > 0, 'itemTtlMs', config.itemTtlMs, 'must be positive (or Infinity)');
  check(config.sessionGapMs > 0, 'sessionGapMs', config.sessionGapMs, 'must be positive');
  check(Number.isInteger(config.maxOpenSessions) && config.maxOpenSessions >= 1, 'maxOpenSessions', config.maxOpenSessions, 'must be a positive integer');

  const stepWeight = Float32Array.from({ length: config.steps + 1 }, (_, d) =>
    d === 0 ? 0 : config.weighting === 'div' ? 1 / d : config.weighting === 'linear' ? 1 - (d - 1) / config.steps : 1,
  );
  let catalog: ItemCatalog | undefined;
  let trained = false;
  let rules = new Map<number, Map<number, number>>();
  let ruleCount = 0;
  let lastSeen = new Float64Array(0);
  let clock = 0;
  let lastExpiry = 0;
  const sessions = new SessionTracker(config.sessionGapMs, config.steps, config.maxOpenSessions);
  const scores = new ScoreAccumulator();
  const heap = new TopK(16);

  function prune(source: number, targets: Map<number, number>): void {
    const entries = [...targets].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const kept = new Map(entries.slice(0, config.maxRulesPerItem));
    ruleCount -= targets.size - kept.size;
    rules.set(source, kept);
  }

  function addRule(source: number, target: number, weight: number): void {
    let targets = rules.get(source);
    if (!targets) rules.set(source, (targets = new Map()));
    const w = targets.get(target);
    if (w === undefined) {
      targets.set(target, weight);
      ruleCount++;
      if (targets.size > 2 * config.maxRulesPerItem) prune(source, targets);
    } else targets.set(target, w + weight);
  }

  /** Drops the rules of items idle for longer than the TTL (at most once per TTL/8 of data time). */
  function expire(): void {
    if (!Number.isFinite(config.itemTtlMs) || clock - lastExpiry < config.itemTtlMs / 8) return;
    lastExpiry = clock;
    const cutoff = clock - config.itemTtlMs;
    for (const [source, targets] of rules) {
      if (lastSeen[source]! < cutoff) {
        ruleCount -= targets.size;
        rules.delete(source);
        continue;
      }
      for (const target of targets.keys()) {
        if (lastSeen[target]! < cutoff) {
          targets.delete(target);
          ruleCount--;
        }
      }
    }
  }

  function observe(event: ObservedInteraction): void {
    if (!(event.weight > 0) || event.item < 0) return;
    const item = event.item;
    const t = event.timestamp;
    lastSeen = growArray(lastSeen, item + 1, 0, 1024);
    if (t > lastSeen[item]!) lastSeen[item] = t;
    if (t > clock) clock = t;
    const session = sessions.sessionAt(sessionKey(event), t, event.userId);
    const previous = session.items;
    if (previous[previous.length - 1] !== item) {
      for (let d = 1; d <= previous.length; d++) {
        const source = previous[previous.length - d]!;
        if (source !== item) addRule(source, item, stepWeight[d]!);
      }
      sessions.push(session, item, t);
    } else if (t > session.last) session.last = t;
    sessions.sweep(clock);
    expire();
  }

  function notTrained(): never {
    throw new MyContentError('NOT_TRAINED', 'the sequential-rules model is not trained', { source: KIND });
  }

  /** Accumulates the rule scores of the session's last items. */
  function accumulate(query: Pick<ModelQuery, 'session' | 'history'>): void {
    const items = querySession(query, config.queryItems);
    scores.reset(catalog?.size ?? 0);
    let weight = 1;
    for (let p = items.length - 1; p >= 0; p--, weight *= config.queryDecay) {
      const targets = rules.get(items[p]!);
      if (!targets || weight === 0) continue;
      for (const [target, w] of targets) scores.add(target, weight * w);
    }
  }

  const model: SequentialRulesModel = {
    kind: KIND,
    untrainedCopy: () => createSequentialRulesModel(options),
    capabilities: { online: true, personalized: true, sequential: true, trending: false, similarItems: true },
    get trained() {
      return trained;
    },
    get sources() {
      return rules.size;
    },
    get rules() {
      return ruleCount;
    },
    get clock() {
      return clock;
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      throwIfAborted(context.signal, KIND);
      catalog = data.catalog;
      rules = new Map();
      ruleCount = 0;
      lastSeen = new Float64Array(Math.max(1024, data.catalog.size));
      clock = 0;
      lastExpiry = 0;
      sessions.clear();
      await replayDataset(data, observe, {
        source: KIND,
        signal: context.signal,
        onProgress: (done, total) => context.onProgress?.({ phase: 'rules', done, total }),
      });
      trained = true;
    },
    observe(event) {
      if (trained) observe(event);
    },
    recommend(query: ModelQuery): ScoredItems {
      if (!trained) notTrained();
      if (query.k < 1) return NO_ITEMS;
      accumulate(query);
      return scores.top(query.k, query.filter);
    },
    score(query, candidates) {
      if (!trained) notTrained();
      accumulate(query);
      return scores.scoresOf(candidates);
    },
    similar(item, k, filter) {
      if (!trained) notTrained();
      const targets = rules.get(item);
      if (!targets || k < 1) return NO_ITEMS;
      heap.reset(k);
      for (const [target, w] of targets) if (w >= heap.threshold && (!filter || filter(target))) heap.push(target, w);
      return heap.drain();
    },
    stateStats: () => ({
      openSessions: sessions.size,
      openSessionsLimit: sessions.maxOpen,
      openSessionsEvicted: sessions.evicted,
      rules: ruleCount,
    }),
    forgetUser(userId) {
      // Only the open sessions name the user; what they taught the model is anonymous counts.
      sessions.forgetOwner(userId);
    },
    userData: (userId) => openSessionsData(sessions, userId, catalog),
    toArtifact(): ModelArtifact {
      if (!trained || !catalog) notTrained();
      const sources = new Int32Array(rules.size);
      const start = new Int32Array(rules.size + 1);
      const targets = new Int32Array(ruleCount);
      const weights = new Float32Array(ruleCount);
      let s = 0;
      let k = 0;
      for (const [source, map] of rules) {
        sources[s] = source;
        for (const [target, w] of map) {
          targets[k] = target;
          weights[k++] = w;
        }
        start[++s] = k;
      }
      const n = catalog.size;
      return {
        kind: KIND,
        formatVersion: FORMAT_VERSION,
        state: { config, clock, itemIds: catalog.idList().slice(0, n) },
        arrays: { sources, start, targets, weights, lastSeen: growArray(lastSeen, n, 0, 1024).slice(0, n) },
      };
    },
    restore(artifact: ModelArtifact, target: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { clock: number; itemIds: string[] };
      const map = bindItemIds(state.itemIds, target);
      const sources = artifact.arrays.sources as Int32Array;
      const start = artifact.arrays.start as Int32Array;
      const targets = artifact.arrays.targets as Int32Array;
      const savedWeights = artifact.arrays.weights as Float32Array;
      const savedSeen = artifact.arrays.lastSeen as Float64Array;
      rules = new Map();
      ruleCount = 0;
      for (let s = 0; s < sources.length; s++) {
        const out = new Map<number, number>();
        for (let k = start[s]!; k < start[s + 1]!; k++) out.set(map[targets[k]!]!, savedWeights[k]!);
        rules.set(map[sources[s]!]!, out);
        ruleCount += out.size;
      }
      lastSeen = new Float64Array(Math.max(1024, target.size));
      for (let i = 0; i < map.length; i++) lastSeen[map[i]!] = savedSeen[i]!;
      clock = state.clock;
      lastExpiry = clock;
      sessions.clear();
      catalog = target;
      trained = true;
    },
  };
  return model;
}
