import { formatTable } from './table';
import { ItemCatalog } from '../catalog/catalog';
import type { InteractionTable } from '../data/interaction-table';
import { tableToDataset } from '../data/interaction-table';
import { createRandom } from '../data/random';
import type { Item } from '../domain/schemas';
import { MyContentError } from '../errors/error';
import type { Progress, RecommenderModel } from '../model/contract';
import { POSITIVE_TYPE_CODES, type InteractionDataset } from '../model/dataset';
import {
  auc,
  averagePrecisionAtK,
  hitRateAtK,
  intraListDiversity,
  ndcgAtK,
  novelty,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
  serendipityAtK,
} from './metrics';
import type { SessionSplit, TrainTestSplit } from './split';

/**
 * How candidates are ranked. `full`: every catalogue item the user has not interacted with in
 * training (the default, and the only protocol comparable to published full-ranking numbers).
 * `sampled`: each relevant item is ranked against `negatives` random items the user never
 * interacted with. Numbers under different protocols are not comparable; every report states its own.
 */
export type EvaluationProtocol = { kind: 'full' } | { kind: 'sampled'; negatives?: number };

/** The metrics of one model, averaged over cases (coverage over all lists). */
export interface EvaluationMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  mrr: number;
  hitRate: number;
  /** Mean per-case AUC against up to 1,000 sampled negatives (NaN when the model cannot score). */
  auc: number;
  /** Share of the catalogue recommended to at least one case. */
  coverage: number;
  /** Share of the categories recommended to at least one case. */
  categoryCoverage: number;
  /** Mean share of item pairs within a list that have different categories (NaN without categories). */
  diversity: number;
  /** Mean self-information (bits) of recommended items. */
  novelty: number;
  /** Share of the list that is relevant and not among the k most popular items. */
  serendipity: number;
}

/** One model's result. */
export interface ModelEvaluation {
  model: string;
  metrics: EvaluationMetrics;
  /** Training time, ms. */
  fitMs: number;
  /** Time to produce every list, ms. */
  recommendMs: number;
  cases: number;
}

/** What {@link evaluateModels} returns. */
export interface EvaluationReport {
  /** Human-readable protocol: split, ranking protocol, k, case count. */
  protocol: string;
  split: string;
  ranking: EvaluationProtocol;
  k: number;
  cases: number;
  trainInteractions: number;
  catalogItems: number;
  results: ModelEvaluation[];
}

/** Options of {@link evaluateModels}. */
export interface EvaluateOptions {
  table: InteractionTable;
  split: TrainTestSplit | SessionSplit;
  /** Models by name, or factories (a fresh model per evaluation). */
  models: Record<string, RecommenderModel | (() => RecommenderModel)>;
  /** Cut-off. @default 10 */
  k?: number;
  /** @default { kind: 'full' } */
  protocol?: EvaluationProtocol;
  /**
   * Models already trained (restored from a registry, bound to `catalog`): evaluated as they are,
   * not fit on the split's training rows (their `fitMs` is 0).
   */
  pretrained?: readonly string[];
  /** Item metadata (categories for coverage and diversity, and the catalogue size). */
  items?: readonly Item[];
  /** The catalogue to index items with (e.g. to score the trained models afterwards). @default a new one */
  catalog?: ItemCatalog;
  /** Evaluate at most this many cases (a seeded sample). */
  maxCases?: number;
  /** Seed of every sampled step. @default 42 */
  seed?: number;
  onProgress?: (progress: Progress) => void;
}

interface Case {
  userId: string;
  history: Int32Array;
  historyWeights: Float32Array;
  relevant: Set<number>;
  excluded: Int32Array;
}

function isSessionSplit(split: TrainTestSplit | SessionSplit): split is SessionSplit {
  return 'cases' in split;
}

