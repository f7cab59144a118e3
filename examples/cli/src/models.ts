import { MyContentError, type BlendNormalization, type RankingOptions, type RecommenderModel } from '@mycontent/core';
import {
  createAlsModel,
  createBprModel,
  createEaseModel,
  NEWS_SESSION_OPTIONS,
  newsPreset,
  createItemKnnModel,
  createPopularityModel,
  createRecentPopularityModel,
  createSequentialRulesModel,
  createSessionKnnModel,
  createSvdppModel,
} from '@mycontent/algorithms';

type ParamType = 'number' | 'string' | 'boolean';
interface ModelSpec {
  description: string;
  params: Record<string, ParamType>;
  /** A model, or ranking options blending several (a preset). */
  create: (params: Record<string, unknown>, seed: number) => RecommenderModel | RankingOptions;
}

/** Every model the CLI knows, by name, with the parameters `--param key=value` accepts. */
export const MODELS: Record<string, ModelSpec> = {
  popular: {
    description: 'all-time popularity (the baseline)',
    params: { halfLifeMs: 'number' },
    create: (p) => createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY, ...p }),
  },
  trending: {
    description: 'time-decayed popularity (half-life 6 h)',
    params: { halfLifeMs: 'number' },
    create: (p) => createPopularityModel(p),
  },
  itemknn: {
    description: 'item-kNN, BM25-weighted',
    params: { similarity: 'string', neighbors: 'number', context: 'string', window: 'number', shrinkage: 'number', recencyDecay: 'number' },
    create: (p) => createItemKnnModel({ similarity: 'bm25', recencyDecay: 1, ...p }),
  },
  cooccurrence: {
    description: 'item-kNN with raw co-occurrence counts ("also read")',
    params: { neighbors: 'number', context: 'string', window: 'number', recencyDecay: 'number' },
    create: (p) => createItemKnnModel({ similarity: 'cooccurrence', ...p }),
  },
  als: {
    description: 'implicit ALS (conjugate gradient, worker threads)',
    params: { factors: 'number', iterations: 'number', regularization: 'number', alpha: 'number', cgSteps: 'number', workers: 'number', foldIn: 'string' },
    create: (p, seed) => createAlsModel({ seed, ...p }),
  },
  bpr: {
    description: 'BPR matrix factorisation',
    params: { factors: 'number', epochs: 'number', learningRate: 'number', regularization: 'number', biasRegularization: 'number' },
    create: (p, seed) => createBprModel({ seed, ...p }),
  },
  ease: {
    description: 'EASE closed-form item model (small catalogues)',
    params: { regularization: 'number', maxBytes: 'number', values: 'string' },
    create: (p) => createEaseModel(p),
  },
  recent: {
    description: 'most read in the last hour (sliding window, online)',
    params: { windowMs: 'number', shape: 'string' },
    create: (p) => createRecentPopularityModel(p),
  },
  sr: {
    description: 'sequential rules over sessions (online)',
    params: { steps: 'number', weighting: 'string', queryItems: 'number', queryDecay: 'number', maxRulesPerItem: 'number', itemTtlMs: 'number', sessionGapMs: 'number' },
    create: (p) => createSequentialRulesModel(p),
  },
  vsknn: {
    description: 'V-SkNN, session neighbours weighted by recency (online)',
    params: { neighbors: 'number', sampleSize: 'number', maxSessions: 'number', queryItems: 'number', idf: 'boolean', sessionGapMs: 'number' },
    create: (p) => createSessionKnnModel({ variant: 'vsknn', ...p }),
  },
  stan: {
    description: 'STAN, time-aware session neighbours: recent clicks, recent neighbours and nearby items count more (online)',
    params: { neighbors: 'number', sampleSize: 'number', maxSessions: 'number', queryItems: 'number', idf: 'boolean', sessionGapMs: 'number', queryDecay: 'number', neighbourAgeMs: 'number', positionDecay: 'number' },
    create: (p) => createSessionKnnModel({ variant: 'stan', ...p }),
  },
  sknn: {
    description: 'S-kNN, session neighbours by cosine (online)',
    params: { neighbors: 'number', sampleSize: 'number', maxSessions: 'number', queryItems: 'number', idf: 'boolean', sessionGapMs: 'number' },
    create: (p) => createSessionKnnModel({ variant: 'sknn', ...p }),
  },
  news: {
    description: 'the news preset: STAN session neighbours 1 + item-kNN 0.25 + recent popularity 0.1, blended by rank (online)',
    params: { sessions: 'number', items: 'number', recent: 'number', windowMs: 'number', candidates: 'number', normalization: 'string', sessionVariant: 'string' },
    create: (p) =>
      newsPreset({
        weights: { ...(p.sessions === undefined ? {} : { sessions: p.sessions as number }), ...(p.items === undefined ? {} : { items: p.items as number }), ...(p.recent === undefined ? {} : { recent: p.recent as number }) },
        ...(p.windowMs === undefined ? {} : { windowMs: p.windowMs as number }),
        ...(p.candidates === undefined ? {} : { candidates: p.candidates as number }),
        ...(p.normalization === undefined ? {} : { normalization: p.normalization as BlendNormalization }),
        ...(p.sessionVariant === undefined ? {} : { sessions: { ...NEWS_SESSION_OPTIONS, variant: p.sessionVariant as 'sknn' | 'vsknn' | 'stan' } }),
      }),
  },
  svdpp: {
    description: 'SVD++ for explicit ratings',
    params: { factors: 'number', epochs: 'number', learningRate: 'number', regularization: 'number', initStd: 'number' },
    create: (p, seed) => createSvdppModel({ seed, ...p }),
  },
};

