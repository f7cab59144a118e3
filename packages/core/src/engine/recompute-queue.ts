import type { Recommender } from './types';

/**
 * When the event processor recomputes (and caches) a user's recommendations after their events.
 *
 * Recomputation is cache warming, never part of applying an event. Under overload — users queued
 * faster than `concurrency` recomputations finish — the queue fills up to `maxQueued`, and every
 * further user is skipped (counted in `recomputeSkipped`) until it drains: a skipped user's list is
 * computed on demand by their next `recommend()`, as without a processor. No event waits for it
 * and none is lost. `recomputeQueue` in the processor's stats is the queue's depth.
 */
export interface RecomputePolicy {
  /** Recompute each time the user's interaction count crosses a multiple of this. @default 20 */
  everyEvents?: number;
  /** Recompute after each of a new user's first events (cold start), up to this count. @default 3 */
  coldUserEvents?: number;
  /** Length of the recomputed list. @default 10 */
  n?: number;
  /**
   * Recomputations run in the background, after the events are applied and acknowledged, this
   * many at a time, so that they take little from the stream. @default 1
   */
  concurrency?: number;
  /** Users waiting for a recomputation at most; beyond, they are skipped (counted). @default 10_000 */
  maxQueued?: number;
}

/** The counters a recompute queue keeps. */
interface RecomputeCounters {
  recomputeQueue: number;
  recomputed: number;
  recomputeSkipped: number;
  recomputeErrors: number;
  lastError?: string;
}

/** The background recomputation of the event processor. */
export interface RecomputeQueue {
  /** Queues users (once each); beyond `maxQueued`, they are skipped and counted. */
  add(userIds: readonly string[]): void;
  /** Drops what waits (cache warming only) and waits for the running ones. */
  stop(): Promise<void>;
}

/**
 * A de-duplicated queue of users whose recommendations are recomputed into the cache, drained
 * `concurrency` at a time, after their events are applied: the stream never waits for it.
 */
export function createRecomputeQueue(recommender: Recommender, policy: Required<RecomputePolicy> | undefined, counters: RecomputeCounters): RecomputeQueue {
  const queued = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  function drain(): void {
    while (policy && inFlight.size < policy.concurrency && queued.size > 0) {
      const userId = queued.values().next().value!;
      queued.delete(userId);
      counters.recomputeQueue = queued.size;
      const task: Promise<void> = recommender
        .recommend({ userId, n: policy.n })
        .then(
          () => void counters.recomputed++,
          (error: unknown) => {
            counters.recomputeErrors++; // e.g. models not trained yet: the events are applied anyway
            counters.lastError = error instanceof Error ? error.message : String(error);
          },
        )
        .finally(() => {
          inFlight.delete(task);
          drain();
        });
      inFlight.add(task);
    }
  }
  return {
    add(userIds) {
      if (!policy) return;
      for (const userId of userIds) {
        if (queued.has(userId)) continue;
        if (queued.size >= policy.maxQueued) counters.recomputeSkipped++;
        else queued.add(userId);
      }
      counters.recomputeQueue = queued.size;
      drain();
    },
    async stop() {
      queued.clear();
      counters.recomputeQueue = 0;
      await Promise.all([...inFlight]);
    },
  };
}
