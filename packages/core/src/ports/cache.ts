/**
 * The key families the engine caches: `reco` (recommendation lists), `profile`, `trending`,
 * `similar` (similar items).
 */
export type CacheFamily = 'reco' | 'profile' | 'trending' | 'similar';

/**
 * A structured cache key. `userId` ties the entry to a user so that
 * {@link RecommendationCache.invalidateUser} can drop it.
 */
export interface CacheKey {
  family: CacheFamily;
  /** Identifies the entry inside its family (and inside the user, when `userId` is set). */
  id: string;
  /** Owner of the entry, for per-user invalidation. */
  userId?: string;
}

/** What a cache adapter can do beyond the required contract. */
export interface CacheCapabilities {
  /** Shared between processes (Redis) rather than local to one process. */
  shared: boolean;
  /** `invalidateUser` costs O(1) regardless of how many entries the user has. */
  constantTimeUserInvalidation: boolean;
}

/**
 * The cache port. Values are JSON-serialisable; every adapter returns a copy (a value read back
 * can be mutated without affecting the cache). TTLs are in milliseconds.
 *
 * Implementations: `createMemoryCache()` (`@mycontent/adapters/memory`), `createRedisCache()`
 * (`@mycontent/adapters/redis`), `createNoopCache()` (keeps nothing). Every implementation
 * passes `describeCacheConformance` (`@mycontent/adapters/testing`).
 */
export interface RecommendationCache {
  readonly name: string;
  readonly capabilities: CacheCapabilities;
  /** The value, or `undefined` on a miss or after expiry. */
  get<T>(key: CacheKey): Promise<T | undefined>;
  /** Stores a value for `ttlMs` milliseconds. */
  set<T>(key: CacheKey, value: T, ttlMs: number): Promise<void>;
  /** Removes one entry. */
  delete(key: CacheKey): Promise<void>;
  /** Removes every entry whose key has this `userId`. */
  invalidateUser(userId: string): Promise<void>;
  /**
   * {@link RecommendationCache.invalidateUser} for many users in one call (one round trip where
   * the backend allows); the engine uses it for every ingested batch when present.
   */
  invalidateUsers?(userIds: readonly string[]): Promise<void>;
  /** Removes every entry of a family that has no `userId` (e.g. all `trending` lists). */
  invalidateFamily(family: CacheFamily): Promise<void>;
  /** Removes everything this cache holds. */
  clear(): Promise<void>;
  /** Resolves when the backend answers, rejects otherwise (the engine's `health()` asks it). */
  ping?(): Promise<void>;
  dispose?(): Promise<void>;
}

/** Time-to-live per cache family, in milliseconds. */
export interface CacheTtls {
  /** @default 900_000 (15 minutes) */
  reco: number;
  /** @default 3_600_000 (1 hour) */
  profile: number;
  /** @default 300_000 (5 minutes) */
  trending: number;
  /** @default 3_600_000 (1 hour) */
  similar: number;
}

/** The default TTLs: recommendation lists 15 min, profiles 1 h, trending 5 min, similar items 1 h. */
export const DEFAULT_CACHE_TTLS: Readonly<CacheTtls> = Object.freeze({
  reco: 15 * 60_000,
  profile: 60 * 60_000,
  trending: 5 * 60_000,
  similar: 60 * 60_000,
});
