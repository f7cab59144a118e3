// Ranking quality and rating error on MovieLens-100k-shaped synthetic ratings (same protocol as
// the published MovieLens-100k references: per-user random 75/25 split, full ranking, k = 10).
import { ItemCatalog } from '@mycontent/core';
import { evaluateModels, evaluateRatings, splitRandomPerUser } from '@mycontent/core/eval';
import { generateSyntheticRatings } from '@mycontent/core/data';
import { createAlsModel, createBprModel, createEaseModel, createItemKnnModel, createPopularityModel, createSvdppModel } from '@mycontent/algorithms';
import { report } from '../lib';

const { ratings, items } = generateSyntheticRatings(undefined, { seed: 1 });
const split = splitRandomPerUser(ratings, { ratio: 0.75, seed: 42 });
const ranking = await evaluateModels({
  table: ratings,
  split,
  items,
  k: 10,
  models: {
    popular: () => createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY }),
    'itemknn (bm25)': () => createItemKnnModel({ similarity: 'bm25', recencyDecay: 1 }),
    als: () => createAlsModel(),
    bpr: () => createBprModel(),
    ease: () => createEaseModel(),
  },
});
const catalog = new ItemCatalog();
const svdpp = createSvdppModel();
await evaluateModels({ table: ratings, split, items, catalog, models: { svdpp }, k: 10, maxCases: 1 });
const errors = evaluateRatings(svdpp, ratings, split.test, catalog);
let mean = 0;
for (const r of split.train) mean += ratings.rating[r]!;
mean /= split.train.length;
let se = 0;
for (const r of split.test) se += (ratings.rating[r]! - mean) ** 2;
report({ protocol: ranking.protocol, results: ranking.results, svdpp: errors, meanBaselineRmse: Math.sqrt(se / split.test.length), ratings: ratings.length });
