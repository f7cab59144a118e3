/**
 * @mycontent/adapters/redis — the cache, the item counters, the event bus (Redis Streams) and leases on
 * Redis (ioredis `Redis` or `Cluster`), with hash-tagged keys and O(1) per-user invalidation.
 *
 * @packageDocumentation
 * @module @mycontent/adapters/redis
 */
export { createRedisCache, REDIS_CACHE_NAME } from './cache';
export type { RedisCacheOptions } from './cache';
export { createRedisItemStats, REDIS_ITEM_STATS_NAME } from './item-stats';
export type { RedisItemStatsOptions } from './item-stats';
export { createRedisEventBus, REDIS_EVENT_BUS_NAME } from './event-bus';
export type { RedisEventBusOptions } from './event-bus';
export { createRedisLeaseStore, REDIS_LEASE_STORE_NAME } from './lease-store';
export type { RedisLeaseStoreOptions } from './lease-store';
export type { RedisAdapterOptions, RedisClient } from './client';
