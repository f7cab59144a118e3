/**
 * Redis going away mid-run: a throwaway redis-server on a free port, killed and restarted.
 * recommend() keeps answering from the store, failures are counted and logged once per
 * interval, and caching resumes when Redis is back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { createRecommender } from '@mycontent/core';
import { createPopularityModel } from '@mycontent/algorithms';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createRedisCache } from '@mycontent/adapters/redis';
import { CI, freePort, hasBinary, startRedisServer } from './servers';

const T0 = Date.UTC(2024, 5, 1);
const binary = await hasBinary('redis-server');
if (!binary && CI) throw new Error('a CI run requires the redis-server binary for the fault tests');
if (!binary) console.warn('[adapters tests] skipping the Redis fault tests: no redis-server binary on PATH');

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

const waitFor = async (condition: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!binary)('Redis going away mid-run', () => {
  it('answers from the store, counts and logs the failures once, and resumes caching', async () => {
    const port = await freePort();
    children.push(await startRedisServer(port));
    // What we recommend to hosts: fail fast instead of queueing while disconnected, retry forever.
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 });
    client.on('error', () => {});
    await waitFor(() => client.status === 'ready');
    const warnings: unknown[][] = [];
    const recommender = createRecommender({
      store: createMemoryStore(),
      cache: createRedisCache({ client, timeoutMs: 200 }),
      models: { popular: createPopularityModel({ rerankIntervalMs: 0 }) },
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
      warningIntervalMs: 60_000,
    });
    await recommender.ingestItems(Array.from({ length: 20 }, (_, i) => ({ id: `a${i}`, createdAt: T0 })));
    await recommender.ingestInteractions(Array.from({ length: 40 }, (_, i) => ({ userId: `u${i % 8}`, itemId: `a${i % 20}`, type: 'click' as const, timestamp: T0 + i })));
    await recommender.train();

    const first = await recommender.recommend({ userId: 'u1', n: 5 });
    expect((await recommender.recommend({ userId: 'u1', n: 5 })).cached).toBe(true);

    children[0]!.kill('SIGKILL');
    await waitFor(() => client.status !== 'ready');
    const during = [];
    for (let i = 0; i < 20; i++) during.push(await recommender.recommend({ userId: `u${i % 8}`, n: 5 }));
    expect(during.every((list) => list.items.length === 5 && !list.cached)).toBe(true);
    expect(during[1]!.items.map((r) => r.itemId)).toEqual(first.items.map((r) => r.itemId)); // same user u1, same answer
    const { cacheErrors } = recommender.metrics();
    expect(cacheErrors).toBeGreaterThanOrEqual(20);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]![0])).toContain('cache "redis-cache" failed');

    children.push(await startRedisServer(port));
    await waitFor(() => client.status === 'ready');
    await recommender.recommend({ userId: 'u2', n: 5 });
    const again = await recommender.recommend({ userId: 'u2', n: 5 });
    expect(again.cached).toBe(true);
    expect(recommender.metrics().cacheErrors).toBe(cacheErrors);
    client.disconnect();
  });
});