function buildCases(table: InteractionTable, split: TrainTestSplit | SessionSplit, catalog: ItemCatalog, train: InteractionDataset): Case[] {
  const itemOf = (row: number) => catalog.ensure(table.items[table.item[row]!]!);
  const positive = (row: number) => POSITIVE_TYPE_CODES[table.type[row]!]!;
  if (isSessionSplit(split)) {
    return split.cases.map((c) => {
      const history = Int32Array.from(c.prefix, itemOf);
      return {
        userId: table.users[table.user[c.target]!]!,
        history,
        historyWeights: new Float32Array(history.length).fill(1),
        relevant: new Set([itemOf(c.target)]),
        excluded: history,
      };
    });
  }
  // Training history per user (positive signals, time order) and exclusions (everything seen).
  const byUser = new Map<string, { items: number[]; weights: number[]; times: number[]; seen: Set<number> }>();
  for (let r = 0; r < train.length; r++) {
    const userId = train.users[train.user[r]!]!;
    let entry = byUser.get(userId);
    if (!entry) byUser.set(userId, (entry = { items: [], weights: [], times: [], seen: new Set() }));
    entry.seen.add(train.item[r]!);
    if (train.weight[r]! > 0) {
      entry.items.push(train.item[r]!);
      entry.weights.push(train.weight[r]!);
      entry.times.push(train.timestamp[r]!);
    }
  }
  const relevantByUser = new Map<string, Set<number>>();
  for (const row of split.test) {
    if (!positive(row)) continue;
    const userId = table.users[table.user[row]!]!;
    let set = relevantByUser.get(userId);
    if (!set) relevantByUser.set(userId, (set = new Set()));
    set.add(itemOf(row));
  }
  const cases: Case[] = [];
  for (const [userId, relevant] of relevantByUser) {
    const entry = byUser.get(userId);
    if (entry) for (const seen of entry.seen) relevant.delete(seen);
    if (relevant.size === 0) continue;
    const order = entry ? entry.items.map((_, i) => i).sort((a, b) => entry.times[a]! - entry.times[b]! || a - b) : [];
    cases.push({
      userId,
      history: Int32Array.from(order, (i) => entry!.items[i]!),
      historyWeights: Float32Array.from(order, (i) => entry!.weights[i]!),
      relevant,
      excluded: entry ? Int32Array.from(entry.seen) : new Int32Array(0),
    });
  }
  return cases;
}

/**
 * Trains each model on the split's training rows, and measures every metric on
 * the test cases under one stated protocol. Cases: one per test user (relevant = their test
 * items not seen in training; history = their training items) for user splits, one per next
 * click for session splits. Items the user saw in training (or earlier in the session) are never
 * candidates.
 *
 * @example
 * ```ts
 * const report = await evaluateModels({
 *   table, split: splitRandomPerUser(table, { seed: 42 }),
 *   models: { popular: () => createPopularityModel(), knn: () => createItemKnnModel() },
 *   k: 10,
 * });
 * console.log(formatEvaluationReport(report));
 * ```
 */
