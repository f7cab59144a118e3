import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { MyContentError, type BlendNormalization, type RankingOptions, type RecommenderModel } from '@mycontent/core';
import type { Configuration, SearchSpace } from '@mycontent/core/eval';
import { fromInvocation } from './paths';
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
  createGru4RecModel,
  createSasRecModel,
  createNcfModel,
  createWideDeepScorer,
} from '@mycontent/algorithms';

type ParamType = 'number' | 'string' | 'boolean';
interface ModelSpec {
  description: string;
  params: Record<string, ParamType>;
  /** A model, or ranking options blending several (a preset). */
  create: (params: Record<string, unknown>, seed: number) => RecommenderModel | RankingOptions;
  /** What `tune` searches, and the values the model runs with when not told (the first trial). */
  tuning?: { space: SearchSpace; defaults: Configuration };
}

const HOUR = 3_600_000;

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
    tuning: { space: { similarity: { type: 'choice', values: ['bm25', 'cosine', 'cooccurrence'] }, neighbors: { type: 'int', min: 10, max: 500, log: true }, shrinkage: { type: 'float', min: 0, max: 100 } }, defaults: { similarity: 'bm25', neighbors: 100, shrinkage: 0 } },
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
    tuning: {
      space: {
        factors: { type: 'int', min: 16, max: 256, log: true },
        iterations: { type: 'int', min: 5, max: 30 },
        regularization: { type: 'float', min: 1, max: 1000, log: true },
        alpha: { type: 'float', min: 0.5, max: 50, log: true },
      },
      defaults: { factors: 64, iterations: 15, regularization: 100, alpha: 4 },
    },
  },
  bpr: {
    description: 'BPR matrix factorisation',
    params: { factors: 'number', epochs: 'number', learningRate: 'number', regularization: 'number', biasRegularization: 'number' },
    create: (p, seed) => createBprModel({ seed, ...p }),
    tuning: {
      space: {
        factors: { type: 'int', min: 16, max: 256, log: true },
        epochs: { type: 'int', min: 20, max: 300, log: true },
        learningRate: { type: 'float', min: 0.002, max: 0.1, log: true },
        regularization: { type: 'float', min: 0.0005, max: 0.1, log: true },
      },
      defaults: { factors: 64, epochs: 100, learningRate: 0.01, regularization: 0.02 },
    },
  },
  ease: {
    description: 'EASE closed-form item model (small catalogues)',
    params: { regularization: 'number', maxBytes: 'number', values: 'string' },
    create: (p) => createEaseModel(p),
    tuning: { space: { regularization: { type: 'float', min: 10, max: 5000, log: true } }, defaults: { regularization: 400 } },
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
    tuning: { space: { steps: { type: 'int', min: 1, max: 20 }, weighting: { type: 'choice', values: ['div', 'linear', 'same'] }, queryItems: { type: 'int', min: 1, max: 10 }, queryDecay: { type: 'float', min: 0.05, max: 1 } }, defaults: { steps: 10, weighting: 'div', queryItems: 3, queryDecay: 0.3 } },
  },
  vsknn: {
    description: 'V-SkNN, session neighbours weighted by recency (online)',
    params: { neighbors: 'number', sampleSize: 'number', maxSessions: 'number', queryItems: 'number', idf: 'boolean', sessionGapMs: 'number' },
    create: (p) => createSessionKnnModel({ variant: 'vsknn', ...p }),
    tuning: { space: { neighbors: { type: 'int', min: 20, max: 500, log: true }, sampleSize: { type: 'int', min: 100, max: 2000, log: true }, idf: { type: 'choice', values: [true, false] } }, defaults: { neighbors: 100, sampleSize: 500, idf: true } },
  },
  stan: {
    description: 'STAN, time-aware session neighbours: recent clicks, recent neighbours and nearby items count more (online)',
    params: { neighbors: 'number', sampleSize: 'number', maxSessions: 'number', queryItems: 'number', idf: 'boolean', sessionGapMs: 'number', queryDecay: 'number', neighbourAgeMs: 'number', positionDecay: 'number' },
    create: (p) => createSessionKnnModel({ variant: 'stan', ...p }),
    tuning: {
      space: {
        neighbors: { type: 'int', min: 20, max: 500, log: true },
        sampleSize: { type: 'int', min: 100, max: 2000, log: true },
        idf: { type: 'choice', values: [true, false] },
        queryDecay: { type: 'float', min: 0.5, max: 10, log: true },
        neighbourAgeMs: { type: 'float', min: 0.25 * HOUR, max: 48 * HOUR, log: true },
        positionDecay: { type: 'float', min: 0.5, max: 10, log: true },
      },
      defaults: { neighbors: 100, sampleSize: 500, idf: true, queryDecay: 2, neighbourAgeMs: 3 * HOUR, positionDecay: 2 },
    },
  },
  vstan: {
    description: 'V-STAN: STAN, plus the match position in the current session and IDF weighting (online)',
    params: { neighbors: 'number', sampleSize: 'number', maxSessions: 'number', queryItems: 'number', sessionGapMs: 'number', queryDecay: 'number', neighbourAgeMs: 'number', positionDecay: 'number', matchDecay: 'number', idfWeight: 'number' },
    create: (p) => createSessionKnnModel({ variant: 'vstan', ...p }),
    tuning: {
      space: {
        neighbors: { type: 'int', min: 20, max: 500, log: true },
        queryDecay: { type: 'float', min: 0.5, max: 10, log: true },
        neighbourAgeMs: { type: 'float', min: 0.25 * HOUR, max: 48 * HOUR, log: true },
        positionDecay: { type: 'float', min: 0.5, max: 10, log: true },
        matchDecay: { type: 'float', min: 0.5, max: 10, log: true },
        idfWeight: { type: 'float', min: 0, max: 5 },
      },
      defaults: { neighbors: 100, queryDecay: 2, neighbourAgeMs: 3 * HOUR, positionDecay: 2, matchDecay: 2, idfWeight: 1 },
    },
  },
  sknn: {
    description: 'S-kNN, session neighbours by cosine (online)',
    params: { neighbors: 'number', sampleSize: 'number', maxSessions: 'number', queryItems: 'number', idf: 'boolean', sessionGapMs: 'number' },
    create: (p) => createSessionKnnModel({ variant: 'sknn', ...p }),
  },
  news: {
    description: 'the news preset: V-STAN session neighbours 1 + item-kNN 0.25 + recent popularity 0.1, blended by rank (online)',
    params: { sessions: 'number', items: 'number', recent: 'number', windowMs: 'number', candidates: 'number', normalization: 'string', sessionVariant: 'string', learned: 'boolean', learningRate: 'number', negatives: 'number' },
    create: (p) =>
      newsPreset({
        weights: { ...(p.sessions === undefined ? {} : { sessions: p.sessions as number }), ...(p.items === undefined ? {} : { items: p.items as number }), ...(p.recent === undefined ? {} : { recent: p.recent as number }) },
        ...(p.windowMs === undefined ? {} : { windowMs: p.windowMs as number }),
        ...(p.candidates === undefined ? {} : { candidates: p.candidates as number }),
        ...(p.normalization === undefined ? {} : { normalization: p.normalization as BlendNormalization }),
        ...(p.sessionVariant === undefined ? {} : { sessions: { ...NEWS_SESSION_OPTIONS, variant: p.sessionVariant as 'sknn' | 'vsknn' | 'stan' | 'vstan' } }),
        ...(p.learned === true
          ? { learned: { ...(p.learningRate === undefined ? {} : { learningRate: p.learningRate as number }), ...(p.negatives === undefined ? {} : { negatives: p.negatives as number }) } }
          : {}),
      }),
    tuning: {
      space: {
        items: { type: 'float', min: 0, max: 1 },
        recent: { type: 'float', min: 0, max: 0.5 },
        windowMs: { type: 'float', min: 0.25 * HOUR, max: 6 * HOUR, log: true },
        candidates: { type: 'int', min: 20, max: 200, log: true },
      },
      defaults: { items: 0.25, recent: 0.1, windowMs: HOUR, candidates: 50 },
    },
  },
  widedeep: {
    description: 'the news preset, its candidates ranked by a Wide & Deep network learning online from the clicks on its lists',
    params: { layers: 'string', categoryDimensions: 'number', wideSize: 'number', learningRate: 'number', deepLearningRate: 'number', regularization: 'number', historyLength: 'number', loss: 'string' },
    create: (p, seed) => {
      const { loss, layers, ...scorer } = p;
      const units = layers === undefined ? undefined : String(layers).split(/[,x]/).map(Number);
      return newsPreset({
        learned: {
          seed,
          ...(loss === undefined ? {} : { loss: loss as 'softmax' | 'pairwise' }),
          scorer: createWideDeepScorer({ seed, ...scorer, ...(units ? { layers: units } : {}) }),
        },
      });
    },
    tuning: {
      space: {
        learningRate: { type: 'float', min: 0.005, max: 0.5, log: true },
        deepLearningRate: { type: 'float', min: 0.001, max: 0.5, log: true },
        categoryDimensions: { type: 'choice', values: [4, 8, 16] },
        historyLength: { type: 'int', min: 0, max: 50 },
      },
      defaults: { learningRate: 0.05, deepLearningRate: 0.05, categoryDimensions: 8, historyLength: 20 },
    },
  },
  ncf: {
    description: 'NCF (NeuMF: GMF + MLP) for implicit feedback (worker thread)',
    params: { gmfFactors: 'number', mlpFactors: 'number', negatives: 'number', epochs: 'number', batchSize: 'number', learningRate: 'number', weightDecay: 'number' },
    create: (p, seed) => createNcfModel({ seed, ...p }),
    tuning: {
      space: {
        gmfFactors: { type: 'int', min: 8, max: 128, log: true },
        mlpFactors: { type: 'int', min: 8, max: 128, log: true },
        negatives: { type: 'int', min: 1, max: 16 },
        epochs: { type: 'int', min: 5, max: 60 },
        learningRate: { type: 'float', min: 0.0002, max: 0.01, log: true },
      },
      defaults: { gmfFactors: 32, mlpFactors: 32, negatives: 4, epochs: 20, learningRate: 0.001 },
    },
  },
  gru4rec: {
    description: 'GRU4Rec, a recurrent network over the session (worker thread; fine-tuned online)',
    params: {
      hidden: 'number', embedding: 'number', batchSize: 'number', negatives: 'number', sampleAlpha: 'number', loss: 'string', bprMaxLambda: 'number',
      epochs: 'number', learningRate: 'number', maxLength: 'number', onlineLearningRate: 'number', onlineNegatives: 'number', itemTtlMs: 'number', trainingWindowMs: 'number', sessionGapMs: 'number',
    },
    create: (p, seed) => createGru4RecModel({ seed, ...p }),
    tuning: {
      space: {
        hidden: { type: 'int', min: 32, max: 256, log: true },
        negatives: { type: 'int', min: 32, max: 1024, log: true },
        sampleAlpha: { type: 'float', min: 0, max: 1 },
        loss: { type: 'choice', values: ['cross-entropy', 'bpr-max'] },
        epochs: { type: 'int', min: 1, max: 10 },
        learningRate: { type: 'float', min: 0.0005, max: 0.02, log: true },
        onlineLearningRate: { type: 'float', min: 0.001, max: 0.3, log: true },
      },
      defaults: { hidden: 100, negatives: 256, sampleAlpha: 0.5, loss: 'cross-entropy', epochs: 3, learningRate: 0.001, onlineLearningRate: 0.05 },
    },
  },
  sasrec: {
    description: 'SASRec, causal self-attention over the session (worker thread; fine-tuned online)',
    params: {
      dimensions: 'number', heads: 'number', blocks: 'number', batchSize: 'number', negatives: 'number', sampleAlpha: 'number', epochs: 'number', learningRate: 'number',
      maxLength: 'number', onlineLearningRate: 'number', onlineNegatives: 'number', itemTtlMs: 'number', trainingWindowMs: 'number', sessionGapMs: 'number',
    },
    create: (p, seed) => createSasRecModel({ seed, ...p }),
    tuning: {
      space: {
        dimensions: { type: 'choice', values: [32, 64, 128] },
        blocks: { type: 'int', min: 1, max: 3 },
        negatives: { type: 'int', min: 32, max: 1024, log: true },
        sampleAlpha: { type: 'float', min: 0, max: 1 },
        epochs: { type: 'int', min: 1, max: 10 },
        learningRate: { type: 'float', min: 0.0002, max: 0.01, log: true },
        onlineLearningRate: { type: 'float', min: 0.001, max: 0.3, log: true },
      },
      defaults: { dimensions: 64, blocks: 2, negatives: 256, sampleAlpha: 0.5, epochs: 3, learningRate: 0.001, onlineLearningRate: 0.01 },
    },
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

/** What `tune` searches for `name`, or an error naming the models it can tune. */
export function tuningOf(name: string): { space: SearchSpace; defaults: Configuration } {
  const spec = known(name);
  if (!spec.tuning) {
    const tunable = Object.entries(MODELS).filter(([, m]) => m.tuning).map(([n]) => n);
    fail(`model "${name}" has no search space (tunable: ${tunable.join(', ')})`, 'model', name);
  }
  return spec.tuning;
}

/** `key=value` parameters (`--param`) from a configuration, e.g. the best one `tune` found. */
export function configurationParams(params: Configuration): string[] {
  return Object.entries(params).map(([key, value]) => `${key}=${String(value)}`);
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

const configSchema = z.object({ model: z.string().min(1), params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])) });

