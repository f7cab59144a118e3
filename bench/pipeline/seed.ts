// What a stream worker finds in a fresh deployment's store: a catalogue, past clicks and trained
// models saved in the registry — shared by the pipeline and scaling benchmarks.
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { createRecommender, type Recommender } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createPostgresModelRegistry, createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisCache } from '@mycontent/adapters/redis';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

/** The workers' engine on a schema and a Redis prefix: trending and item co-reads. */
export function workerEngine(pool: pg.Pool, redis: Redis, schema: string, prefix: string): Recommender {
  return createRecommender({
    store: createPostgresStore({ pool, schema }),
    registry: createPostgresModelRegistry({ pool, schema }),
    cache: createRedisCache({ client: redis, prefix }),
    models: { trending: createPopularityModel(), related: createItemKnnModel({ similarity: 'cosine' }) },
    blend: { related: 0.85, trending: 0.15 },
  });
}

/** Seeds `schema` with `items` articles and 100,000 past clicks of `users` readers, trains and saves the models. */
export async function seedWorkerSchema(engine: Recommender, items: number, users: number): Promise<void> {
  await engine.ingestItems(Array.from({ length: items }, (_, i) => ({ id: `a${i}`, createdAt: Date.now() - 86_400_000, category: `c${i % 20}` })));
  const rng = createRandom(3);
  for (let b = 0; b < 10; b++) {
    await engine.ingestInteractions(
      Array.from({ length: 10_000 }, () => ({ userId: `u${rng.int(users)}`, itemId: `a${Math.floor(items * rng.next() ** 2)}`, type: 'click' as const, timestamp: Date.now() - 3_600_000 })),
    );
  }
  await engine.train();
  await engine.saveModels();
}
