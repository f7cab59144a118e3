import { MyContentError } from '../errors/error';
import type { CacheKey, RecommendationCache } from '../ports/cache';
import type { EngineCounters, RecommenderLogger } from './types';

/**
 * The engine's view of its cache, with the documented policy: a failing cache is a miss. Each
 * failure is counted (`cacheErrors`); a warning is logged at most once per interval, with the
 * number of failures since the previous one. Only erasure refuses to degrade.
 */
export interface CacheGuard {
  /** The cache's name. */
  readonly name: string;
  /** The cache's own probe, when it has one (never degraded: a health check wants the truth). */
  readonly ping: (() => Promise<void>) | undefined;
  get<T>(key: CacheKey): Promise<T | undefined>;
  set<T>(key: CacheKey, value: T, ttlMs: number): Promise<void>;
  invalidateUsers(userIds: readonly string[]): Promise<void>;
  /** Drops every cached list of these shared families (trending, similar items). */
  invalidateShared(families: readonly ('trending' | 'similar')[]): Promise<void>;
  /** Removes every entry of the user, or throws `BACKEND`: an erasure must not leave entries behind. */
  erase(userId: string): Promise<void>;
}

/** Options of {@link createCacheGuard}. */
export interface CacheGuardOptions {
  logger: RecommenderLogger;
  /** Minimum time between two warnings, ms. */
  warningIntervalMs: number;
  clock: () => number;
  /** Where hits, misses and errors are counted. */
  counters: EngineCounters;
}

/** Wraps a cache (the no-op cache when none is configured) in the engine's failure policy. */
export function createCacheGuard(cache: RecommendationCache, options: CacheGuardOptions): CacheGuard {
  const { counters, logger } = options;
  let lastWarning = Number.NEGATIVE_INFINITY;
  let errorsAtLastWarning = 0;
  const failed = (operation: string, error: unknown): void => {
    counters.cacheErrors++;
    const now = options.clock();
    if (now - lastWarning < options.warningIntervalMs) return;
    lastWarning = now;
    logger.warn(`[mycontent] [engine] cache "${cache.name}" failed; answering without it`, {
      operation,
      failuresSinceLastWarning: counters.cacheErrors - errorsAtLastWarning,
      error: error instanceof Error ? error.message : String(error),
    });
    errorsAtLastWarning = counters.cacheErrors;
  };
  const guarded = async (operation: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      failed(operation, error);
    }
  };
  return {
    name: cache.name,
    ping: cache.ping ? () => cache.ping!() : undefined,
    async get<T>(key: CacheKey) {
      try {
        const value = await cache.get<T>(key);
        if (value === undefined) counters.cacheMisses++;
        else counters.cacheHits++;
        return value;
      } catch (error) {
        failed('get', error);
        return undefined;
      }
    },
    set: (key, value, ttlMs) => guarded('set', () => cache.set(key, value, ttlMs)),
    async invalidateUsers(userIds) {
      if (userIds.length === 0) return;
      if (cache.invalidateUsers) await guarded('invalidateUsers', () => cache.invalidateUsers!(userIds));
      else await Promise.all(userIds.map((id) => guarded('invalidateUser', () => cache.invalidateUser(id))));
    },
    async invalidateShared(families) {
      await Promise.all(families.map((family) => guarded('invalidateFamily', () => cache.invalidateFamily(family))));
    },
    async erase(userId) {
      try {
        await cache.invalidateUser(userId);
      } catch (error) {
        throw new MyContentError('BACKEND', `user "${userId}" was erased from the store but not from cache "${cache.name}": call deleteUserData again once the cache is back`, {
          source: 'engine',
          field: 'userId',
          value: userId,
          cause: error,
        });
      }
    },
  };
}
