// A neural session model (gru4rec or sasrec) on real news clicks, replayed from a window: alone,
// and as a fourth source of the news preset's blend (weight `hybridWeight`), next to the preset as shipped.
//   node --conditions=@mycontent/source --import tsx bench/neural/session-news.ts <gru4rec|sasrec> [clicks.csv.gz] [at] [maxCases] [json params] [hybridWeight]
import { loadInteractionsFile } from '@mycontent/core/data';
import { evaluateReplay, formatReplayReport } from '@mycontent/core/eval';
import type { RankingOptions, RecommenderModel } from '@mycontent/core';
import { createGru4RecModel, createRecentPopularityModel, createSasRecModel, newsPreset } from '@mycontent/algorithms';

const name = process.argv[2] === 'sasrec' ? 'sasrec' : 'gru4rec';
const file = process.argv[3] ?? '../shared/data/globo-dev/clicks.csv.gz';
const at = Date.parse(process.argv[4] ?? '2017-10-11T12:00:00Z');
const maxCases = Number(process.argv[5] ?? 5_000);
const params = { trainingWindowMs: 24 * 3_600_000, itemTtlMs: 2 * 3_600_000, epochs: 1, ...(JSON.parse(process.argv[6] ?? '{}') as Record<string, unknown>) };
const hybridWeight = process.argv[7] === undefined ? undefined : Number(process.argv[7]);
const created: (RecommenderModel & { losses: readonly number[] })[] = [];
const create = (): RecommenderModel => {
  const model = name === 'sasrec' ? createSasRecModel(params) : createGru4RecModel(params);
  created.push(model);
  return model;
};
const table = await loadInteractionsFile(file);
const started = performance.now();
const hybrid = (weight: number): RankingOptions => {
  const preset = newsPreset();
  return { ...preset, models: { ...preset.models, [name]: create() }, blend: { ...preset.blend, [name]: weight } };
};
const report = await evaluateReplay({
  table,
  at,
  maxCases,
  updates: [{ kind: 'online' }],
  fallback: () => createRecentPopularityModel(),
  models: hybridWeight === undefined ? { [name]: create } : { news: () => newsPreset(), [`news + ${name} ${hybridWeight}`]: () => hybrid(hybridWeight) },
  onProgress: (p) => {
    if (p.done === p.total || p.done % 1024 === 0) process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${p.phase} ${p.done}/${p.total}\n`);
  },
});
console.log(`\n${name} ${JSON.stringify(params)} in ${((performance.now() - started) / 1000).toFixed(0)} s; training loss per epoch: ${created.map((m) => m.losses.map((l) => l.toFixed(3)).join(' ')).join(' | ')}`);
console.log(formatReplayReport(report));