export async function evaluateModels(options: EvaluateOptions): Promise<EvaluationReport> {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) {
    throw new MyContentError('INVALID_INPUT', `k must be a positive integer, got ${k}`, { source: 'evaluate', field: 'k', value: k });
  }
  const protocol = options.protocol ?? { kind: 'full' };
  const negatives = protocol.kind === 'sampled' ? (protocol.negatives ?? 100) : 0;
  const seed = options.seed ?? 42;
  const progress = options.onProgress ?? (() => {});
  const { table, split } = options;
  if (split.train.length === 0) {
    throw new MyContentError('INVALID_INPUT', 'the training set is empty', { source: 'evaluate', field: 'split.train', value: 0 });
  }
  const catalog = options.catalog ?? new ItemCatalog();
  for (const item of options.items ?? []) catalog.upsert(item);
  for (const id of table.items) if (catalog.indexOf(id) < 0) catalog.upsert({ id, createdAt: 0 });
  const train = tableToDataset(table, catalog, { rows: split.train });
  let cases = buildCases(table, split, catalog, train);
  if (options.maxCases !== undefined && cases.length > options.maxCases) {
    const rng = createRandom(seed);
    const picked = cases.map((c, i) => ({ c, r: rng.next(), i })).sort((a, b) => a.r - b.r || a.i - b.i);
    cases = picked.slice(0, options.maxCases).sort((a, b) => a.i - b.i).map((p) => p.c);
  }
  if (cases.length === 0) {
    throw new MyContentError('INVALID_INPUT', 'the split leaves no test case (no test interaction of a user or session)', {
      source: 'evaluate',
      field: 'split.test',
      value: split.test.length,
    });
  }
  // Training statistics: distinct users per item (novelty), the k most popular (serendipity).
  const usersPerItem = new Float64Array(catalog.size);
  {
    const seenPair = new Set<number>();
    for (let r = 0; r < train.length; r++) {
      const key = train.user[r]! * catalog.size + train.item[r]!;
      if (!seenPair.has(key)) {
        seenPair.add(key);
        usersPerItem[train.item[r]!]!++;
      }
    }
  }
  const trainedItems = Int32Array.from({ length: catalog.size }, (_, i) => i).filter((i) => usersPerItem[i]! > 0);
  const popular = new Set(Array.from(trainedItems).sort((a, b) => usersPerItem[b]! - usersPerItem[a]! || a - b).slice(0, k));
  const categories = catalog.categories.length;
  const categoryOf = catalog.category;
  const mark = new Int32Array(catalog.size);
  let stamp = 0;

  const results: ModelEvaluation[] = [];
  const names = Object.keys(options.models);
  for (const name of names) {
    const entry = options.models[name]!;
    const model = typeof entry === 'function' ? entry() : entry;
    const t0 = performance.now();
    if (!options.pretrained?.includes(name)) await model.fit(train, { onProgress: (p) => progress({ ...p, phase: `${name}: ${p.phase}` }) });
    const fitMs = performance.now() - t0;
    const rng = createRandom(seed);
    const sums = { precision: 0, recall: 0, ndcg: 0, map: 0, mrr: 0, hitRate: 0, auc: 0, diversity: 0, novelty: 0, serendipity: 0 };
    let aucCases = 0;
    const recommended = new Set<number>();
    const recommendedCategories = new Set<number>();
    let recommendMs = 0;
    for (let c = 0; c < cases.length; c++) {
      const kase = cases[c]!;
      stamp++;
      for (const i of kase.excluded) mark[i] = stamp;
      const token = stamp;
      const query = { userId: kase.userId, history: kase.history, historyWeights: kase.historyWeights };
      let list: Int32Array;
      const s = performance.now();
      if (protocol.kind === 'full') {
        list = (await model.recommend({ ...query, k, filter: (i) => i < mark.length && mark[i] !== token })).items;
      } else {
        const candidates = new Set<number>(kase.relevant);
        for (let tries = 0; candidates.size < kase.relevant.size + negatives && tries < negatives * 20; tries++) {
          const i = trainedItems[rng.int(trainedItems.length)]!;
          if (mark[i] !== token && !kase.relevant.has(i)) candidates.add(i);
        }
        const ids = Int32Array.from(candidates);
        if (model.score) {
          const scores = model.score(query, ids);
          const order = Array.from(ids.keys()).sort((a, b) => scores[b]! - scores[a]! || ids[a]! - ids[b]!);
          list = Int32Array.from(order.slice(0, k), (o) => ids[o]!);
        } else {
          list = (await model.recommend({ ...query, k, filter: (i) => candidates.has(i) })).items;
        }
      }
      recommendMs += performance.now() - s;
      sums.precision += precisionAtK(list, kase.relevant, k);
      sums.recall += recallAtK(list, kase.relevant, k);
      sums.ndcg += ndcgAtK(list, kase.relevant, k);
      sums.map += averagePrecisionAtK(list, kase.relevant, k);
      sums.mrr += reciprocalRankAtK(list, kase.relevant, k);
      sums.hitRate += hitRateAtK(list, kase.relevant, k);
      sums.diversity += intraListDiversity(list, (a, b) => (categoryOf[a]! >= 0 && categoryOf[a] === categoryOf[b] ? 0 : 1));
      sums.novelty += novelty(list, usersPerItem, train.users.length);
      sums.serendipity += serendipityAtK(list, kase.relevant, popular, k);
      for (const i of list) {
        recommended.add(i);
        if (categoryOf[i]! >= 0) recommendedCategories.add(categoryOf[i]!);
      }
      if (model.score) {
        const negativesForAuc: number[] = [];
        const wanted = Math.min(1000, trainedItems.length);
        for (let tries = 0; negativesForAuc.length < wanted && tries < wanted * 3; tries++) {
          const i = trainedItems[rng.int(trainedItems.length)]!;
          if (mark[i] !== token && !kase.relevant.has(i)) negativesForAuc.push(i);
        }
        const positives = Int32Array.from(kase.relevant);
        const value = auc(model.score(query, positives), model.score(query, Int32Array.from(negativesForAuc)));
        if (!Number.isNaN(value)) {
          sums.auc += value;
          aucCases++;
        }
      }
      if ((c & 255) === 0) progress({ phase: `${name}: evaluating`, done: c, total: cases.length });
    }
    const n = cases.length;
    results.push({
      model: name,
      fitMs,
      recommendMs,
      cases: n,
      metrics: {
        precision: sums.precision / n,
        recall: sums.recall / n,
        ndcg: sums.ndcg / n,
        map: sums.map / n,
        mrr: sums.mrr / n,
        hitRate: sums.hitRate / n,
        auc: aucCases > 0 ? sums.auc / aucCases : Number.NaN,
        coverage: recommended.size / Math.max(1, trainedItems.length),
        categoryCoverage: categories > 0 ? recommendedCategories.size / categories : Number.NaN,
        diversity: categories > 0 ? sums.diversity / n : Number.NaN,
        novelty: sums.novelty / n,
        serendipity: sums.serendipity / n,
      },
    });
    progress({ phase: `${name}: evaluating`, done: n, total: n });
  }
  const ranking = protocol.kind === 'full' ? 'full-catalogue ranking' : `sampled ranking (each relevant item vs ${negatives} random negatives)`;
  return {
    protocol: `${split.description}; ${ranking}; k = ${k}; ${cases.length.toLocaleString('en-US')} ${isSessionSplit(split) ? 'next-click cases' : 'test users'}; items seen in training excluded`,
    split: split.description,
    ranking: protocol,
    k,
    cases: cases.length,
    trainInteractions: train.length,
    catalogItems: trainedItems.length,
    results,
  };
}

