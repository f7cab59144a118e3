/**
 * The Redis adapters on a real Redis Cluster (three masters started for the test): the same
 * conformance suites as on a standalone server, plus a check that one user's entries stay on one
 * slot and that a family's buckets spread over the masters.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { createRedisCache, createRedisEventBus, createRedisItemStats, createRedisLeaseStore } from '@mycontent/adapters/redis';
import { describeCacheConformance, describeEventBusConformance, describeItemStatsConformance, describeLeaseStoreConformance, ODD_IDS } from '@mycontent/adapters/testing';
import { CI, hasBinary, keysWithPrefix, redisCrashedConsumer, startRedisCluster } from './servers';

const binaries = (await hasBinary('redis-server')) && (await hasBinary('redis-cli'));
if (!binaries && CI) throw new Error('a CI run requires redis-server and redis-cli for the Redis Cluster tests');
const skip = binaries ? undefined : 'no redis-server / redis-cli binaries on PATH';
if (skip) console.warn(`[adapters tests] skipping the Redis Cluster suites: ${skip}`);

const cluster = binaries ? await startRedisCluster() : undefined;
const client = cluster ? new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { maxRetriesPerRequest: 1 } }) : undefined;
client?.on('error', () => {});
afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

describeCacheConformance('redis cluster', () => createRedisCache({ client: client! }), { skip });
describeItemStatsConformance('redis cluster', () => createRedisItemStats({ client: client! }), { skip });
describeEventBusConformance('redis streams on a cluster', () => createRedisEventBus({ client: client!, claimIdleMs: 300, blockMs: 100, retryDelayMs: 20 }), {
  skip,
  reclaimAfterMs: 300,
  crashedConsumer: (topic, group, count) => redisCrashedConsumer(client!)(topic, group, count),
});
describeEventBusConformance('redis streams on a cluster, 4 partitions', () => createRedisEventBus({ client: client!, claimIdleMs: 300, blockMs: 100, retryDelayMs: 20, partitions: 4 }), {
  skip,
  reclaimAfterMs: 300,
});
describeLeaseStoreConformance('redis cluster', () => createRedisLeaseStore({ client: client! }), { skip });

describe.skipIf(skip)('redis cluster: slots', () => {
  it('keeps each user on one slot and spreads family buckets over the masters', async () => {
    const cache = createRedisCache({ client: client!, prefix: 'slots:' });
    for (const id of ODD_IDS) {
      await cache.set({ family: 'reco', id: 'page-1', userId: id }, [id], 60_000);
      await cache.set({ family: 'profile', id: 'profile', userId: id }, { id }, 60_000);
      expect(await cache.get({ family: 'profile', id: 'profile', userId: id })).toEqual({ id });
    }
    for (let i = 0; i < 64; i++) await cache.set({ family: 'similar', id: `item-${i}` }, [i], 60_000);
    const masters = client!.nodes('master');
    const counts = () => Promise.all(masters.map(async (node) => (await keysWithPrefix(node, 'slots:')).length));
    const sizes = await counts();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(ODD_IDS.length + 16); // one key per user, 16 buckets
    expect(sizes.filter((n) => n > 0).length).toBe(3);
    for (const id of ODD_IDS) await cache.invalidateUser(id);
    await cache.invalidateFamily('similar');
    expect((await counts()).reduce((a, b) => a + b, 0)).toBe(0);
  });
});