function fail(message: string, field: string, value: unknown): never {
  throw new MyContentError('INVALID_INPUT', message, { source: 'cli', field, value });
}

/**
 * Parses `--param` values (`key=value` for the single model, or `model.key=value`) for `model`.
 * Unknown keys and ill-typed values are errors naming the key.
 */
export function parseParams(model: string, raw: readonly string[]): Record<string, unknown> {
  const spec = known(model);
  const out: Record<string, unknown> = {};
  for (const entry of raw) {
    const eq = entry.indexOf('=');
    if (eq <= 0) fail(`--param ${JSON.stringify(entry)} must look like key=value`, 'param', entry);
    let key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    const dot = key.indexOf('.');
    if (dot > 0) {
      if (key.slice(0, dot) !== model) continue;
      key = key.slice(dot + 1);
    }
    const type = Object.prototype.hasOwnProperty.call(spec.params, key) ? spec.params[key] : undefined;
    if (!type) fail(`model "${model}" has no parameter "${key}" (parameters: ${Object.keys(spec.params).join(', ') || 'none'})`, 'param', key);
    if (type === 'number') {
      const n = value === 'Infinity' ? Number.POSITIVE_INFINITY : Number(value);
      if (value.trim() === '' || Number.isNaN(n)) fail(`--param ${key}=${value}: not a number`, key, value);
      out[key] = n;
    } else if (type === 'boolean') {
      if (value !== 'true' && value !== 'false') fail(`--param ${key}=${value}: expected true or false`, key, value);
      out[key] = value === 'true';
    } else out[key] = value;
  }
  return out;
}

const isModel = (x: RecommenderModel | RankingOptions): x is RecommenderModel => typeof (x as RecommenderModel).fit === 'function';

function known(name: string): ModelSpec {
  if (!Object.prototype.hasOwnProperty.call(MODELS, name)) fail(`unknown model "${name}" (models: ${Object.keys(MODELS).join(', ')})`, 'model', name);
  return MODELS[name]!;
}

/** A fresh model by CLI name (for the rating evaluation, which scores one model at a time). */
export function createModel(name: string, params: readonly string[], seed: number): RecommenderModel {
  const created = known(name).create(parseParams(name, params), seed);
  if (!isModel(created)) fail(`"${name}" blends several models: evaluate it with --protocol replay`, 'model', name);
  return created;
}

/**
 * The ranking options the engine would serve `name` with, completed by fill models (weight 0)
 * that complete short lists in order, e.g. `{ 'fallback:recent': 'recent' }`. The user's whole
 * history is given to the models and every item they saw is excluded, whatever its length.
 */
export function createRanking(name: string, params: readonly string[], seed: number, fill: Record<string, string>): RankingOptions {
  const created = known(name).create(parseParams(name, params), seed);
  const ranking: RankingOptions = isModel(created) ? { models: { [name]: created } } : created;
  const blend = ranking.blend ?? Object.fromEntries(Object.keys(ranking.models).map((n) => [n, 1]));
  const extra = Object.fromEntries(Object.entries(fill).map(([label, model]) => [label, MODELS[model]!.create({}, seed) as RecommenderModel]));
  const unblended = Object.fromEntries(Object.keys(fill).map((label) => [label, 0]));
  return { ...ranking, models: { ...ranking.models, ...extra }, blend: { ...blend, ...unblended }, fill: Object.keys(fill), historyLength: 10_000, seenWindow: 1_000_000 };
}
