// The news preset with its session source swapped: STAN (the preset's source until V-STAN), or
// V-STAN with the options a `tune --model vstan` run chose, and the preset as shipped, replayed on
// real clicks from a window.
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
    'news (STAN)': () => newsPreset({ sessions: { variant: 'stan', idf: false, neighbors: 200, queryDecay: 2, neighbourAgeMs: 3 * 3_600_000, positionDecay: 2 } }),
    'news (V-STAN tuned)': () => newsPreset({ sessions: vstan }),
    news: () => newsPreset(),
    'V-STAN tuned': () => createSessionKnnModel(vstan),
  },
});
console.log(formatReplayReport(report));
