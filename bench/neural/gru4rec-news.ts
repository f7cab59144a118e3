// GRU4Rec on real news clicks, replayed from a window: alone, and as a fourth source of the news
// preset's blend (weight `hybridWeight`), next to the preset as shipped.
//   node --conditions=@mycontent/source --import tsx bench/neural/gru4rec-news.ts [clicks.csv.gz] [at] [maxCases] [json params] [hybridWeight]
import { loadInteractionsFile } from '@mycontent/core/data';
import { evaluateReplay, formatReplayReport } from '@mycontent/core/eval';
import type { RankingOptions } from '@mycontent/core';
import { createGru4RecModel, createRecentPopularityModel, newsPreset, type Gru4RecOptions } from '@mycontent/algorithms';

const file = process.argv[2] ?? '../shared/data/globo-dev/clicks.csv.gz';
const at = Date.parse(process.argv[3] ?? '2017-10-11T12:00:00Z');
const maxCases = Number(process.argv[4] ?? 5_000);
const params: Gru4RecOptions = { trainingWindowMs: 24 * 3_600_000, itemTtlMs: 2 * 3_600_000, epochs: 1, ...(JSON.parse(process.argv[5] ?? '{}') as Gru4RecOptions) };
const hybridWeight = process.argv[6] === undefined ? undefined : Number(process.argv[6]);
const table = await loadInteractionsFile(file);
const started = performance.now();
const hybrid = (weight: number): RankingOptions => {
  const preset = newsPreset();
  return { ...preset, models: { ...preset.models, gru4rec: createGru4RecModel(params) }, blend: { ...preset.blend, gru4rec: weight } };
};
const report = await evaluateReplay({
  table,
  at,
  maxCases,
  updates: [{ kind: 'online' }],
  fallback: () => createRecentPopularityModel(),
  models: hybridWeight === undefined ? { gru4rec: () => createGru4RecModel(params) } : { news: () => newsPreset(), [`news + gru4rec ${hybridWeight}`]: () => hybrid(hybridWeight) },
  onProgress: (p) => {
    if (p.done === p.total || p.done % 1024 === 0) process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${p.phase} ${p.done}/${p.total}\n`);
  },
});
console.log(`\n${JSON.stringify(params)} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(formatReplayReport(report));
