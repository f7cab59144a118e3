// Exact and HNSW vector indexes on the full-scale synthetic Globo embeddings.
import { join } from 'node:path';
import { createRandom, readGloboArticles, readNpyMatrix } from '@mycontent/core/data';
import { createExactVectorIndex } from '@mycontent/adapters/memory';
import { createHnswVectorIndex } from '@mycontent/adapters/hnsw';
import { log, memoryMb, peakRssMb, percentile, report, withEventLoopProbe } from '../lib';

const [dir] = process.argv.slice(2) as [string];
const matrix = await readNpyMatrix(join(dir, 'articles_embeddings.npy'));
const articles = await readGloboArticles(join(dir, 'articles_metadata.csv'));
const { rows: n, dim, data } = matrix;
const ids = Array.from({ length: n }, (_, i) => String(i));
const category = articles.map((a) => a.category!);
const rng = createRandom(11);
const queries: Float32Array[] = [];
for (let q = 0; q < 200; q++) {
  const row = rng.int(n);
  queries.push(Float32Array.from(data.subarray(row * dim, (row + 1) * dim), (v) => v + 0.05 * rng.normal()));
}
const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
};

// Baseline: the plain loop one would write first (normalise, dot, keep top 10 by insertion).
function plainLoop(q: Float32Array, k: number): number[] {
  let qn = 0;
  for (let d = 0; d < dim; d++) qn += q[d]! * q[d]!;
  qn = Math.sqrt(qn);
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let rn = 0;
    for (let d = 0; d < dim; d++) {
      dot += data[i * dim + d]! * q[d]!;
      rn += data[i * dim + d]! * data[i * dim + d]!;
    }
    const s = dot / (Math.sqrt(rn) * qn);
    if (best.length < k || s > best[best.length - 1]!.s) {
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.i);
}
const baseline: number[] = [];
for (let q = 0; q < 10; q++) baseline.push((await time(() => plainLoop(queries[q]!, 10)))[1]);

log('exact index...');
const exact = createExactVectorIndex({ dimension: dim });
const [, exactLoadMs] = await time(() => exact.upsert(ids, ids.map((_, i) => data.subarray(i * dim, (i + 1) * dim))));
const single: number[] = [];
const truth: string[][] = [];
for (const q of queries.slice(0, 50)) {
  const [hits, ms] = await time(() => exact.search(q, 10));
  single.push(ms);
  truth.push(hits.map((h) => h.id));
}
for (const q of queries.slice(50)) truth.push((await exact.search(q, 10)).map((h) => h.id));
const [, batchMs] = await time(() => exact.searchBatch!(queries.slice(0, 64), 10));

log('HNSW build (worker)...');
const hnsw = createHnswVectorIndex({ dimension: dim, m: 32, efConstruction: 200, efSearch: 64 });
const before = memoryMb();
let lastLog = 0;
const buildStart = performance.now();
const { maxGapMs: maxGap } = await withEventLoopProbe(() =>
  hnsw.build(ids, data, {
    onProgress: (p) => {
      if (p.done - lastLog >= n / 10) {
        log(`  ${Math.round((100 * p.done) / p.total)}%`);
        lastLog = p.done;
      }
    },
  }),
);
const buildMs = performance.now() - buildStart;
const after = memoryMb();

const efResults: { ef: number; recall: number; p50: number; p99: number }[] = [];
for (const ef of [64, 128, 160, 256]) {
  hnsw.setEfSearch(ef);
  const lat: number[] = [];
  let found = 0;
  for (let q = 0; q < queries.length; q++) {
    const [hits, ms] = await time(() => hnsw.search(queries[q]!, 10));
    lat.push(ms);
    const t = new Set(truth[q]);
    for (const h of hits) if (t.has(h.id)) found++;
  }
  lat.sort((a, b) => a - b);
  efResults.push({ ef, recall: found / (queries.length * 10), p50: percentile(lat, 50), p99: percentile(lat, 99) });
}
// Selective filter: one small category.
const sizes = new Map<string, number>();
for (const c of category) sizes.set(c, (sizes.get(c) ?? 0) + 1);
const small = [...sizes.entries()].filter(([, s]) => s >= 50).sort((a, b) => a[1] - b[1])[0]!;
hnsw.setEfSearch(128);
const filtered: number[] = [];
let filteredCount = 0;
for (const q of queries.slice(0, 50)) {
  const [hits, ms] = await time(() => hnsw.search(q, 10, { filter: (id) => category[Number(id)] === small[0] }));
  filtered.push(ms);
  filteredCount += hits.length;
}
filtered.sort((a, b) => a - b);
// Adding one new article to the built index.
const adds: number[] = [];
for (let a = 0; a < 100; a++) {
  const v = Float32Array.from(queries[a]!);
  adds.push((await time(() => hnsw.upsert([`new-${a}`], [v])))[1]);
}
adds.sort((a, b) => a - b);
single.sort((a, b) => a - b);
baseline.sort((a, b) => a - b);
report({
  n,
  dim,
  baselineMs: percentile(baseline, 50),
  exactLoadMs,
  exactSingleP50: percentile(single, 50),
  exactSingleP99: percentile(single, 99),
  exactBatchPerQuery: batchMs / 64,
  buildMs,
  m: 32,
  buildMaxEventLoopGapMs: maxGap,
  hnswMb: after.heap + after.arrayBuffers - before.heap - before.arrayBuffers,
  peakRssMb: peakRssMb(),
  efResults,
  filter: { category: small[0], items: small[1], p50: percentile(filtered, 50), p99: percentile(filtered, 99), meanResults: filteredCount / 50 },
  addP50: percentile(adds, 50),
  addP99: percentile(adds, 99),
});
