// The news preset with its session source swapped: STAN as shipped, or V-STAN with the options a
// `tune --model vstan` run chose, replayed on real clicks from a window.
//   node --conditions=@mycontent/source --import tsx bench/tuning/news-sessions.ts [clicks.csv.gz] [at] [maxCases] [tuned.json]
import { readFileSync } from 'node:fs';
import { loadInteractionsFile } from '@mycontent/core/data';
import { evaluateReplay, formatReplayReport } from '@mycontent/core/eval';
import { createRecentPopularityModel, createSessionKnnModel, newsPreset, type SessionKnnOptions } from '@mycontent/algorithms';

const file = process.argv[2] ?? '../shared/data/globo-dev/clicks.csv.gz';
const at = Date.parse(process.argv[3] ?? '2017-10-11T12:00:00Z');
const maxCases = Number(process.argv[4] ?? 20_000);
const tuned = JSON.parse(readFileSync(process.argv[5] ?? 'data/vstan-tuned.json', 'utf8')) as { params: SessionKnnOptions };
const vstan: SessionKnnOptions = { ...tuned.params, variant: 'vstan' };
const table = await loadInteractionsFile(file);
const report = await evaluateReplay({
  table,
  at,
  maxCases,
  fallback: () => createRecentPopularityModel(),
  models: {
    'news (STAN)': () => newsPreset(),
    'news (V-STAN tuned)': () => newsPreset({ sessions: vstan }),
    'V-STAN tuned': () => createSessionKnnModel(vstan),
  },
});
console.log(formatReplayReport(report));
