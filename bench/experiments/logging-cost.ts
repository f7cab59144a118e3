/**
 * What logging exposures adds to `recommend()`: the same engine (memory store, item-kNN and
 * popularity, 5,000 readers with 20 clicks each) with and without an exposure log, requests
 * alternating between the two in rounds so that both see the same machine state. With a Redis
 * stream bus (when Redis answers) and with the memory bus, buffered (the default) and awaited; a
 * recorder drains the topic into a memory exposure store meanwhile, in the same process.
 */
import { Redis } from 'ioredis';
import { createExposureRecorder, createRecommender, type EventBus, type InteractionInput, type Recommender } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createMemoryEventBus, createMemoryExposureStore, createMemoryStore } from '@mycontent/adapters/memory';
import { createRedisEventBus } from '@mycontent/adapters/redis';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { deleteRedisPrefix, percentile } from '../lib';

export interface LoggingCost {
  bus: string;
  delivery: 'buffered' | 'awaited';
  requests: number;
  without: { p50: number; p99: number };
  with: { p50: number; p99: number };
  /** (p99 with − p99 without) / p99 without. */
  p99Overhead: number;
  recorded: number;
}

async function engine(exposures?: { bus: EventBus; topic: string; delivery: 'buffered' | 'awaited' }): Promise<Recommender> {
  const rng = createRandom(17);
  const recommender = createRecommender({
    store: createMemoryStore(),
    models: { popular: createPopularityModel(), related: createItemKnnModel() },
    ...(exposures ? { exposures } : {}),
  });
  await recommender.ingestItems(Array.from({ length: 2_000 }, (_, i) => ({ id: `a${i}`, category: `c${i % 12}`, createdAt: Date.UTC(2024, 0, 1) })));
  const clicks: InteractionInput[] = [];
  for (let u = 0; u < 5_000; u++) {
    const base = rng.int(2_000);
    for (let k = 0; k < 20; k++) clicks.push({ userId: `u${u}`, itemId: `a${(base + rng.int(60)) % 2_000}`, type: 'click', timestamp: Date.UTC(2024, 0, 1) + k });
  }
  await recommender.ingestInteractions(clicks);
  await recommender.train();
  return recommender;
}

/** Measures `requests` uncached `recommend()` calls per engine, alternating in rounds of 100. */
export async function measureLoggingCost(busName: 'memory' | 'redis', delivery: 'buffered' | 'awaited', requests: number, redisUrl: string): Promise<LoggingCost | undefined> {
  let bus: EventBus;
  let redis: Redis | undefined;
  const prefix = `bench-exposures-${process.pid}:`;
  if (busName === 'redis') {
    redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
    } catch {
      redis.disconnect();
      return undefined;
    }
    bus = createRedisEventBus({ client: redis, prefix });
  } else {
    bus = createMemoryEventBus();
  }
  const store = createMemoryExposureStore();
  const recorder = createExposureRecorder({ bus, topic: 'exposures', store });
  await recorder.start();
  const plain = await engine();
  const logged = await engine({ bus, topic: 'exposures', delivery });
  const times: [number[], number[]] = [[], []];
  const rounds = Math.ceil(requests / 100);
  for (let warm = 0; warm < 300; warm++) await Promise.all([plain, logged].map((e) => e.recommend({ userId: `u${warm}`, useCache: false })));
  for (let round = 0; round < rounds; round++) {
    for (const [i, e] of [plain, logged].entries()) {
      for (let k = 0; k < 100; k++) {
        const userId = `u${(round * 100 + k) % 5_000}`;
        const started = process.hrtime.bigint();
        await e.recommend({ userId, n: 10, useCache: false });
        times[i]!.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
  }
  const deadline = Date.now() + 30_000;
  await logged.flush();
  while (recorder.stats().recorded < times[1].length + 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await recorder.stop();
  await bus.close();
  if (redis) {
    await deleteRedisPrefix(redis, prefix);
    redis.disconnect();
  }
  const summary = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  const without = summary(times[0]);
  const withLog = summary(times[1]);
  return { bus: busName, delivery, requests: times[0].length, without, with: withLog, p99Overhead: (withLog.p99 - without.p99) / without.p99, recorded: recorder.stats().recorded };
}
