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
  type TrendingQuery,
} from '@mycontent/core';
import { TopK } from '@mycontent/core/internal';
import { growArray } from '@mycontent/core/internal';
import { checkOption } from '../shared/options';
import { throwIfAborted } from '../shared/abort';

/** Options of {@link createRecentPopularityModel}. */
export interface RecentPopularityOptions {
  /** The sliding window: only interactions of the last `windowMs` (data time) count. @default 1 hour */
  windowMs?: number;
  /**
   * How an interaction's weight changes inside the window: `flat` counts it fully until it
   * leaves; `linear` fades it from 1 (now) to 0 (leaving the window), so momentum shows sooner.
   * @default 'linear'
   */
  shape?: 'flat' | 'linear';
}

/** The model returned by {@link createRecentPopularityModel}. */
export interface RecentPopularityModel extends InMemoryModel {
  /** The data clock: the latest interaction time seen (epoch ms). */
  readonly clock: number;
  /** Interactions inside the window. */
  readonly windowSize: number;
  /** Items with at least one interaction inside the window. */
  readonly activeItems: number;
  /** An item's score at the data clock (0 when it has no interaction in the window). */
  scoreOf(item: number): number;
  /** The most read items of the window at the data clock, best first (optionally in one category). */
  trending(query: TrendingQuery): ScoredItems;
}

const KIND = 'recent-popularity';
const FORMAT_VERSION = 1;

/**
 * "Most read in the last hour": popularity over a sliding window of data time, globally and per
 * category (`trending`). For news this simple baseline is hard to beat, because what is read
 * now is what was published in the last hours. Each interaction is O(1) to add and to expire;
 * a query scans only the items active in the window. Memory is bounded by the window: the
 * interactions inside it and one entry per active item. Time only moves forward: the window
 * ends at the latest interaction seen (or the query's later `now`).
 *
 * @example
 * ```ts
 * const recent = createRecentPopularityModel({ windowMs: 60 * 60_000 });
 * await recent.fit(dataset);
 * recent.trending!({ k: 10, category: catalog.categoryCode('sport') });
 * ```
 */
