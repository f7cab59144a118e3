import { MyContentError, type LeaseStore } from '@mycontent/core';
import { redisContext, type RedisAdapterOptions } from './client';

/** Name of the Redis lease store. */
export const REDIS_LEASE_STORE_NAME = 'redis-lease-store';

/** Options of {@link createRedisLeaseStore}. */
export type RedisLeaseStoreOptions = RedisAdapterOptions;

/** Takes or renews each lease (KEYS) for ARGV[1] for ARGV[2] ms when free or already its own. */
const ACQUIRE = `
local taken = {}
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if not holder or holder == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    taken[i] = 1
  else
    taken[i] = 0
  end
end
return taken`;

/** Deletes each lease (KEYS) that ARGV[1] holds. */
const RELEASE = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0`;

/**
 * Marks ARGV[1] alive until server time + ARGV[2] ms in the members set (KEYS[1]), drops the
 * lapsed members, and returns the live ones. The set itself goes when no member renews it.
 */
const HEARTBEAT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 10)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/**
 * Leases and group members on Redis (ioredis `Redis` or `Cluster`): a lease is a key holding its
 * owner with an expiry (`SET … PX`), taken, renewed and released by Lua scripts that check the
 * owner first, so a lapsed owner can never release or renew what another took; the members of a
 * group are a sorted set scored by their expiry on the server's clock. Every key of a group
 * shares one hash tag, `<prefix>{lease:<group>}`, so a group's operations are single scripts on a
 * cluster too.
 *
 * @example
 * ```ts
 * const leases = createRedisLeaseStore({ client: new Redis(process.env.REDIS_URL) });
 * const owner = createPartitionOwner({ leases, group: 'interactions/workers', partitions: 16, onAssigned, onRevoked });
 * ```
 */
export function createRedisLeaseStore(options: RedisLeaseStoreOptions): LeaseStore {
  const redis = redisContext(options, 'redis');
  const acquire = redis.script(ACQUIRE);
  const release = redis.script(RELEASE);
  const heartbeat = redis.script(HEARTBEAT);
  const tag = (group: string) => {
    if (group === '' || /[{}]/.test(group)) {
      throw new MyContentError('INVALID_INPUT', `group must be non-empty without "{" or "}", got ${JSON.stringify(group)}`, { source: 'redis', field: 'group', value: group });
    }
    return `${redis.prefix}{lease:${group}}`;
  };
  const keyOf = (group: string, resource: string) => `${tag(group)}:r:${resource}`;
  return {
    name: REDIS_LEASE_STORE_NAME,
    async acquire(group, resources, owner, ttlMs) {
      if (resources.length === 0) return [];
      const taken = (await redis.call('redis-lease-store.acquire', () => acquire.run(resources.map((r) => keyOf(group, r)), [owner, Math.max(1, Math.round(ttlMs))]))) as number[];
      return taken.map((t) => t === 1);
    },
    async release(group, resources, owner) {
      if (resources.length === 0) return;
      await redis.call('redis-lease-store.release', () => release.run(resources.map((r) => keyOf(group, r)), [owner]));
    },
    async holders(group, resources) {
      if (resources.length === 0) return [];
      // One slot for the whole group: a single MGET, on a cluster too.
      const values = await redis.call('redis-lease-store.holders', () => redis.client.mget(...resources.map((r) => keyOf(group, r))));
      return values.map((v) => v ?? undefined);
    },
    async heartbeat(group, member, ttlMs) {
      const live = (await redis.call('redis-lease-store.heartbeat', () => heartbeat.run([`${tag(group)}:members`], [member, Math.max(1, Math.round(ttlMs))]))) as string[];
      return [...live].sort();
    },
    async leave(group, member) {
      await redis.call('redis-lease-store.leave', () => redis.client.zrem(`${tag(group)}:members`, member));
    },
  };
}
