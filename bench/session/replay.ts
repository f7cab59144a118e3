// Replay on the synthetic news log: the last two days are a stream; each next click of a
// session starting in them is asked at its own time, answered with only the events before it.
// Frozen models, hourly retraining and online learning, side by side in one run.
//
//   node --conditions=@mycontent/source --import tsx bench/session/replay.ts [scale] [maxCases] [only-models]
import { evaluateReplay, type ReplayRanking, type ReplayUpdate } from '@mycontent/core/eval';
import { generateSyntheticNews, type SyntheticScale } from '@mycontent/core/data';
import {
  createAlsModel,
  newsPreset,
  createItemKnnModel,
  createPopularityModel,
  createRecentPopularityModel,
  createSequentialRulesModel,
  createSessionKnnModel,
} from '@mycontent/algorithms';
import { log, peakRssMb, report } from '../lib';

const scale = (process.argv[2] ?? 'full') as SyntheticScale;
const maxCases = Number(process.argv[3] ?? 50_000);
const only = process.argv[4]?.split(',');
const HOUR = 3_600_000;
const frozen: ReplayUpdate = { kind: 'frozen' };
const hourly: ReplayUpdate = { kind: 'retrain', everyMs: HOUR };
const online: ReplayUpdate = { kind: 'online' };

const runs: { name: string; label: string; create: () => ReplayRanking; updates: ReplayUpdate[] }[] = [
  { name: 'popular', label: 'popularity, all time', create: () => createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY }), updates: [frozen, hourly] },
  { name: 'als', label: 'implicit ALS (64 factors)', create: () => createAlsModel({ seed: 42 }), updates: [frozen] },
  { name: 'recent', label: 'most read in the last hour', create: () => createRecentPopularityModel(), updates: [frozen, hourly, online] },
  { name: 'itemknn', label: 'item-kNN (cosine, session co-reads)', create: () => createItemKnnModel({ similarity: 'cosine', recencyDecay: 0.3 }), updates: [frozen, hourly, online] },
  { name: 'sr', label: 'sequential rules', create: () => createSequentialRulesModel(), updates: [frozen, hourly, online] },
  { name: 'vsknn', label: 'V-SkNN', create: () => createSessionKnnModel({ variant: 'vsknn' }), updates: [frozen, online] },
  { name: 'sknn', label: 'S-kNN', create: () => createSessionKnnModel({ variant: 'sknn' }), updates: [online] },
  { name: 'news', label: 'the `news` preset: STAN 1 + item-kNN 0.25 + recent 0.1', create: () => newsPreset(), updates: [online] },
];

const t0 = performance.now();
const data = generateSyntheticNews(scale, { seed: 42 });
log(`replay: generated ${data.clicks.length.toLocaleString('en-US')} clicks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const results = [];
let header: Omit<Awaited<ReturnType<typeof evaluateReplay>>, 'results'> | undefined;
for (const run of runs) {
  if (only && !only.includes(run.name)) continue;
  const started = performance.now();
  const result = await evaluateReplay({
    table: data.clicks,
    items: data.items,
    testRatio: 2 / data.config.days,
    maxCases,
    models: { [run.name]: run.create },
    updates: run.updates,
    fallback: () => createRecentPopularityModel(),
  });
  const { results: rows, ...rest } = result;
  header = rest;
  for (const row of rows) {
    results.push({ ...row, label: run.label });
    log(`replay: ${run.name} (${row.update}): HR@10 ${row.hitRate.toFixed(4)}, MRR@10 ${row.mrr.toFixed(4)}, ${Math.round(row.stats.throughput)} (events+queries)/s, refits ${row.stats.retrains} in ${(row.stats.retrainMs / 1000).toFixed(1)} s`);
  }
  log(`replay: ${run.name} took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
report({ scale, days: data.config.days, ...header!, results, peakRssMb: peakRssMb() });
