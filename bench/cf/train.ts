// Trains one model on the full-scale synthetic Globo clicks and measures training time, memory
// and single-user recommendation latency.
import { ItemCatalog } from '@mycontent/core';
import { createRandom, loadGloboDataset, tableToDataset } from '@mycontent/core/data';
import { groupRowsByUser } from '@mycontent/core/internal';
import { createAlsModel, createBprModel, createEaseModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';
import { gc, memoryMb, peakRssMb, percentile, report, withEventLoopProbe } from '../lib';
import { trainAlsPlainJs } from './baseline-als-js';

const [dir, name, epochs = '30'] = process.argv.slice(2) as [string, string, string?];
const { clicks, items } = await loadGloboDataset(dir, { embeddings: false });
const catalog = new ItemCatalog();
for (const item of items) catalog.upsert(item);
const data = tableToDataset(clicks, catalog);
gc();
const before = memoryMb();
// `als-js`: the plain-JavaScript ALS kernel, the baseline of the ALS row (training time only).
const baselineAls = { async fit() { await trainAlsPlainJs(data, { factors: 64, iterations: 15, regularization: 100, alpha: 4, cgSteps: 3, seed: 42 }); } };
const model =
  name === 'als-js' ? baselineAls
  : name === 'popular' ? createPopularityModel()
  : name === 'itemknn' ? createItemKnnModel({ similarity: 'bm25' })
  : name === 'als' ? createAlsModel({ factors: 64, iterations: 15 })
  : name === 'als-cg2' ? createAlsModel({ factors: 64, iterations: 15, cgSteps: 2 })
  : name === 'bpr' ? createBprModel({ factors: 64, epochs: Number(epochs) })
  : name === 'ease' ? createEaseModel()
  : (() => { throw new Error(`unknown model ${name}`); })();
let trainMs = 0;
let refused: string | undefined;
const t0 = performance.now();
const { maxGapMs: maxGap } = await withEventLoopProbe(async () => {
  try {
    await model.fit(data);
    trainMs = performance.now() - t0;
  } catch (error) {
    refused = (error as Error).message;
  }
});
const after = memoryMb();
const latency: number[] = [];
if (!refused && 'recommend' in model) {
  const { start, order } = groupRowsByUser(data);
  const rng = createRandom(3);
  for (let q = 0; q < 1100; q++) {
    const u = rng.int(data.users.length);
    const history = Int32Array.from(order.subarray(start[u]!, start[u + 1]!), (r) => data.item[r]!);
    const seen = new Set(history);
    const s = performance.now();
    model.recommend({ userId: data.users[u]!, history, k: 10, filter: (i) => !seen.has(i) });
    if (q >= 100) latency.push(performance.now() - s);
  }
  latency.sort((a, b) => a - b);
}
report({
  model: name,
  users: data.users.length,
  interactions: data.length,
  trainMs,
  refused,
  epochs: name === 'bpr' ? Number(epochs) : undefined,
  modelMb: after.heap + after.arrayBuffers - before.heap - before.arrayBuffers,
  peakRssMb: peakRssMb(),
  maxEventLoopGapMs: maxGap,
  p50: percentile(latency, 50),
  p99: percentile(latency, 99),
});
