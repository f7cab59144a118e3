import {
  MyContentError,
  NO_ITEMS,
  assertArtifactKind,
  bindItemIds,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type ObservedInteraction,
  type InMemoryModel,
  type ScoredItems,
  type TrendingQuery,
  type FitContext,
} from '@mycontent/core';
import { yieldToEventLoop } from '@mycontent/core/internal';
import { throwIfAborted } from '../shared/abort';

/** Options of {@link createPopularityModel}. */
export interface PopularityOptions {
  /**
   * Half-life of an interaction's weight, ms: trending news fades within hours. `Infinity` gives
   * all-time popularity. @default 6 hours
   */
  halfLifeMs?: number;
  /** Minimum time between two re-rankings when interactions keep arriving, ms (wall clock). @default 1000 */
  rerankIntervalMs?: number;
}

const KIND = 'popularity';
const FORMAT_VERSION = 1;

/** The popularity model returned by {@link createPopularityModel}. */
export interface PopularityModel extends InMemoryModel {
  /** The data clock: the latest interaction time seen (epoch ms). */
  readonly clock: number;
  /** Decayed score of an item at the data clock (0 for unknown items). */
  scoreOf(item: number): number;
}

/**
 * Time-decayed popularity: each positive interaction adds its signal weight, halved every
 * `halfLifeMs`, so the ranking is "trending now" rather than "most clicked ever". It is the
 * baseline every evaluation reports, the engine's cold-start answer, and it learns online: each
 * observed interaction updates the counts in O(1) (the ranking is refreshed at most once per
 * `rerankIntervalMs`). Scores are kept relative to an anchor time so no per-item decay pass is
 * ever needed. The data clock (latest interaction seen) is the "now" of offline datasets.
 *
 * @example
 * ```ts
 * const popular = createPopularityModel({ halfLifeMs: 3 * 3_600_000 });
 * await popular.fit(dataset);
 * popular.trending!({ k: 10 });
 * ```
 */
