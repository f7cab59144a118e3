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
  /** The user or the family (for shared entries) that owns the entry. */
  owner: string;
}

/**
 * An in-process cache with TTLs. Entries are indexed by owner (their user, or their family for
 * shared entries), so invalidating a user removes exactly that user's entries: nothing of them
 * stays in memory (GDPR erasure relies on it). Values are stored as JSON, so reads return
 * copies, exactly like a networked cache. When full, the oldest written entry is evicted.
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
  const byOwner = new Map<string, Set<string>>();
  // Owners and keys are length-prefixed so that no two (family, user, id) triples collide.
  const ownerOf = (key: CacheKey): string => (key.userId === undefined ? `f:${key.family}` : `u:${key.userId}`);
  const keyOf = (key: CacheKey): string => `${key.family}|${key.userId === undefined ? '-' : `u${key.userId.length}:${key.userId}`}|${key.id}`;

  function remove(k: string): void {
    const entry = entries.get(k);
    if (!entry) return;
    entries.delete(k);
    const keys = byOwner.get(entry.owner)!;
    keys.delete(k);
    if (keys.size === 0) byOwner.delete(entry.owner);
  }

  function removeOwner(owner: string): void {
    const keys = byOwner.get(owner);
    if (!keys) return;
    for (const k of keys) entries.delete(k);
    byOwner.delete(owner);
  }

  return {
    name: MEMORY_CACHE_NAME,
    capabilities: { shared: false, constantTimeUserInvalidation: false },
    async get<T>(key: CacheKey) {
      const k = keyOf(key);
      const entry = entries.get(k);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        remove(k);
        return undefined;
      }
      return JSON.parse(entry.json) as T;
    },
    async set<T>(key: CacheKey, value: T, ttlMs: number) {
      if (!(ttlMs > 0)) return;
      const k = keyOf(key);
      const owner = ownerOf(key);
      remove(k);
      entries.set(k, { json: JSON.stringify(value), expiresAt: now() + ttlMs, owner });
      let keys = byOwner.get(owner);
      if (!keys) byOwner.set(owner, (keys = new Set()));
      keys.add(k);
      // The oldest written entry goes first (Map keeps insertion order).
      if (entries.size > maxEntries) remove(entries.keys().next().value!);
    },
    async delete(key: CacheKey) {
      remove(keyOf(key));
    },
    async invalidateUser(userId: string) {
      removeOwner(`u:${userId}`);
    },
    async invalidateUsers(userIds: readonly string[]) {
      for (const userId of userIds) removeOwner(`u:${userId}`);
    },
    async invalidateFamily(family: CacheFamily) {
      removeOwner(`f:${family}`);
    },
    async clear() {
      entries.clear();
      byOwner.clear();
    },
    async ping() {},
  };
}
