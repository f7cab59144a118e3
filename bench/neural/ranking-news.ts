// The news preset's ranking stage on real news clicks, replayed from a window: the fixed blend,
// the learned linear stage and the Wide & Deep scorer, side by side in one replay.
//   node --conditions=@mycontent/source --import tsx bench/neural/ranking-news.ts [clicks.csv.gz] [at] [maxCases] [json Wide & Deep options]
import { loadInteractionsFile } from '@mycontent/core/data';
import { evaluateReplay, formatReplayReport } from '@mycontent/core/eval';
import { createRecentPopularityModel, createWideDeepScorer, newsPreset, type WideDeepScorerOptions } from '@mycontent/algorithms';

const file = process.argv[2] ?? '../shared/data/globo-dev/clicks.csv.gz';
const at = Date.parse(process.argv[3] ?? '2017-10-11T12:00:00Z');
const maxCases = Number(process.argv[4] ?? 5_000);
const params = JSON.parse(process.argv[5] ?? '{}') as WideDeepScorerOptions;
const table = await loadInteractionsFile(file);
const started = performance.now();
const report = await evaluateReplay({
  table,
  at,
  maxCases,
  updates: [{ kind: 'online' }],
  fallback: () => createRecentPopularityModel(),
  models: {
    news: () => newsPreset(),
    'news + learned linear': () => newsPreset({ learned: true }),
    'news + wide & deep': () => newsPreset({ learned: { scorer: createWideDeepScorer(params) } }),
  },
  onProgress: (p) => {
    if (p.done === p.total || p.done % 1024 === 0) process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${p.phase} ${p.done}/${p.total}\n`);
  },
});
console.log(`\nwide & deep ${JSON.stringify(params)} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(formatReplayReport(report));