export function createRecentPopularityModel(options: RecentPopularityOptions = {}): RecentPopularityModel {
  const windowMs = options.windowMs ?? 3_600_000;
  const shape = options.shape ?? 'linear';
  checkOption(KIND, windowMs > 0 && Number.isFinite(windowMs), 'windowMs', windowMs, 'must be a positive, finite number of ms');
  checkOption(KIND, shape === 'flat' || shape === 'linear', 'shape', shape, "must be 'flat' or 'linear'");
  let catalog: ItemCatalog | undefined;
  let trained = false;
  // Interactions inside the window, a FIFO ring in arrival order.
  let evItem = new Int32Array(1024);
  let evTime = new Float64Array(1024);
  let evWeight = new Float32Array(1024);
  let head = 0; // first live entry (absolute position)
  let tail = 0; // one past the last (absolute position)
  // Per item: Σw and Σw·(t − anchor) over the window; entries in the window; place in `active`.
  let sum = new Float64Array(0);
  let sumTime = new Float64Array(0);
  let live = new Int32Array(0);
  let activeAt = new Int32Array(0);
  let active = new Int32Array(1024);
  let activeCount = 0;
  let anchor = 0;
  let clock = 0;
  const heap = new TopK(16);

  function reset(): void {
    evItem = new Int32Array(1024);
    evTime = new Float64Array(1024);
    evWeight = new Float32Array(1024);
    head = tail = 0;
    const n = Math.max(1024, catalog?.size ?? 0);
    sum = new Float64Array(n);
    sumTime = new Float64Array(n);
    live = new Int32Array(n);
    activeAt = new Int32Array(n).fill(-1);
    activeCount = 0;
    clock = 0;
  }

  function ensureItem(item: number): void {
    if (item < sum.length) return;
    const from = sum.length;
    sum = growArray(sum, item + 1, 0, 1024);
    sumTime = growArray(sumTime, item + 1, 0, 1024);
    live = growArray(live, item + 1, 0, 1024);
    activeAt = growArray(activeAt, item + 1, 0, 1024);
    activeAt.fill(-1, from);
  }

  function push(item: number, t: number, weight: number): void {
    const capacity = evItem.length;
    if (tail - head === capacity) {
      // Full: unroll the ring into arrays twice as large.
      const items = new Int32Array(capacity * 2);
      const times = new Float64Array(capacity * 2);
      const weights = new Float32Array(capacity * 2);
      for (let k = head; k < tail; k++) {
        items[k - head] = evItem[k % capacity]!;
        times[k - head] = evTime[k % capacity]!;
        weights[k - head] = evWeight[k % capacity]!;
      }
      evItem = items;
      evTime = times;
      evWeight = weights;
      tail -= head;
      head = 0;
    }
    const slot = tail % evItem.length;
    evItem[slot] = item;
    evTime[slot] = t;
    evWeight[slot] = weight;
    tail++;
    ensureItem(item);
    if (tail - head === 1 && activeCount === 0) anchor = t; // keeps Σw·(t − anchor) small
    sum[item]! += weight;
    sumTime[item]! += weight * (t - anchor);
    if (live[item]!++ === 0) {
      if (activeCount === active.length) active = growArray(active, activeCount + 1, 0, 1024);
      activeAt[item] = activeCount;
      active[activeCount++] = item;
    }
  }

  /** Removes interactions at or before `now − windowMs`. */
  function expire(now: number): void {
    const cutoff = now - windowMs;
    const capacity = evItem.length;
    while (head < tail && evTime[head % capacity]! <= cutoff) {
      const slot = head % capacity;
      const item = evItem[slot]!;
      sum[item]! -= evWeight[slot]!;
      sumTime[item]! -= evWeight[slot]! * (evTime[slot]! - anchor);
      head++;
      if (--live[item]! === 0) {
        sum[item] = 0;
        sumTime[item] = 0;
        const at = activeAt[item]!;
        const last = active[--activeCount]!;
        active[at] = last;
        activeAt[last] = at;
        activeAt[item] = -1;
      }
    }
  }

  function scoreAt(item: number, now: number): number {
    if (item < 0 || item >= live.length || live[item] === 0) return 0;
    if (shape === 'flat') return sum[item]!;
    // Σ w·(1 − (now − t)/W) = Σw·(1 − (now − anchor)/W) + Σw·(t − anchor)/W
    return Math.max(0, sum[item]! * (1 - (now - anchor) / windowMs) + sumTime[item]! / windowMs);
  }

  function top(k: number, category: number | undefined, filter: ((item: number) => boolean) | undefined, at: number | undefined): ScoredItems {
    if (!trained) throw new MyContentError('NOT_TRAINED', 'the recent-popularity model is not trained', { source: KIND });
    if (k < 1) return NO_ITEMS;
    const now = Math.max(clock, at ?? clock);
    expire(now);
    const codes = catalog?.category;
    heap.reset(k);
    for (let a = 0; a < activeCount; a++) {
      const item = active[a]!;
      if (category !== undefined && (!codes || codes[item] !== category)) continue;
      const score = scoreAt(item, now);
      if (score > 0 && score >= heap.threshold && (!filter || filter(item))) heap.push(item, score);
    }
    return heap.drain();
  }

  function observe(event: ObservedInteraction): void {
    if (!(event.weight > 0) || event.item < 0) return;
    if (event.timestamp <= clock - windowMs) return; // already outside the window
    push(event.item, event.timestamp, event.weight);
    if (event.timestamp > clock) {
      clock = event.timestamp;
      expire(clock);
    }
  }

  const model: RecentPopularityModel = {
    kind: KIND,
    untrainedCopy: () => createRecentPopularityModel(options),
    capabilities: { online: true, personalized: false, trending: true, similarItems: false },
    get trained() {
      return trained;
    },
    get clock() {
      return clock;
    },
    get windowSize() {
      return tail - head;
    },
    get activeItems() {
      return activeCount;
    },
    scoreOf(item) {
      return scoreAt(item, clock);
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      throwIfAborted(context.signal, KIND);
      catalog = data.catalog;
      reset();
      let latest = 0;
      for (let r = 0; r < data.length; r++) if (data.timestamp[r]! > latest) latest = data.timestamp[r]!;
      const rows: number[] = [];
      for (let r = 0; r < data.length; r++) if (data.weight[r]! > 0 && data.timestamp[r]! > latest - windowMs) rows.push(r);
      rows.sort((a, b) => data.timestamp[a]! - data.timestamp[b]! || a - b);
      for (const r of rows) observe({ userId: '', item: data.item[r]!, weight: data.weight[r]!, timestamp: data.timestamp[r]! });
      clock = Math.max(clock, latest);
      expire(clock);
      context.onProgress?.({ phase: 'window', done: data.length, total: data.length });
      trained = true;
    },
    observe(event) {
      if (trained) observe(event);
    },
    recommend(query: ModelQuery) {
      return top(query.k, undefined, query.filter, query.now);
    },
    trending(query: TrendingQuery) {
      return top(query.k, query.category, query.filter, query.now);
    },
    score(query, items) {
      const now = Math.max(clock, query.now ?? clock);
      const out = new Float32Array(items.length);
      for (let i = 0; i < items.length; i++) out[i] = scoreAt(items[i]!, now);
      return out;
    },
    toArtifact(): ModelArtifact {
      if (!trained || !catalog) throw new MyContentError('NOT_TRAINED', 'the recent-popularity model is not trained', { source: KIND });
      const n = tail - head;
      const items = new Int32Array(n);
      const times = new Float64Array(n);
      const weights = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const slot = (head + k) % evItem.length;
        items[k] = evItem[slot]!;
        times[k] = evTime[slot]!;
        weights[k] = evWeight[slot]!;
      }
      return { kind: KIND, formatVersion: FORMAT_VERSION, state: { windowMs, shape, clock, itemIds: catalog.idList().slice() }, arrays: { items, times, weights } };
    },
    restore(artifact: ModelArtifact, target: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { clock: number; itemIds: string[] };
      const map = bindItemIds(state.itemIds, target);
      catalog = target;
      reset();
      const items = artifact.arrays.items as Int32Array;
      const times = artifact.arrays.times as Float64Array;
      const weights = artifact.arrays.weights as Float32Array;
      for (let k = 0; k < items.length; k++) push(map[items[k]!]!, times[k]!, weights[k]!);
      clock = state.clock;
      trained = true;
    },
  };
  return model;
}
