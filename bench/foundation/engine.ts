// Ingests the full Globo-format dataset into the engine on memory adapters, trains, and measures
// recommend() latency with a cold and a warm cache.
import { createRecommender } from '@mycontent/core';
import { createRandom, loadGloboDataset, tableBatches } from '@mycontent/core/data';
import { createMemoryCache, createMemoryStore } from '@mycontent/adapters/memory';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { log, memoryMb, peakRssMb, percentile, report } from '../lib';

const [dir, samples = '2000'] = process.argv.slice(2) as [string, string?];
const data = await loadGloboDataset(dir, { embeddings: false });
const { items, clicks } = data;
const BATCH = 10_000;

// Baseline for ingestion: the raw memory store append, no validation, statistics or profiles.
let rawMs: number;
{
  const raw = createMemoryStore();
  const start = performance.now();
  for (const batch of tableBatches(clicks, BATCH)) await raw.interactions.append(batch);
  rawMs = performance.now() - start;
}

const store = createMemoryStore({ initialCapacity: clicks.length });
const recommender = createRecommender({
  store,
  cache: createMemoryCache({ maxEntries: 200_000 }),
  models: { trending: createPopularityModel(), related: createItemKnnModel({ similarity: 'cosine' }) },
  blend: { related: 0.85, trending: 0.15 },
});
let t = performance.now();
await recommender.ingestItems(items);
const itemsMs = performance.now() - t;
t = performance.now();
let batches = 0;
for (const batch of tableBatches(clicks, BATCH)) {
  await recommender.ingestInteractions(batch);
  if (++batches % 50 === 0) log(`ingested ${(batches * BATCH).toLocaleString()} clicks`);
}
const ingestMs = performance.now() - t;
log('training...');
t = performance.now();
const trained = await recommender.train();
const trainMs = performance.now() - t;
const afterTrain = memoryMb();

// Latency: a seeded sample of known users plus unknown users, each asked twice (cold, then warm).
const rng = createRandom(7);
const users: string[] = [];
const n = Number(samples);
for (let i = 0; i < n; i++) users.push(clicks.users[rng.int(clicks.users.length)]!);
for (let i = 0; i < n / 10; i++) users.push(`unknown-${i}`);
for (let i = 0; i < 50; i++) await recommender.recommend({ userId: users[i]!, n: 10, useCache: false }); // JIT warm-up
const cold: number[] = [];
const warm: number[] = [];
const coldStartCold: number[] = [];
for (const userId of users) {
  let s = performance.now();
  const first = await recommender.recommend({ userId, n: 10 });
  const c = performance.now() - s;
  (first.phase === 'cold-start' ? coldStartCold : cold).push(c);
  s = performance.now();
  const second = await recommender.recommend({ userId, n: 10 });
  warm.push(performance.now() - s);
  if (!second.cached) throw new Error('expected a cache hit');
}
for (const list of [cold, warm, coldStartCold]) list.sort((a, b) => a - b);

report({
  clicks: clicks.length,
  items: items.length,
  users: clicks.users.length,
  itemsMs,
  ingestMs,
  rawAppendMs: rawMs,
  trainMs,
  trainModels: trained.models,
  latency: {
    personalizedCold: { n: cold.length, p50: percentile(cold, 50), p99: percentile(cold, 99), max: cold.at(-1) },
    coldStartCold: { n: coldStartCold.length, p50: percentile(coldStartCold, 50), p99: percentile(coldStartCold, 99) },
    warm: { n: warm.length, p50: percentile(warm, 50), p99: percentile(warm, 99), max: warm.at(-1) },
  },
  heapAfterTrainMb: afterTrain.heap + afterTrain.arrayBuffers,
  peakRssMb: peakRssMb(),
});
