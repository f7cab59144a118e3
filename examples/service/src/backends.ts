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
import { Cluster, Redis } from 'ioredis';
import { connect as connectNats } from '@nats-io/transport-node';
import {
  createEventObserver,
  createEventProcessor,
  createExperimentAssigner,
  createExposureRecorder,
  createRecommender,
  type EventBus,
  type ExperimentAssigner,
  type ExposureRecorder,
  type ExposureStore,
  type EventObserver,
  type EventProcessor,
  type InteractionInput,
  type InteractionLog,
  type ItemStore,
  type RecommendationStore,
  type TelemetryMeter,
  type RecommendationCache,
  type Recommender,
} from '@mycontent/core';
import { tableBatches } from '@mycontent/core/data';
import { demoNews } from './demo-news';
import { createExactVectorIndex, createMemoryCache, createMemoryEventBus } from '@mycontent/adapters/memory';
import {
  createPostgresAssignmentStore,
  createPostgresExposureStore,
  createPostgresModelRegistry,
  createPostgresStore,
  type PostgresConnection,
} from '@mycontent/adapters/postgres';
import { createRedisCache, createRedisEventBus, type RedisClient } from '@mycontent/adapters/redis';
import { createNatsEventBus } from '@mycontent/adapters/nats';
import { createContentModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { createAccounts, type Accounts, type SqlQuery } from './auth/accounts';
import type { ServiceConfig } from './config';
import { createTelemetry, type Telemetry } from './telemetry';

/** The stream topic interaction events go to (the stream worker's default). */
export const EVENTS_TOPIC = 'interactions';
/** The topic served lists are logged to. */
export const EXPOSURES_TOPIC = 'exposures';

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
  redis?: RedisClient;
  /** The engine's OpenTelemetry metrics, for `/metrics`. */
  telemetry: Telemetry;
  /** The articles, read in one query to show a page of recommendations with their titles. */
  items: ItemStore;
  /** The experiments and their logged exposures, when `EXPERIMENTS_FILE` is set. */
  experiments?: { assigner: ExperimentAssigner; exposures: ExposureStore; recorder: ExposureRecorder; interactions: InteractionLog };
  /** What the start did: seeded demo data, loaded or trained models. */
  startup: Record<string, unknown>;
  /** The observer feeding this instance's online models from the stream (`OBSERVE_EVENTS`), when it runs. */
  observer?: EventObserver;
  close(): Promise<void>;
}

/** The experiments of the deployment, with the bus and store their exposures go through. */
interface Experimenting {
  assigner: ExperimentAssigner;
  bus: EventBus;
  store: ExposureStore;
}

/** The news recommender every deployment serves: trending, item-kNN ("readers also read") and content similarity. */
function newsRecommender(store: RecommendationStore, connection: PostgresConnection, cache: RecommendationCache, meter: TelemetryMeter, bus?: EventBus, experimenting?: Experimenting): Recommender {
  return createRecommender({
    store,
    meter,
    registry: createPostgresModelRegistry(connection),
    cache,
    // Erasure also removes a user's events from the stream (and its dead letters).
    ...(bus ? { eventLog: { bus, topics: [EVENTS_TOPIC] } } : {}),
    // Variants applied per request; every served list logged (and erased with its reader).
    ...(experimenting
      ? { experiments: experimenting.assigner, exposures: { bus: experimenting.bus, topic: EXPOSURES_TOPIC, store: experimenting.store } }
      : {}),
    models: {
      trending: createPopularityModel({ halfLifeMs: 6 * 3_600_000 }),
      related: createItemKnnModel({ similarity: 'cosine', neighbors: 100 }),
      content: createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) }),
    },
    blend: { related: 0.7, content: 0.2, trending: 0.1 },
    // New readers: onboarding from their chosen categories, then a quick-learning phase that keeps
    // them in the mix while the first likes and clicks take over.
    progressive: true,
    // A new article reaches the readers of similar ones (or of its section) at once, as far as
    // its quality earns it; the lists served are its impressions (the web feed sends no views).
    newItems: true,
    countImpressions: true,
  });
}