/**
 * A configuration file, as `tune` writes it: `{"model": "als", "params": {"factors": 128, ...}}`
 * (other fields are kept for the reader). Returns the model and its parameters as `--param`
 * entries, checked against the model's parameters.
 */
export async function readConfiguration(path: string): Promise<{ model: string; params: string[] }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(fromInvocation(path), 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'FORMAT';
    throw new MyContentError(code, `--config ${path}: ${code === 'NOT_FOUND' ? 'no such file' : `not JSON (${(error as Error).message})`}`, { source: 'cli', field: 'config', value: path });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`--config ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, `config.${issue.path.join('.')}`, path);
  }
  const params = configurationParams(parsed.data.params);
  parseParams(parsed.data.model, params); // unknown models and parameters fail here, naming them
  return { model: parsed.data.model, params };
}

/**
 * Applies `--config FILE` to parsed options: its model (when `--model` / `--models` does not name
 * one) and its parameters, before those of `--param`, which win. A model given on the command line
 * that is not the file's is an error, as is a `--models` list without it.
 */
export async function withConfiguration<T extends { config?: string; param: string[]; model?: string; models?: string }>(options: T, field: 'model' | 'models'): Promise<T> {
  if (options.config === undefined) {
    if (field === 'model' && options.model === undefined) fail('recommend needs --model NAME or --config FILE', 'model', undefined);
    return options;
  }
  const { model, params } = await readConfiguration(options.config);
  const named = field === 'model' ? (options.model === undefined ? [] : [options.model]) : (options.models?.split(',').map((m) => m.trim()) ?? []);
  if (named.length > 0 && !named.includes(model)) fail(`--config ${options.config} configures "${model}", which --${field} ${named.join(',')} does not name`, field, named.join(','));
  return { ...options, [field]: named.length > 0 ? named.join(',') : model, param: [...params.map((p) => `${model}.${p}`), ...options.param] };
}