export function createPopularityModel(options: PopularityOptions = {}): PopularityModel {
  const halfLifeMs = options.halfLifeMs ?? 6 * 3_600_000;
  const rerankIntervalMs = options.rerankIntervalMs ?? 1000;
  if (!(halfLifeMs > 0)) {
    throw new MyContentError('INVALID_CONFIG', `halfLifeMs must be positive (or Infinity), got ${halfLifeMs}`, {
      source: KIND,
      field: 'halfLifeMs',
      value: halfLifeMs,
    });
  }
  const decays = Number.isFinite(halfLifeMs);
  let catalog: ItemCatalog | undefined;
  let scores = new Float64Array(0); // relative to `anchor`
  let anchor = 0;
  let clock = 0;
  let trained = false;
  // Ranking caches: item order by score, globally and per category code.
  let order: Int32Array | undefined;
  const categoryOrder = new Map<number, Int32Array>();
  let dirty = false;
  let rankedAt = 0;
  // Items whose score rose since the order was computed: queries merge them in, so that an
  // interaction counts at once even between two re-rankings.
  const risen = new Set<number>();

  const factor = (t: number) => (decays ? Math.pow(2, (t - anchor) / halfLifeMs) : 1);

  function ensureSize(n: number) {
    if (n <= scores.length) return;
    const next = new Float64Array(Math.max(n, scores.length * 2, 1024));
    next.set(scores);
    scores = next;
  }

  function reanchor(to: number) {
    if (!decays) return;
    // A stream that jumps far ahead (a replayed log, then live events) would decay every old
    // score to zero and lose their order: old scores shrink at most to ~1e-290, far below any
    // new event's, still ranked among themselves.
    let max = 0;
    for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
    const f = Math.max(Math.pow(2, (anchor - to) / halfLifeMs), max > 0 ? 1e-290 / max : 0);
    for (let i = 0; i < scores.length; i++) scores[i]! *= f;
    anchor = to;
  }

  function add(item: number, weight: number, t: number) {
    if (!(weight > 0)) return;
    ensureSize(item + 1);
    if (decays && (t - anchor) / halfLifeMs > 60) reanchor(t);
    scores[item]! += weight * factor(t);
    if (order) risen.add(item);
    if (t > clock) clock = t;
  }

  function rank(): void {
    const now = Date.now();
    if (order && (!dirty || (now - rankedAt < rerankIntervalMs && risen.size <= 10_000))) return;
    let count = 0;
    for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) count++;
    const ids = new Int32Array(count);
    count = 0;
    for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) ids[count++] = i;
    ids.sort((a, b) => scores[b]! - scores[a]! || a - b);
    order = ids;
    categoryOrder.clear();
    risen.clear();
    dirty = false;
    rankedAt = now;
  }

  function orderFor(category: number | undefined): Int32Array {
    rank();
    if (category === undefined || !catalog) return order!;
    let list = categoryOrder.get(category);
    if (!list) {
      const codes = catalog.category;
      list = order!.filter((i) => codes[i] === category);
      categoryOrder.set(category, list);
    }
    return list;
  }

  function top(category: number | undefined, k: number, filter: ((item: number) => boolean) | undefined, now: number | undefined): ScoredItems {
    if (!trained) throw new MyContentError('NOT_TRAINED', 'the popularity model is not trained', { source: KIND });
    if (k < 1) return NO_ITEMS;
    const list = orderFor(category);
    // The list is sorted: the first k that pass, and did not rise since, are the best k of those
    // (every score decays alike); the items that rose are merged in by their current score. The
    // time scale may underflow to 0 for a request time far from the data's: the order stays right.
    const scale = decays ? Math.pow(2, (anchor - (now ?? clock)) / halfLifeMs) : 1;
    const picked: number[] = [];
    for (let r = 0; r < list.length && picked.length < k; r++) {
      const i = list[r]!;
      if (risen.has(i) || (filter && !filter(i))) continue;
      picked.push(i);
    }
    if (risen.size > 0) {
      const codes = catalog?.category;
      for (const i of risen) if ((category === undefined || codes?.[i] === category) && (!filter || filter(i))) picked.push(i);
      picked.sort((a, b) => scores[b]! - scores[a]! || a - b);
      if (picked.length > k) picked.length = k;
    }
    return { items: Int32Array.from(picked), scores: Float32Array.from(picked, (i) => scores[i]! * scale) };
  }

  const model: PopularityModel = {
    kind: KIND,
    untrainedCopy: () => createPopularityModel(options),
    capabilities: { online: true, personalized: false, trending: true, similarItems: false },
    get trained() {
      return trained;
    },
    get clock() {
      return clock;
    },
    scoreOf(item) {
      if (item < 0 || item >= scores.length) return 0;
      return scores[item]! * (decays ? Math.pow(2, (anchor - clock) / halfLifeMs) : 1);
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      throwIfAborted(context.signal, KIND);
      catalog = data.catalog;
      scores = new Float64Array(Math.max(1024, data.catalog.size));
      let latest = 0;
      for (let r = 0; r < data.length; r++) if (data.timestamp[r]! > latest) latest = data.timestamp[r]!;
      anchor = latest;
      clock = 0;
      for (let r = 0; r < data.length; r++) {
        add(data.item[r]!, data.weight[r]!, data.timestamp[r]!);
        if ((r & 0x3ffff) === 0x3ffff) {
          await yieldToEventLoop(); // keep the host's event loop free
          throwIfAborted(context.signal, KIND);
        }
      }
      context.onProgress?.({ phase: 'counting', done: data.length, total: data.length });
      order = undefined;
      dirty = true;
      trained = true;
    },
    recommend(query: ModelQuery) {
      return top(undefined, query.k, query.filter, query.now);
    },
    score(query, items) {
      const scale = decays ? Math.pow(2, (anchor - (query.now ?? clock)) / halfLifeMs) : 1;
      const out = new Float32Array(items.length);
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        out[i] = item >= 0 && item < scores.length ? scores[item]! * scale : 0;
      }
      return out;
    },
    trending(query: TrendingQuery) {
      return top(query.category, query.k, query.filter, query.now);
    },
    observe(event: ObservedInteraction) {
      add(event.item, event.weight, event.timestamp);
      dirty = true;
    },
    toArtifact(): ModelArtifact {
      if (!trained || !catalog) throw new MyContentError('NOT_TRAINED', 'the popularity model is not trained', { source: KIND });
      const n = Math.min(catalog.size, scores.length);
      return {
        kind: KIND,
        formatVersion: FORMAT_VERSION,
        state: { halfLifeMs: decays ? halfLifeMs : null, anchor, clock, itemIds: catalog.idList().slice(0, n) },
        arrays: { scores: scores.slice(0, n) },
      };
    },
    restore(artifact, target) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      const state = artifact.state as { anchor: number; clock: number; itemIds: string[] };
      const saved = artifact.arrays.scores as Float64Array;
      const map = bindItemIds(state.itemIds, target);
      catalog = target;
      scores = new Float64Array(Math.max(1024, target.size));
      for (let i = 0; i < map.length; i++) scores[map[i]!] = saved[i]!;
      anchor = state.anchor;
      clock = state.clock;
      order = undefined;
      dirty = true;
      trained = true;
    },
  };
  return model;
}
