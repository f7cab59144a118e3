// Sweep of the `news` preset's sources and weights under replay (synthetic news, full scale by default).
//   node --conditions=@mycontent/source --import tsx bench/tuning/sweep-news-hybrid.ts [scale] [maxCases]
import { type RankingOptions, type RecommenderModel } from '@mycontent/core';
import { evaluateReplay, formatReplayReport } from '@mycontent/core/eval';
import { generateSyntheticNews, type SyntheticScale } from '@mycontent/core/data';
import { createItemKnnModel, createRecentPopularityModel, createSessionKnnModel } from '@mycontent/algorithms';

const scale = (process.argv[2] ?? 'full') as SyntheticScale;
const news = generateSyntheticNews(scale, { seed: 42 });
const knn = () => createItemKnnModel({ similarity: 'cosine', recencyDecay: 0.3 });
// A blend is ranking options: the models, their weights, candidates asked from each.
const hybrid = (sources: Record<string, [() => RecommenderModel, number]>, normalization: 'rank' | 'minmax' = 'rank') => (): RankingOptions => ({
  models: Object.fromEntries(Object.entries(sources).map(([name, [create]]) => [name, create()])),
  blend: Object.fromEntries(Object.entries(sources).map(([name, [, weight]]) => [name, weight])),
  blendNormalization: normalization,
  candidates: 50,
});
const report = await evaluateReplay({
  table: news.clicks,
  items: news.items,
  testRatio: 2 / news.config.days,
  maxCases: Number(process.argv[3] ?? 20_000),
  fallback: () => createRecentPopularityModel(),
  models: {
    'sknn.5 knn.5 recent.1': hybrid({ s: [() => createSessionKnnModel({ variant: 'sknn' }), 0.5], k: [knn, 0.5], r: [() => createRecentPopularityModel(), 0.1] }),
    'sknn.5 knn.5 recent.1 minmax': hybrid({ s: [() => createSessionKnnModel({ variant: 'sknn' }), 0.5], k: [knn, 0.5], r: [() => createRecentPopularityModel(), 0.1] }, 'minmax'),
    'sknn.6 knn.4 recent.1': hybrid({ s: [() => createSessionKnnModel({ variant: 'sknn' }), 0.6], k: [knn, 0.4], r: [() => createRecentPopularityModel(), 0.1] }),
    'sknn.5 knn.5 recent.05': hybrid({ s: [() => createSessionKnnModel({ variant: 'sknn' }), 0.5], k: [knn, 0.5], r: [() => createRecentPopularityModel(), 0.05] }),
    'sknn.5 knn(d.5).5 recent.1': hybrid({ s: [() => createSessionKnnModel({ variant: 'sknn' }), 0.5], k: [() => createItemKnnModel({ similarity: 'cosine', recencyDecay: 0.5 }), 0.5], r: [() => createRecentPopularityModel(), 0.1] }),
  },
});
console.log(formatReplayReport(report));
