import { evaluateReplay, formatReplayReport, generateSyntheticNews } from '@mycontent/core';
import { createSequentialRulesModel, createSessionKnnModel, createRecentPopularityModel, createPopularityModel, createItemKnnModel } from '@mycontent/algorithms';
const scale = (process.argv[2] ?? 'demo') as 'demo';
const t = performance.now();
const news = generateSyntheticNews(scale, { seed: 42 });
console.error('generated', news.clicks.length, ((performance.now()-t)/1000).toFixed(1));
const report = await evaluateReplay({
  table: news.clicks, items: news.items, testRatio: 2 / news.config.days, maxCases: Number(process.argv[3] ?? 20000),
  models: {
    recent: () => createRecentPopularityModel(),
    trending: () => createPopularityModel({ halfLifeMs: 3_600_000, rerankIntervalMs: 0 }),
    sr: () => createSequentialRulesModel(),
    vsknn: () => createSessionKnnModel(),
    sknn: () => createSessionKnnModel({ variant: 'sknn' }),
    itemknn: () => createItemKnnModel({ similarity: 'bm25', recencyDecay: 1 }),
  },
  fallback: () => createRecentPopularityModel(),
  updates: [{ kind: 'frozen' }, { kind: 'retrain', everyMs: 3_600_000 }, { kind: 'online' }],
  onProgress: () => {},
});
console.log(formatReplayReport(report));
