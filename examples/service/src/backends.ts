/**
 * The two deployments of one code base. With no `DATABASE_URL`, the service runs on embedded
 * defaults: PGlite (PostgreSQL in WebAssembly, in memory), an in-process cache, the synthetic demo
 * news and models trained at start. With `DATABASE_URL` (and optionally `REDIS_URL`) it runs on
 * PostgreSQL and Redis: migrations applied, the latest saved models loaded (else trained on what
 * the store holds), events published to the Redis stream the stream worker consumes.
 */
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { Redis } from 'ioredis';
import {
  createEventProcessor,
  createRecommender,
  type EventBus,
  type EventProcessor,
  type InteractionInput,
  type RecommendationCache,
  type Recommender,
} from '@mycontent/core';
import { generateSyntheticNews, tableBatches } from '@mycontent/core/data';
import { createExactVectorIndex, createMemoryCache } from '@mycontent/adapters/memory';
import { createPostgresModelRegistry, createPostgresStore, type PostgresConnection } from '@mycontent/adapters/postgres';
import { createRedisCache, createRedisEventBus } from '@mycontent/adapters/redis';
import { createContentModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { createAccounts, type Accounts, type SqlQuery } from './auth/accounts';
import type { ServiceConfig } from './config';

/** The stream topic interaction events go to (the stream worker's default). */
export const EVENTS_TOPIC = 'interactions';

/** Where `POST /events` sends a batch: applied here, or queued on the stream for the workers. */
export interface EventSink {
  readonly mode: 'applied' | 'queued';
  accept(events: InteractionInput[]): Promise<{ accepted: number }>;
}

/** Everything the routes use, and how to close it. */
export interface Backends {
  mode: 'embedded' | 'postgres';
  recommender: Recommender;
  accounts: Accounts;
  events: EventSink;
  /** The Redis client, when one is configured (shared rate-limit budget). */
  redis?: Redis;
  /** What the start did: seeded demo data, loaded or trained models. */
  startup: Record<string, unknown>;
  close(): Promise<void>;
}

/** The news recommender every deployment serves: trending, item-kNN ("readers also read") and content similarity. */
function newsRecommender(connection: PostgresConnection, cache: RecommendationCache, bus?: EventBus): Recommender {
  return createRecommender({
    store: createPostgresStore(connection),
    registry: createPostgresModelRegistry(connection),
    cache,
    // Erasure also removes a user's events from the stream (and its dead letters).
    ...(bus ? { eventLog: { bus, topics: [EVENTS_TOPIC] } } : {}),
    models: {
      trending: createPopularityModel({ halfLifeMs: 6 * 3_600_000 }),
      related: createItemKnnModel({ similarity: 'cosine', neighbors: 100 }),
      content: createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) }),
    },
    blend: { related: 0.7, content: 0.2, trending: 0.1 },
  });
}

/** Fills the (new, in-memory) embedded store with the synthetic news: articles with embeddings, then clicks. */
async function seedDemo(recommender: Recommender, config: ServiceConfig): Promise<Record<string, unknown>> {
  if (config.demo.scale === 'none') return { seeded: false };
  const started = performance.now();
  const news = generateSyntheticNews(config.demo.scale, { seed: config.demo.seed });
  const { dim, data } = news.embeddings;
  await recommender.ingestItems(news.items.map((item, i) => ({ ...item, embedding: data.subarray(i * dim, (i + 1) * dim) })));
  for (const batch of tableBatches(news.clicks, 20_000)) await recommender.ingestInteractions(batch);
  return { seeded: true, articles: news.items.length, clicks: news.clicks.length, seedMs: Math.round(performance.now() - started) };
}

/** Loads the latest saved models, else trains on the store, else leaves them untrained (cold start serves). */
async function prepareModels(recommender: Recommender): Promise<Record<string, unknown>> {
  try {
    await recommender.loadModels();
    return { models: 'loaded' };
  } catch {
    const started = performance.now();
    try {
      const report = await recommender.train();
      await recommender.saveModels({ reason: 'trained at service start' });
      return { models: 'trained', interactions: report.interactions, trainMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { models: 'none', reason: (error as Error).message };
    }
  }
}

/** Opens the backends `config` names. */
export async function openBackends(config: ServiceConfig): Promise<Backends> {
  const closers: (() => Promise<unknown> | void)[] = [];
  let query: SqlQuery;
  let connection: PostgresConnection;
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
    pool.on('error', () => {}); // a broken idle connection is replaced; requests report their own failures
    closers.push(() => pool.end());
    query = (text, params) => pool.query(text, params);
    connection = { pool, schema: config.schema };
  } else {
    const db = await PGlite.create();
    closers.push(() => db.close());
    query = (text, params) => db.query(text, params);
    connection = { pglite: db, schema: config.schema };
  }

  let redis: Redis | undefined;
  if (config.redisUrl) {
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => {}); // ioredis reconnects; the cache degrades to misses meanwhile
    await redis.connect();
    const client = redis;
    closers.push(() => client.quit());
  }

  const cache = redis ? createRedisCache({ client: redis, prefix: config.redisPrefix }) : createMemoryCache();
  const bus = redis ? createRedisEventBus({ client: redis, prefix: config.redisPrefix }) : undefined;
  const recommender = newsRecommender(connection, cache, bus);
  const accounts = createAccounts(query, config.schema);
  await accounts.migrate();

  const startup: Record<string, unknown> = { mode: config.databaseUrl ? 'postgres' : 'embedded' };
  if (!config.databaseUrl) Object.assign(startup, await seedDemo(recommender, config));
  Object.assign(startup, await prepareModels(recommender));
  if (config.admin) {
    const admin = await accounts.ensure(config.admin.email, config.admin.password, 'admin');
    startup.admin = admin.email;
  }

  let events: EventSink = {
    mode: 'applied',
    async accept(batch) {
      await recommender.ingestInteractions(batch);
      return { accepted: batch.length };
    },
  };
  let processor: EventProcessor | undefined;
  if (bus) {
    events = {
      mode: 'queued',
      async accept(batch) {
        // Each event gets an id, so a worker that applies it twice applies it once.
        await bus.publishBatch(EVENTS_TOPIC, batch.map((event) => ({ ...event, eventId: event.eventId ?? randomUUID() })));
        return { accepted: batch.length };
      },
    };
    if (config.consumeEvents) {
      processor = createEventProcessor({ recommender, bus, topic: EVENTS_TOPIC, group: 'mycontent-event-processor' });
      await processor.start();
      startup.consumingEvents = true;
    }
  }

  return {
    mode: config.databaseUrl ? 'postgres' : 'embedded',
    recommender,
    accounts,
    events,
    redis,
    startup,
    async close() {
      await processor?.stop();
      for (const close of closers.reverse()) await close();
    },
  };
}
