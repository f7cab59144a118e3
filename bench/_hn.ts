import { join } from 'node:path';
import { createRandom, readNpyMatrix } from '@mycontent/core/data';
import { createExactVectorIndex } from '@mycontent/adapters/memory';
import { createHnswVectorIndex } from '@mycontent/adapters/hnsw';
const m0 = await readNpyMatrix(join('bench/.data/full-seed42', 'articles_embeddings.npy'));
const n = 50000, dim = m0.dim, data = m0.data.subarray(0, n * dim);
const ids = Array.from({ length: n }, (_, i) => String(i));
const rng = createRandom(11);
const qs = Array.from({ length: 200 }, () => { const r = rng.int(n); return Float32Array.from(data.subarray(r * dim, (r + 1) * dim), (v) => v + 0.05 * rng.normal()); });
const exact = createExactVectorIndex({ dimension: dim });
await exact.upsert(ids, ids.map((_, i) => data.subarray(i * dim, (i + 1) * dim)));
const truth = await exact.searchBatch!(qs, 10);
for (const m of [16, 32]) {
  const h = createHnswVectorIndex({ dimension: dim, m, efConstruction: 200 });
  let t = performance.now(); await h.build(ids, data); const bt = performance.now() - t;
  for (const ef of [64, 128, 256, 512]) {
    h.setEfSearch(ef); let found = 0; const lat: number[] = [];
    for (let q = 0; q < qs.length; q++) { const s = performance.now(); const hits = await h.search(qs[q]!, 10); lat.push(performance.now() - s); const tt = new Set(truth[q]!.map((x) => x.id)); for (const x of hits) if (tt.has(x.id)) found++; }
    lat.sort((a, b) => a - b);
    console.log(`M ${m} build ${(bt/1000).toFixed(1)}s ef ${ef} recall ${(found / 2000).toFixed(3)} p50 ${lat[100]!.toFixed(2)} p99 ${lat[198]!.toFixed(2)}`);
  }
}
