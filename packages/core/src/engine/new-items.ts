import type { ItemStats } from '../domain/schemas';
import { candidateOf, type Candidate } from './candidate';
import type { EngineCore } from './core';
import { itemReach, type ExposurePolicy } from './exposure';

/**
 * Bootstrapping of new items (the `newItems` option): which new items have used up their reach
 * (held back from every source), and which go to a user as `bootstrap:new` because they read one
 * of its most similar items — or, for an item no model can place yet (no embedding, not indexed),
 * because it is in one of their sections. Keeps each new item's neighbours and, for
 * `statsTtlMs`, its statistics.
 */
export interface NewItemBootstrap {
  /** New items at their reach: no list shows them until the reach grows. */
  heldBack(now: number): Promise<number[]>;
  /**
   * Up to `slots` new items within their reach whose neighbours the user read positively, or,
   * for an item without neighbours, whose category is one of the user's `categories` (codes).
   */
  candidates(now: number, positive: ReadonlySet<number>, categories: ReadonlySet<number>, filter: (item: number) => boolean, taken: ReadonlySet<number>): Promise<Candidate[]>;
}

/** The new-item stage of an engine, under `policy`. */
export function createNewItemBootstrap(core: EngineCore, policy: ExposurePolicy): NewItemBootstrap {
  const { catalog, newest, config } = core;
  const models = config.ranker.models;
  const neighbours = new Map<number, Set<number>>();
  const statistics = new Map<number, { stats: ItemStats; at: number }>();

  async function neighboursOf(item: number): Promise<Set<number>> {
    let set = neighbours.get(item);
    if (!set) {
      set = new Set();
      for (const name of config.similarChain) {
        const result = await models[name]!.similar!(item, policy.similar);
        if (result.items.length > 0) {
          set = new Set(result.items);
          break;
        }
      }
      // Only keep a non-empty answer: an item indexed later gets its neighbours then.
      if (set.size > 0) neighbours.set(item, set);
    }
    return set;
  }
  /** Reads the statistics of `items` whose copy is older than `statsTtlMs`. */
  async function refresh(items: readonly number[], now: number): Promise<void> {
    const stale = items.filter((i) => (statistics.get(i)?.at ?? Number.NEGATIVE_INFINITY) < now - policy.statsTtlMs);
    if (stale.length === 0) return;
    const stats = await core.itemStats.getItemStats(stale.map((i) => catalog.idAt(i)));
    stale.forEach((item, k) => statistics.set(item, { stats: stats[k]!, at: now }));
  }
  /** Whether a new item's impressions (`views`) reached its current reach. */
  const atReach = (item: number, now: number) => {
    const entry = statistics.get(item);
    return entry !== undefined && entry.stats.views >= itemReach(entry.stats, now - catalog.createdAt[item]!, policy);
  };
  const young = (now: number) => Array.from(newest.take(500)).filter((i) => catalog.createdAt[i]! >= now - policy.maxAgeMs);

  return {
    async heldBack(now) {
      const fresh = young(now);
      await refresh(fresh, now);
      return fresh.filter((i) => atReach(i, now));
    },
    async candidates(now, positive, categories, filter, taken) {
      const eligible: number[] = [];
      for (const item of young(now)) {
        if (taken.has(item) || !filter(item)) continue;
        const similar = await neighboursOf(item);
        if (similar.size === 0) {
          if (categories.has(catalog.category[item]!)) eligible.push(item);
          continue;
        }
        for (const s of similar) {
          if (positive.has(s)) {
            eligible.push(item);
            break;
          }
        }
      }
      if (eligible.length === 0) return [];
      await refresh(eligible, now);
      return eligible
        .filter((i) => !atReach(i, now))
        .slice(0, policy.slots)
        .map((item) => candidateOf(item, 0, 'bootstrap:new'));
    },
  };
}