/** Root-mean-square and mean absolute error of predicted ratings. */
export interface RatingErrors {
  rmse: number;
  mae: number;
  predictions: number;
}

/**
 * Rating prediction error on the test rows that carry a rating: the model's `score` for the
 * (user, item) pairs, against the true values. The model must predict ratings (e.g. SVD++).
 */
export function evaluateRatings(model: RecommenderModel, table: InteractionTable, test: Int32Array, catalog: ItemCatalog): RatingErrors {
  if (!model.score) {
    throw new MyContentError('UNSUPPORTED', `model "${model.kind}" cannot score items`, { source: 'evaluate', field: 'model', value: model.kind });
  }
  const byUser = new Map<string, number[]>();
  for (const row of test) {
    if (Number.isNaN(table.rating[row]!)) continue;
    const userId = table.users[table.user[row]!]!;
    let rows = byUser.get(userId);
    if (!rows) byUser.set(userId, (rows = []));
    rows.push(row);
  }
  let se = 0;
  let ae = 0;
  let n = 0;
  for (const [userId, rows] of byUser) {
    const items = Int32Array.from(rows, (r) => catalog.ensure(table.items[table.item[r]!]!));
    const predicted = model.score({ userId, history: new Int32Array(0) }, items);
    rows.forEach((row, i) => {
      const error = predicted[i]! - table.rating[row]!;
      se += error * error;
      ae += Math.abs(error);
      n++;
    });
  }
  return { rmse: Math.sqrt(se / Math.max(1, n)), mae: ae / Math.max(1, n), predictions: n };
}

/** A report as a plain-text table, protocol first. */
export function formatEvaluationReport(report: EvaluationReport): string {
  const k = report.k;
  const header = ['model', `P@${k}`, `R@${k}`, `nDCG@${k}`, `MAP@${k}`, `MRR@${k}`, `HR@${k}`, 'AUC', 'cov', 'cat-cov', 'ILD', 'novelty', 'seren.', 'fit', 'recs/s'];
  const rows = report.results.map((r) => {
    const m = r.metrics;
    const f = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(4));
    return [
      r.model,
      f(m.precision),
      f(m.recall),
      f(m.ndcg),
      f(m.map),
      f(m.mrr),
      f(m.hitRate),
      f(m.auc),
      f(m.coverage),
      f(m.categoryCoverage),
      f(m.diversity),
      m.novelty.toFixed(2),
      f(m.serendipity),
      `${(r.fitMs / 1000).toFixed(2)}s`,
      Math.round(r.cases / Math.max(1e-9, r.recommendMs / 1000)).toLocaleString('en-US'),
    ];
  });
  return [`Protocol: ${report.protocol}`, ...formatTable(header, rows)].join('\n');
}
