// The production adapters on the real servers: bulk ingestion of the full click log into
// PostgreSQL (and PGlite, and a row-by-row baseline), the training scan, and recommend() latency
// on PostgreSQL + Redis against the memory adapters, on the same data in the same run.
import pg from 'pg';
import { Redis } from 'ioredis';
import { PGlite } from '@electric-sql/pglite';
import { createRecommender, type Interaction, type RecommendationCache, type RecommendationStore } from '@mycontent/core';
import { createRandom, loadGloboDataset, tableBatches } from '@mycontent/core/data';
import { createMemoryCache, createMemoryStore } from '@mycontent/adapters/memory';
import { createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisCache } from '@mycontent/adapters/redis';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { deleteRedisPrefix, log, peakRssMb, percentile, report } from '../lib';

const [dir, samples = '2000'] = process.argv.slice(2) as [string, string?];
const POSTGRES_URL = process.env.MYCONTENT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.MYCONTENT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `mc_bench_${process.pid}`;
const prefix = `mc-bench-${process.pid}:`;
const BATCH = 50_000;

const data = await loadGloboDataset(dir, { embeddings: false });
const { items, clicks } = data;
const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

try {
  // 1. Bulk ingestion of every click into PostgreSQL, one transaction per batch of 50,000.
  const store = createPostgresStore({ pool, schema });
  await store.items.upsert(items.slice(0, 1)); // migrations
  let t = performance.now();
  for (let from = 0; from < items.length; from += BATCH) await store.items.upsert(items.slice(from, from + BATCH));
  const itemsMs = performance.now() - t;
  t = performance.now();
  let done = 0;
  for (const batch of tableBatches(clicks, BATCH)) {
    await store.interactions.append(batch);
    done += batch.length;
    if (done % 500_000 < BATCH) log(`postgres: ${done.toLocaleString()} clicks`);
  }
  const pgIngestMs = performance.now() - t;
  await pool.query(`ANALYZE "${schema}".interactions`);

  // Baselines, same run: one INSERT per row (the obvious code), and the memory store.
  const sample: Interaction[] = [];
  for (const batch of tableBatches(clicks, 20_000)) {
    sample.push(...batch);
    break;
  }
  await pool.query(`CREATE TABLE "${schema}".naive (LIKE "${schema}".interactions INCLUDING ALL)`);
  t = performance.now();
  for (const x of sample) {
    await pool.query(
      `INSERT INTO "${schema}".naive (user_id, article_id, interaction_type, "timestamp", session_id) VALUES ($1, $2, $3, to_timestamp($4::float8 / 1000), $5)`,
      [x.userId, x.itemId, x.type, x.timestamp, x.sessionId ?? null],
    );
  }
  const naiveMs = performance.now() - t;
  t = performance.now();
  const memory = createMemoryStore();
  for (const batch of tableBatches(clicks, BATCH)) await memory.interactions.append(batch);
  const memoryIngestMs = performance.now() - t;

  // PGlite (embedded), on the first 500,000 clicks.
  const lite = new PGlite();
  const liteStore = createPostgresStore({ pglite: lite });
  await liteStore.interactions.count();
  let liteRows = 0;
  t = performance.now();
  for (const batch of tableBatches(clicks, BATCH)) {
    await liteStore.interactions.append(batch);
    liteRows += batch.length;
    if (liteRows >= 500_000) break;
  }
  const liteMs = performance.now() - t;
  await lite.close();

  // The live path: engine.ingestInteractions (validation, interactions, statistics and profiles in
  // one transaction per call) on the first 100,000 clicks, batches of 1,000, on its own schema.
  const live = createRecommender({ store: createPostgresStore({ pool, schema: `${schema}_live` }), models: { trending: createPopularityModel() } });
  const liveBatches: Interaction[][] = [];
  for (const batch of tableBatches(clicks, 1_000)) {
    liveBatches.push(batch);
    if (liveBatches.length === 100) break;
  }
  await live.ingestInteractions(liveBatches[0]!.slice(0, 1)); // migrations
  t = performance.now();
  for (const batch of liveBatches) await live.ingestInteractions(batch);
  const liveMs = performance.now() - t;
  await pool.query(`DROP SCHEMA "${schema}_live" CASCADE`);

  // 2. The training scan: every interaction, paged.
  t = performance.now();
  let scanned = 0;
  for await (const page of store.interactions.scan({ batchSize: 20_000 })) scanned += page.length;
  const scanMs = performance.now() - t;

  // 3. recommend() on PostgreSQL + Redis and on memory, same data, same models, same users.
  async function latency(label: string, engineStore: RecommendationStore, cache: RecommendationCache) {
    const recommender = createRecommender({
      store: engineStore,
      cache,
      models: { trending: createPopularityModel(), related: createItemKnnModel({ similarity: 'cosine' }) },
      blend: { related: 0.85, trending: 0.15 },
    });
    log(`${label}: training...`);
    const started = performance.now();
    await recommender.train();
    const trainMs = performance.now() - started;
    const rng = createRandom(7);
    const users: string[] = [];
    for (let i = 0; i < Number(samples); i++) users.push(clicks.users[rng.int(clicks.users.length)]!);
    for (let i = 0; i < 50; i++) await recommender.recommend({ userId: users[i]!, n: 10, useCache: false }); // JIT warm-up
    const cold: number[] = [];
    const warm: number[] = [];
    for (const userId of users) {
      let s = performance.now();
      await recommender.recommend({ userId, n: 10 });
      cold.push(performance.now() - s);
      s = performance.now();
      const second = await recommender.recommend({ userId, n: 10 });
      warm.push(performance.now() - s);
      if (!second.cached) throw new Error(`${label}: expected a cache hit`);
    }
    cold.sort((a, b) => a - b);
    warm.sort((a, b) => a - b);
    return {
      trainMs,
      cold: { n: cold.length, p50: percentile(cold, 50), p99: percentile(cold, 99) },
      warm: { n: warm.length, p50: percentile(warm, 50), p99: percentile(warm, 99) },
    };
  }
  const production = await latency('postgres + redis', store, createRedisCache({ client, prefix }));
  await memory.items.upsert(items);
  const inMemory = await latency('memory', memory, createMemoryCache({ maxEntries: 200_000 }));

  const { rows: version } = await pool.query('SHOW server_version');
  const redisInfo = await client.info('server');
  report({
    servers: { postgres: String(version[0].server_version).split(' ')[0], redis: /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? '?' },
    clicks: clicks.length,
    items: items.length,
    itemsMs,
    pgIngestMs,
    naive: { rows: sample.length, ms: naiveMs },
    memoryIngestMs,
    pglite: { rows: liteRows, ms: liteMs },
    live: { rows: liveBatches.length * 1_000, ms: liveMs },
    scan: { rows: scanned, ms: scanMs },
    production,
    memory: inMemory,
    peakRssMb: peakRssMb(),
  });
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  await deleteRedisPrefix(client, prefix);
  client.disconnect();
}
