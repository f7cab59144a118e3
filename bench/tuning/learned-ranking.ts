// The news preset with and without its learned ranking stage, replayed on real clicks from a
// tuning window, with what each learned stage learned (weights, clicks learned from).
//   node --conditions=@mycontent/source --import tsx bench/tuning/learned-ranking.ts [clicks.csv.gz] [at] [maxCases] [learningRates] [softmax|pairwise] [weights]
// weights: the blend's, as sessions,items,recent (default: the preset's 1,0.25,0.1).
import { createLearnedRanking, type LearnedRanking, type RankingOptions } from '@mycontent/core';
import { loadInteractionsFile } from '@mycontent/core/data';
import { evaluateReplay, formatReplayReport } from '@mycontent/core/eval';
import { createRecentPopularityModel, newsPreset } from '@mycontent/algorithms';

const file = process.argv[2] ?? '../shared/data/globo-dev/clicks.csv.gz';
const at = Date.parse(process.argv[3] ?? '2017-10-11T12:00:00Z');
const maxCases = Number(process.argv[4] ?? 20_000);
const rates = (process.argv[5] ?? '0.05').split(',').map(Number);
const loss = (process.argv[6] ?? 'softmax') as 'softmax' | 'pairwise';
const [sessions, items, recent] = (process.argv[7] ?? '1,0.25,0.1').split(',').map(Number);
const preset = () => newsPreset({ weights: { sessions: sessions!, items: items!, recent: recent! } });
const table = await loadInteractionsFile(file);

const stages = new Map<string, LearnedRanking>();
const learned = (rate: number) => (): RankingOptions => {
  const stage = createLearnedRanking({ learningRate: rate, loss });
  stages.set(`news learned ${rate}`, stage);
  return { ...preset(), learnedRanking: stage };
};
const report = await evaluateReplay({
  table,
  at,
  maxCases,
  fallback: () => createRecentPopularityModel(),
  models: { news: preset, ...Object.fromEntries(rates.map((r) => [`news learned ${r}`, learned(r)])) },
});
console.log(formatReplayReport(report));
for (const [name, stage] of stages) {
  console.log(`${name}: ${JSON.stringify(stage.stats())}`);
  console.log(Object.entries(stage.weights()).map(([f, w]) => `  ${f.padEnd(22)} ${w.toFixed(3)}`).join('\n'));
}
