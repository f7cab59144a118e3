import type { CacheFamily, CacheKey, RecommendationCache } from '@mycontent/core';

/** Name of the memory cache adapter. */
export const MEMORY_CACHE_NAME = 'memory-cache';

/** Options of {@link createMemoryCache}. */
export interface MemoryCacheOptions {
  /** Entries kept at most; the oldest written are evicted first. @default 100_000 */
  maxEntries?: number;
  /** Clock (ms), for tests. @default Date.now */
  now?: () => number;
}

interface Entry {
  json: string;
  expiresAt: number;
}

/**
 * An in-process cache with TTLs and O(1) per-user invalidation: each user has a version number
 * that is part of their keys, so invalidating bumps the version and the old entries become
 * unreachable (they are evicted by TTL or size). Values are stored as JSON, so reads return
 * copies, exactly like a networked cache.
 *
 * @example
 * ```ts
 * import { createMemoryCache } from '@mycontent/adapters/memory';
 * const cache = createMemoryCache({ maxEntries: 50_000 });
 * ```
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): RecommendationCache {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const userVersion = new Map<string, number>();
  const familyVersion = new Map<string, number>();
  const keyOf = (key: CacheKey): string =>
    key.userId === undefined
      ? `${key.family}#${familyVersion.get(key.family) ?? 0}|${key.id}`
      : `${key.family}|u${key.userId.length}:${key.userId}#${userVersion.get(key.userId) ?? 0}|${key.id}`;

  return {
    name: MEMORY_CACHE_NAME,
    capabilities: { shared: false, constantTimeUserInvalidation: true },
    async get<T>(key: CacheKey) {
      const k = keyOf(key);
      const entry = entries.get(k);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(k);
        return undefined;
      }
      return JSON.parse(entry.json) as T;
    },
    async set<T>(key: CacheKey, value: T, ttlMs: number) {
      if (!(ttlMs > 0)) return;
      const k = keyOf(key);
      entries.delete(k);
      entries.set(k, { json: JSON.stringify(value), expiresAt: now() + ttlMs });
      if (entries.size > maxEntries) {
        // The oldest written entry goes first (Map keeps insertion order).
        entries.delete(entries.keys().next().value!);
      }
    },
    async delete(key: CacheKey) {
      entries.delete(keyOf(key));
    },
    async invalidateUser(userId: string) {
      userVersion.set(userId, (userVersion.get(userId) ?? 0) + 1);
    },
    async invalidateFamily(family: CacheFamily) {
      familyVersion.set(family, (familyVersion.get(family) ?? 0) + 1);
    },
    async clear() {
      entries.clear();
    },
  };
}
