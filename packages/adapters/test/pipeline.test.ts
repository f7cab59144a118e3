/**
 * The real-time pipeline against the real servers: events published on Redis Streams, applied by
 * the event processor to PostgreSQL and Redis. Freshness, idempotency, bad input, Redis restarts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { createEventProcessor, createRecommender, type EventBus, type InteractionInput } from '@mycontent/core';
import { createPopularityModel } from '@mycontent/algorithms';
import { createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisCache, createRedisEventBus } from '@mycontent/adapters/redis';
import { CI, freePort, hasBinary, postgresFixture, redisFixture, startRedisServer } from './servers';

const T0 = Date.UTC(2024, 5, 1);
const pgServer = await postgresFixture('pipeline');
const redisServer = await redisFixture('pipeline');
const skip = pgServer.skip ?? redisServer.skip;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (pgServer.pool) await pgServer.drop();
  if (redisServer.client) await redisServer.drop();
});

const until = async (check: () => boolean | Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

let run = 0;
async function pipeline(client: Redis = redisServer.client!) {
  const n = run++;
  const store = createPostgresStore({ pool: pgServer.pool!, schema: `${pgServer.schema}_${n}` });
  const prefix = `${redisServer.prefix}p${n}:`;
  const cache = createRedisCache({ client, prefix });
  const recommender = createRecommender({ store, cache, models: { popular: createPopularityModel({ rerankIntervalMs: 0 }) } });
  await recommender.ingestItems(Array.from({ length: 20 }, (_, i) => ({ id: `a${i}`, createdAt: T0, category: i % 2 ? 'sport' : 'news' })));
  await recommender.ingestInteractions(Array.from({ length: 40 }, (_, i) => ({ userId: `warm${i % 4}`, itemId: `a${i % 20}`, type: 'click' as const, timestamp: T0 + i })));
  await recommender.train();
  const bus: EventBus = createRedisEventBus({ client, prefix, claimIdleMs: 500, blockMs: 100, retryDelayMs: 20 });
  const processor = createEventProcessor({ recommender, bus, maxDeliveries: 3, recompute: { everyEvents: 5, coldUserEvents: 2 } });
  await processor.start();
  return { store, cache, recommender, bus, processor };
}

describe.skipIf(skip)('event pipeline on Redis Streams + PostgreSQL', () => {
  it('applies an event to profile, statistics and cache, and recomputes a cold user', async () => {
    const { bus, processor, recommender, store } = await pipeline();
    const before = await recommender.recommend({ userId: 'newbie', n: 10 });
    const clicked = before.items[0]!.itemId;
    await bus.publish('interactions', { userId: 'newbie', itemId: clicked, type: 'click', timestamp: Date.now() });
    await until(() => processor.stats().processed === 1);
    const profile = await store.profiles.get('newbie');
    expect(profile?.interactionCount).toBe(1);
    expect(profile?.recentItems).toEqual([clicked]);
    expect((await store.itemStats.getItemStats([clicked]))[0]!.clicks).toBeGreaterThan(0);
    // The cold user's list is recomputed by the processor in the background: then served from
    // the cache, without the clicked item.
    await until(() => processor.stats().recomputed === 1);
    const after = await recommender.recommend({ userId: 'newbie', n: 10 }); // the policy's n
    expect(after.cached).toBe(true);
    expect(after.items.map((r) => r.itemId)).not.toContain(clicked);
    await processor.stop();
  });

  it('applies a replayed event once', async () => {
    const { bus, processor, store } = await pipeline();
    const event = { eventId: 'evt-42', userId: 'u1', itemId: 'a3', type: 'like', timestamp: Date.now() };
    await bus.publishBatch('interactions', [event, event, { ...event }]);
    await until(() => processor.stats().processed + processor.stats().duplicates === 3);
    await bus.publish('interactions', event);
    await until(() => processor.stats().duplicates === 3);
    expect(processor.stats().processed).toBe(1);
    expect((await store.profiles.get('u1'))?.interactionCount).toBe(1);
    expect((await store.itemStats.getItemStats(['a3']))[0]!.likes).toBe(1);
    await processor.stop();
  });

  it('dead-letters bad events with their error and keeps processing the stream', async () => {
    const { bus, processor, store } = await pipeline();
    const now = Date.now();
    const bad: [unknown, string][] = [
      [{ userId: 'x', itemId: 'a1', type: 'teleport', timestamp: now }, 'type'],
      [{ itemId: 'a1', type: 'click', timestamp: now }, 'userId'],
      [{ userId: 'x', itemId: 'a1', type: 'click', timestamp: Date.UTC(2190, 0, 1) }, 'in the future'],
      [{ userId: 'x', itemId: 'a1', type: 'click', timestamp: -5 }, 'timestamp'],
      [{ userId: 'x', itemId: 'a1', type: 'read', timestamp: now, duration: -3 }, 'duration'],
      [{ userId: 'x', itemId: 'a1', type: 'click', timestamp: now, context: { blob: 'x'.repeat(40_000) } }, 'maxPayloadBytes'],
      ['just a string', 'JSON object'],
    ];
    const good: InteractionInput[] = Array.from({ length: 30 }, (_, i) => ({ userId: `g${i % 3}`, itemId: `a${i % 20}`, type: 'click', timestamp: now }));
    await bus.publishBatch('interactions', [...good.slice(0, 10), ...bad.map(([e]) => e), ...good.slice(10)]);
    await until(async () => (await bus.deadLetters('interactions')).length === bad.length);
    await until(() => processor.stats().processed === 30);
    const dead = await bus.deadLetters<unknown>('interactions');
    for (const [event, reason] of bad) {
      const letter = dead.find((d) => JSON.stringify(d.message.payload) === JSON.stringify(event));
      expect(letter?.error, reason).toContain(reason);
      expect(letter?.message.deliveries).toBe(3);
    }
    expect(processor.stats()).toMatchObject({ processed: 30, deadLettered: bad.length, running: true });
    expect((await store.profiles.get('g0'))?.interactionCount).toBe(10);
    await processor.stop();
  });
});

const binary = await hasBinary('redis-server');
if (!binary && CI) throw new Error('a CI run requires the redis-server binary for the Redis restart test');

describe.skipIf(skip || !binary)('event pipeline across a Redis restart', () => {
  it('reconnects and applies every event exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mycontent-redis-'));
    const port = await freePort();
    const durable = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    children.push(await startRedisServer(port, durable));
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 });
    client.on('error', () => {});
    await until(() => client.status === 'ready');
    const { bus, processor, store } = await pipeline(client);
    const events = Array.from({ length: 3_000 }, (_, i) => ({ eventId: `r-${i}`, userId: `u${i % 50}`, itemId: `a${i % 20}`, type: 'click', timestamp: Date.now() }));
    await bus.publishBatch('interactions', events);
    await until(() => processor.stats().processed > 300);
    children.at(-1)!.kill('SIGKILL');
    await until(() => client.status !== 'ready');
    await new Promise((r) => setTimeout(r, 300));
    children.push(await startRedisServer(port, durable));
    await until(() => processor.stats().processed === 3_000, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(processor.stats().processed).toBe(3_000);
    expect(await store.interactions.count()).toBe(3_000 + 40);
    const stats = await store.itemStats.getItemStats(Array.from({ length: 20 }, (_, i) => `a${i}`));
    expect(stats.reduce((n, s) => n + s.clicks, 0)).toBe(3_000 + 40);
    await processor.stop();
    client.disconnect();
    await rm(dir, { recursive: true, force: true });
  });
});
