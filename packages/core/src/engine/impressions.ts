import type { ItemStatsStore } from '../ports/store';
import { createFlushLoop } from '../scheduling/flush-loop';
import type { EngineCounters, RecommenderLogger } from './types';

/** How often counted impressions are written to the item statistics, ms. */
export const IMPRESSION_FLUSH_MS = 1_000;

/** The engine's impression counting (the `countImpressions` option). */
export interface ImpressionCounter {
  /** Counts one impression of each item (summed in memory until the next write). */
  count(itemIds: readonly string[]): void;
  /** Writes what was counted; rejects if the store refuses (the counts stay for the next attempt). */
  flush(): Promise<void>;
  /** Items with impressions counted, not yet written. */
  pending(): number;
}

/**
 * Counts every item of a served list as one impression — the `views` statistic new-item reach and
 * click-through read — summed in memory and written as one batch of increments every
 * `IMPRESSION_FLUSH_MS`, off the request path. A failed write keeps its counts for the next one
 * (counted in `impressionErrors`, warned about); the buffer holds one number per item, so it is
 * bounded by the catalogue. A process that crashes loses at most a second of impressions.
 */
export function createImpressionCounter(stats: ItemStatsStore, counters: EngineCounters, logger: RecommenderLogger, warningIntervalMs: number, clock: () => number): ImpressionCounter {
  let counts = new Map<string, number>();
  let lastWarning = Number.NEGATIVE_INFINITY;

  async function write(): Promise<void> {
    while (counts.size > 0) {
      const batch = counts;
      counts = new Map();
      try {
        await stats.incrementItemStats([...batch].map(([itemId, views]) => ({ itemId, views })));
        for (const n of batch.values()) counters.impressionsCounted += n;
      } catch (error) {
        for (const [itemId, n] of batch) counts.set(itemId, (counts.get(itemId) ?? 0) + n);
        counters.impressionErrors++;
        const now = clock();
        if (now - lastWarning >= warningIntervalMs) {
          lastWarning = now;
          logger.warn(`[mycontent] [engine] impressions could not be written to "${stats.name}"; ${counts.size} items' counts kept for the next attempt`, {
            error: error instanceof Error ? error.message : String(error),
          });
        }
        throw error;
      }
    }
  }

  const loop = createFlushLoop(write, () => counts.size > 0, IMPRESSION_FLUSH_MS);
  return {
    count(itemIds) {
      if (itemIds.length === 0) return;
      for (const id of itemIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      loop.schedule();
    },
    flush: loop.drain,
    pending: () => counts.size,
  };
}
