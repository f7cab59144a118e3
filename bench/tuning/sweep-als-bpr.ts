import { type RecommenderModel } from '@mycontent/core';
import { evaluateModels, splitRandomPerUser } from '@mycontent/core/eval';
import { generateSyntheticRatings } from '@mycontent/core/data';
import { createAlsModel, createBprModel } from '@mycontent/algorithms';
const { ratings, items } = generateSyntheticRatings(undefined, { seed: 1 });
const split = splitRandomPerUser(ratings, { ratio: 0.75, seed: 42 });
const models: Record<string, () => RecommenderModel> = {};
for (const reg of [30, 60, 120, 250]) for (const alpha of [1, 2, 4]) for (const factors of [32, 64])
  models[`als f${factors} r${reg} a${alpha}`] = () => createAlsModel({ factors, regularization: reg, alpha, iterations: 15 });
for (const lr of [0.01, 0.02]) for (const reg of [0.02, 0.05, 0.1]) for (const epochs of [100, 200])
  models[`bpr lr${lr} r${reg} e${epochs}`] = () => createBprModel({ learningRate: lr, regularization: reg, epochs, factors: 64 });
const report = await evaluateModels({ table: ratings, split, items, k: 10, models });
for (const r of report.results.sort((a, b) => b.metrics.ndcg - a.metrics.ndcg)) console.log(r.model.padEnd(28), r.metrics.ndcg.toFixed(4), r.metrics.precision.toFixed(4), r.metrics.recall.toFixed(4), (r.fitMs/1000).toFixed(1));