/** Fills the (new, in-memory) embedded store with the demo news: articles with embeddings, then clicks. */
async function seedDemo(recommender: Recommender, config: ServiceConfig): Promise<Record<string, unknown>> {
  if (config.demo.scale === 'none') return { seeded: false };
  const started = performance.now();
  const news = demoNews(config.demo.scale, config.demo.seed);
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

/** Opens the backends `config` names; on a failure, closes what it had opened and throws. */
export async function openBackends(config: ServiceConfig): Promise<Backends> {
  const closers: (() => Promise<unknown> | void)[] = [];
  try {
    return await open(config, closers);
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
}

async function open(config: ServiceConfig, closers: (() => Promise<unknown> | void)[]): Promise<Backends> {
  let query: SqlQuery;
  let connection: PostgresConnection;
  let readPool: pg.Pool | undefined;
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
    pool.on('error', () => {}); // a broken idle connection is replaced; requests report their own failures
    closers.push(() => pool.end());
    query = (text, params) => pool.query(text, params);
    connection = { pool, schema: config.schema };
    if (config.databaseReadUrl) {
      const replica = new pg.Pool({ connectionString: config.databaseReadUrl, max: 10 });
      replica.on('error', () => {});
      closers.push(() => replica.end());
      readPool = replica;
    }
  } else {
    const db = await PGlite.create();
    closers.push(() => db.close());
    query = (text, params) => db.query(text, params);
    connection = { pglite: db, schema: config.schema };
  }

  let redis: RedisClient | undefined;
  if (config.redisUrl || config.redisClusterNodes) {
    // A command unanswered for a second fails (a master failing over): the cache reads a miss, the
    // rate limit lets the request through, instead of holding the request.
    const options = { maxRetriesPerRequest: 1, commandTimeout: 1_000 };
    const client = config.redisClusterNodes
      ? new Cluster(config.redisClusterNodes, { lazyConnect: true, redisOptions: options })
      : new Redis(config.redisUrl!, { ...options, lazyConnect: true });
    client.on('error', () => {}); // ioredis reconnects (a cluster follows its failovers); the cache degrades to misses meanwhile
    await client.connect();
    closers.push(() => client.quit());
    redis = client;
  }

  const cache = redis ? createRedisCache({ client: redis, prefix: config.redisPrefix }) : createMemoryCache();
  let bus: EventBus | undefined;
  if (config.nats) {
    const connection = await connectNats({ servers: config.nats.servers, maxReconnectAttempts: -1 });
    closers.push(() => connection.close());
    // NATS names take letters, digits, _ and -: the Redis prefix without the rest (`mc:` is `mc`).
    const prefix = config.redisPrefix.replace(/[^A-Za-z0-9_-]/g, '') || 'mycontent';
    bus = createNatsEventBus({ connection, prefix, replicas: config.nats.replicas, partitions: config.streamPartitions });
  } else if (redis) {
    bus = createRedisEventBus({ client: redis, prefix: config.redisPrefix, partitions: config.streamPartitions });
  }
  let experimenting: Experimenting | undefined;
  if (config.experiments) {
    const assigner = createExperimentAssigner({ ...config.experiments, sticky: createPostgresAssignmentStore(connection) });
    experimenting = { assigner, bus: bus ?? createMemoryEventBus(), store: createPostgresExposureStore(connection) };
  }
  const telemetry = createTelemetry();
  closers.push(() => telemetry.shutdown());
  const store = createPostgresStore({ ...connection, ...(readPool ? { readPool } : {}) });
  const recommender = newsRecommender(store, connection, cache, telemetry.meter, bus, experimenting);
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
  let observer: EventObserver | undefined;
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
      processor = createEventProcessor({ recommender, bus, topic: EVENTS_TOPIC, group: 'mycontent-event-processor', meter: telemetry.meter });
      await processor.start();
      startup.consumingEvents = true;
    } else if (config.observeEvents) {
      // The workers store the events; this instance's online models observe every one of them.
      observer = createEventObserver({ recommender, bus, topic: EVENTS_TOPIC });
      await observer.start();
      startup.observingEvents = true;
    }
  }

  let recorder: ExposureRecorder | undefined;
  if (experimenting) {
    // Exposures go from the topic to the store here; a deployment with many service instances can
    // run one recorder in its worker instead (they share the consumer group).
    recorder = createExposureRecorder({ bus: experimenting.bus, topic: EXPOSURES_TOPIC, store: experimenting.store });
    await recorder.start();
    startup.experiments = experimenting.assigner.experiments.map((x) => x.key);
  }

  // Follow the registry: a version promoted (or rolled back) elsewhere serves here within the
  // refresh interval, loaded beside the serving one and switched to at once.
  const refresher =
    config.modelRefreshSeconds > 0
      ? setInterval(() => {
          recommender.refreshModels().catch((error: Error) => console.warn(`[service] model refresh failed; the serving versions stay: ${error.message}`));
        }, config.modelRefreshSeconds * 1000)
      : undefined;
  refresher?.unref();

  return {
    mode: config.databaseUrl ? 'postgres' : 'embedded',
    recommender,
    accounts,
    events,
    redis,
    telemetry,
    items: store.items,
    ...(experimenting && recorder ? { experiments: { assigner: experimenting.assigner, exposures: experimenting.store, recorder, interactions: store.interactions } } : {}),
    startup,
    ...(observer ? { observer } : {}),
    async close() {
      if (refresher) clearInterval(refresher);
      await recommender.flush().catch(() => undefined); // the exposures still buffered, the impressions still counted
      await recorder?.stop();
      await processor?.stop();
      await observer?.stop();
      for (const close of closers.reverse()) await close();
    },
  };
}
