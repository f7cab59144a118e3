import { ITEM_STAT_COUNTERS, emptyItemStats, type ItemStats, type ItemStatsDelta, type ItemStatsStore } from '@mycontent/core';
import { redisContext, unlinkAll, type RedisAdapterOptions } from './client';

/** Name of the Redis item-statistics adapter. */
export const REDIS_ITEM_STATS_NAME = 'redis-item-stats';

/** Options of {@link createRedisItemStats}. */
export type RedisItemStatsOptions = RedisAdapterOptions;

const INTEGER_COUNTERS = new Set(['views', 'clicks', 'reads', 'likes', 'dislikes', 'shares', 'ratings']);
const FIELDS = [...ITEM_STAT_COUNTERS, 'lastInteractionAt'] as const;

// One item per key: ARGV holds the 9 counters then lastInteractionAt, repeated for each key.
// Integer counters use HINCRBY, sums HINCRBYFLOAT; lastInteractionAt keeps the maximum.
const INCREMENT = `
local counters = {${ITEM_STAT_COUNTERS.map((c) => `'${c}'`).join(', ')}}
local integer = {${ITEM_STAT_COUNTERS.map((c) => String(INTEGER_COUNTERS.has(c))).join(', ')}}
local n = #counters + 1
for k = 1, #KEYS do
  local base = (k - 1) * n
  for c = 1, #counters do
    local v = ARGV[base + c]
    if v ~= '0' then
      if integer[c] then redis.call('HINCRBY', KEYS[k], counters[c], v)
      else redis.call('HINCRBYFLOAT', KEYS[k], counters[c], v) end
    end
  end
  local last = tonumber(ARGV[base + n])
  if last > tonumber(redis.call('HGET', KEYS[k], 'lastInteractionAt') or '0') then
    redis.call('HSET', KEYS[k], 'lastInteractionAt', ARGV[base + n])
  end
end
return #KEYS`;

/**
 * Item counters (views, clicks, reads, likes, dislikes, shares, ratings, read time) on Redis, one
 * hash per item (`<prefix>{i:<itemId>}:stats`) with atomic increments: give it to the engine as
 * `itemStats` to take counter writes off the database. On a standalone Redis a whole batch is one
 * script (atomic); on a Cluster each item is (its key has its own slot). Counters have no TTL.
 *
 * @example
 * ```ts
 * const recommender = createRecommender({ store, cache, itemStats: createRedisItemStats({ client }), models });
 * ```
 */
export function createRedisItemStats(options: RedisItemStatsOptions): ItemStatsStore {
  const redis = redisContext(options, 'redis');
  const { client, prefix } = redis;
  const increment = redis.script(INCREMENT);
  const keyOf = (itemId: string) => `${prefix}{i:${itemId}}:stats`;
  const args = (d: ItemStatsDelta) => [...ITEM_STAT_COUNTERS.map((c) => String(d[c] ?? 0)), String(d.lastInteractionAt ?? 0)];
  const cluster = 'isCluster' in client && client.isCluster;

  return {
    name: REDIS_ITEM_STATS_NAME,
    async incrementItemStats(deltas: readonly ItemStatsDelta[]) {
      if (deltas.length === 0) return;
      await redis.call('redis-item-stats.increment', async () => {
        if (!cluster) {
          await increment.run(deltas.map((d) => keyOf(d.itemId)), deltas.flatMap(args));
        } else {
          await Promise.all(deltas.map((d) => increment.run([keyOf(d.itemId)], args(d))));
        }
      });
    },
    async getItemStats(ids: readonly string[]) {
      const rows = await redis.call('redis-item-stats.get', () => Promise.all(ids.map((id) => client.hmget(keyOf(id), ...FIELDS))));
      return ids.map((id, i): ItemStats => {
        const stats = emptyItemStats(id);
        const row = rows[i]!;
        ITEM_STAT_COUNTERS.forEach((c, k) => {
          if (row[k] !== null) stats[c] = Number(row[k]);
        });
        if (row[FIELDS.length - 1] !== null) stats.lastInteractionAt = Number(row[FIELDS.length - 1]);
        return stats;
      });
    },
    async clear() {
      await redis.call(
        'redis-item-stats.clear',
        async () => unlinkAll(client, (await redis.scanPrefix()).filter((k) => k.endsWith(':stats'))),
        60_000,
      );
    },
  };
}
