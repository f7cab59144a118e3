import { afterAll, describe, expect, it } from 'vitest';
import { createRedisCache, createRedisEventBus, createRedisItemStats, createRedisLeaseStore } from '@mycontent/adapters/redis';
import { describeCacheConformance, describeEventBusConformance, describeItemStatsConformance, describeLeaseStoreConformance, ODD_IDS } from '@mycontent/adapters/testing';
import { keysWithPrefix, redisCrashedConsumer, redisFixture } from './servers';

const server = await redisFixture('conformance');
afterAll(async () => server.client && (await server.drop()));
const options = () => ({ client: server.client!, prefix: server.prefix! });

describeCacheConformance('redis', () => createRedisCache(options()), { skip: server.skip });
describeLeaseStoreConformance('redis', () => createRedisLeaseStore(options()), { skip: server.skip });
describeItemStatsConformance('redis', () => createRedisItemStats(options()), { skip: server.skip });
describeEventBusConformance('redis streams', () => createRedisEventBus({ ...options(), claimIdleMs: 300, blockMs: 100, retryDelayMs: 20 }), {
  skip: server.skip,
  reclaimAfterMs: 300,
  crashedConsumer: (topic, group, count) => redisCrashedConsumer(server.client!, server.prefix!)(topic, group, count),
});
describeEventBusConformance('redis streams, 4 partitions', () => createRedisEventBus({ ...options(), claimIdleMs: 300, blockMs: 100, retryDelayMs: 20, partitions: 4 }), {
  skip: server.skip,
  reclaimAfterMs: 300,
});

describe.skipIf(server.skip)('redis streams event bus: partition count', () => {
  it('refuses a topic made with another partition count', async () => {
    const topic = `counted-${Date.now()}`;
    await createRedisEventBus({ ...options(), partitions: 4 }).publish(topic, { userId: 'u' });
    await expect(createRedisEventBus({ ...options(), partitions: 2 }).publish(topic, { userId: 'u' })).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'partitions' });
    await expect(createRedisEventBus(options()).subscribe(topic, () => {})).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'partitions' });
  });
});

describe.skipIf(server.skip)('redis streams event bus: what is left in Redis', () => {
  it('removes the consumers that crashed once their messages are claimed, and its own on close', async () => {
    const topic = `consumers-${Date.now()}`;
    const key = `${server.prefix!}{s:${topic}}`;
    const bus = createRedisEventBus({ ...options(), claimIdleMs: 300, blockMs: 100, retryDelayMs: 20, consumer: 'live' });
    await bus.publishBatch(topic, Array.from({ length: 6 }, (_, n) => ({ n })));
    const crash = redisCrashedConsumer(server.client!, server.prefix!);
    await crash(topic, 'workers', 3, 'killed-1');
    await crash(topic, 'workers', 3, 'killed-2');
    const got: { n: number; deliveries: number }[] = [];
    const subscription = await bus.subscribeBatch<{ n: number }>(topic, (messages) => {
      got.push(...messages.map((m) => ({ n: m.payload.n, deliveries: m.deliveries })));
    }, { group: 'workers', batchSize: 10 });
    const consumers = async () => ((await server.client!.xinfo('CONSUMERS', key, 'workers')) as unknown[][]).map((c) => String(c[1])).sort();
    const deadline = Date.now() + 15_000;
    while ((got.length < 6 || (await consumers()).length > 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(got.map((m) => m.n).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(got.every((m) => m.deliveries === 2)).toBe(true);
    expect(await consumers()).toEqual(['live']);
    await subscription.close();
    expect(await consumers()).toEqual([]);
    await bus.close();
  });
});

describe.skipIf(server.skip)('redis cache: what is left in Redis', () => {
  it('keeps one user on one hash-tagged key, and unlinks it on invalidation', async () => {
    const cache = createRedisCache({ client: server.client!, prefix: `${server.prefix}keys:` });
    for (const id of ODD_IDS) {
      await cache.set({ family: 'reco', id: 'page-1', userId: id }, { items: [id] }, 60_000);
      await cache.set({ family: 'profile', id: 'profile', userId: id }, { id }, 60_000);
    }
    const keys = await keysWithPrefix(server.client!, `${server.prefix}keys:`);
    expect(keys).toHaveLength(ODD_IDS.length);
    for (const key of keys) expect(key).toMatch(/\{u:/);
    for (const id of ODD_IDS) await cache.invalidateUser(id);
    expect(await keysWithPrefix(server.client!, `${server.prefix}keys:`)).toEqual([]);
  });

  it('expires a user hash with its longest-lived entry', async () => {
    const cache = createRedisCache({ client: server.client!, prefix: `${server.prefix}ttl:` });
    await cache.set({ family: 'reco', id: 'a', userId: 'u' }, 1, 5_000);
    await cache.set({ family: 'profile', id: 'p', userId: 'u' }, 2, 60_000);
    const ttl = await server.client!.pttl(`${server.prefix}ttl:{u:u}:cache`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('spreads shared entries over a fixed number of buckets', async () => {
    const cache = createRedisCache({ client: server.client!, prefix: `${server.prefix}fam:`, familyBuckets: 4 });
    for (let i = 0; i < 200; i++) await cache.set({ family: 'similar', id: `item-${i}` }, [i], 60_000);
    const keys = await keysWithPrefix(server.client!, `${server.prefix}fam:`);
    expect(keys.sort()).toEqual([0, 1, 2, 3].map((b) => `${server.prefix}fam:{f:similar:${b}}:cache`));
    await cache.invalidateFamily('similar');
    expect(await keysWithPrefix(server.client!, `${server.prefix}fam:`)).toEqual([]);
  });
});
