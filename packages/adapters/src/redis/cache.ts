import type { CacheFamily, CacheKey, RecommendationCache } from '@mycontent/core';
import { redisContext, unlinkAll, type RedisAdapterOptions } from './client';

/** Name of the Redis cache adapter. */
export const REDIS_CACHE_NAME = 'redis-cache';

/** Options of {@link createRedisCache}. */
export interface RedisCacheOptions extends RedisAdapterOptions {
  /**
   * Hashes the shared (user-less) entries of one family are spread over; `invalidateFamily`
   * removes exactly this many keys, whatever the number of entries. @default 16
   */
  familyBuckets?: number;
  /** A user hash with more fields than this is swept of expired entries on write. @default 128 */
  sweepAbove?: number;
}

// Entries live in hash fields as "<expiresAt ms>:<json>"; expiry is checked with the server's
// clock (TIME), so every process agrees on it. Each hash key expires with its longest entry.
const GET = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return false end
local sep = string.find(v, ':', 1, true)
local t = redis.call('TIME')
if tonumber(string.sub(v, 1, sep - 1)) <= tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return false
end
return string.sub(v, sep + 1)`;

const SET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', now + ttl) .. ':' .. ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
local limit = tonumber(ARGV[4])
if limit > 0 and redis.call('HLEN', KEYS[1]) > limit then
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    local v = all[i + 1]
    if tonumber(string.sub(v, 1, string.find(v, ':', 1, true) - 1)) <= now then redis.call('HDEL', KEYS[1], all[i]) end
  end
end
return 1`;

/** FNV-1a, to spread a family's entries over its buckets. */
function bucketOf(id: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % buckets;
}

/**
 * The cache on Redis (ioredis `Redis` or `Cluster`).
 *
 * - All of one user's entries live in one hash, `<prefix>{u:<userId>}:cache` (the hash tag
 *   keeps it on one Cluster slot), one field per `family|id`. `invalidateUser` is one `UNLINK`:
 *   O(1), no `KEYS` or `SCAN`, and nothing of the user is left in Redis (GDPR erasure relies on
 *   it).
 * - Shared entries (trending, similar, embedding) are spread over `familyBuckets` hashes per
 *   family; `invalidateFamily` unlinks those few keys.
 * - TTLs are per entry, checked against the Redis server clock; each hash expires with its
 *   longest-lived entry, and expired fields are dropped on read (and swept on write).
 * - Every operation is bounded by `timeoutMs`; a disconnected client fails at once. The engine
 *   counts such failures and answers from the store.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createRedisCache } from '@mycontent/adapters/redis';
 * const client = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 });
 * const cache = createRedisCache({ client, prefix: 'news:' });
 * ```
 */
export function createRedisCache(options: RedisCacheOptions): RecommendationCache {
  const redis = redisContext(options, 'redis');
  const { prefix, client } = redis;
  const buckets = Math.max(1, Math.floor(options.familyBuckets ?? 16));
  const sweepAbove = options.sweepAbove ?? 128;
  const getScript = redis.script(GET);
  const setScript = redis.script(SET);
  const userKey = (userId: string) => `${prefix}{u:${userId}}:cache`;
  const familyKey = (family: string, bucket: number) => `${prefix}{f:${family}:${bucket}}:cache`;
  const locate = (key: CacheKey): [string, string] =>
    key.userId === undefined ? [familyKey(key.family, bucketOf(key.id, buckets)), key.id] : [userKey(key.userId), `${key.family}|${key.id}`];

  return {
    name: REDIS_CACHE_NAME,
    capabilities: { shared: true, constantTimeUserInvalidation: true },
    async get<T>(key: CacheKey) {
      const [hash, field] = locate(key);
      const json = (await redis.call('redis-cache.get', () => getScript.run([hash], [field]))) as string | null;
      return json === null ? undefined : (JSON.parse(json) as T);
    },
    async set<T>(key: CacheKey, value: T, ttlMs: number) {
      if (!(ttlMs > 0)) return;
      const [hash, field] = locate(key);
      const json = JSON.stringify(value);
      await redis.call('redis-cache.set', () =>
        setScript.run([hash], [field, Math.ceil(ttlMs), json, key.userId === undefined ? 0 : sweepAbove]),
      );
    },
    async delete(key: CacheKey) {
      const [hash, field] = locate(key);
      await redis.call('redis-cache.delete', () => client.hdel(hash, field));
    },
    async invalidateUser(userId: string) {
      await redis.call('redis-cache.invalidateUser', () => client.unlink(userKey(userId)));
    },
    async invalidateUsers(userIds: readonly string[]) {
      if (userIds.length === 0) return;
      const keys = userIds.map(userKey);
      await redis.call('redis-cache.invalidateUsers', async () => {
        if ('isCluster' in client && client.isCluster) await unlinkAll(client, keys); // one slot per user
        else for (let i = 0; i < keys.length; i += 1_000) await client.unlink(...keys.slice(i, i + 1_000));
      });
    },
    async invalidateFamily(family: CacheFamily) {
      await redis.call('redis-cache.invalidateFamily', () =>
        unlinkAll(
          client,
          Array.from({ length: buckets }, (_, b) => familyKey(family, b)),
        ),
      );
    },
    async clear() {
      await redis.call('redis-cache.clear', async () => {
        const keys = (await redis.scanPrefix()).filter((k) => k.endsWith(':cache'));
        await unlinkAll(client, keys);
      }, 60_000);
    },
    async ping() {
      await redis.call('redis-cache.ping', () => client.ping());
    },
  };
}
