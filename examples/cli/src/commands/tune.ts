import { writeFile } from 'node:fs/promises';
import { ItemCatalog, MyContentError, type Item } from '@mycontent/core';
import { selectTableRows, type InteractionTable } from '@mycontent/core/data';
import {
  evaluateModels,
  evaluateReplay,
  tuneHyperparameters,
  type Configuration,
  type EvaluationMetrics,
  type Trial,
  type TrainTestSplit,
} from '@mycontent/core/eval';
import { loadData } from '../data';
import { configurationParams, createModel, createRanking, tuningOf } from '../models';
import { REPLAY_FILL, integer, ratio } from '../options';
import { inputPath, outputFile } from '../paths';
import { progressBar } from '../progress';
import { parseTime, splitTable } from './evaluate';

/** Options of `tune`, as parsed. */
export interface TuneCommandOptions {
  data: string;
  format: string;
  model: string;
  protocol: 'full' | 'replay';
  metric: string;
  split?: string;
  ratio: string;
  testRatio?: string;
  validationRatio: string;
  at?: string;
  k: string;
  trials: string;
  budgetMinutes?: string;
  maxCases?: string;
  seed: string;
  out: string;
}

const RATING_METRICS = ['ndcg', 'hitRate', 'precision', 'recall', 'map', 'mrr'] as const;
const REPLAY_METRICS = ['ndcg', 'hitRate', 'mrr'] as const;

/** One measurement of the defaults and of the best configuration on a split. */
interface Comparison {
  description: string;
  defaults: number;
  best: number;
}

/**
 * `tune`: searches a model's hyper-parameters on a validation split carved from the training part
 * only, then measures the defaults and the best configuration on the held-back part it never saw,
 * and writes the best configuration to a JSON file that `recommend --config` and `evaluate --config` read.
 */
export async function tune(options: TuneCommandOptions, log: (line: string) => void): Promise<void> {
  const path = await inputPath('data', options.data);
  const out = await outputFile('out', options.out);
  const k = integer('k', options.k);
  const seed = integer('seed', options.seed, 0);
  const trials = integer('trials', options.trials);
  const maxCases = options.maxCases === undefined ? undefined : integer('max-cases', options.maxCases);
  const validationRatio = ratio('validation-ratio', options.validationRatio);
  const budgetMs = options.budgetMinutes === undefined ? undefined : positive('budget-minutes', options.budgetMinutes) * 60_000;
  const metrics: readonly string[] = options.protocol === 'replay' ? REPLAY_METRICS : RATING_METRICS;
  if (!metrics.includes(options.metric)) throw new MyContentError('INVALID_INPUT', `--metric must be one of ${metrics.join(', ')} for the ${options.protocol} protocol, got ${JSON.stringify(options.metric)}`, { source: 'cli', field: 'metric', value: options.metric });
  const metric = options.metric as (typeof RATING_METRICS)[number];
  const { space, defaults } = tuningOf(options.model);
  const at = options.at === undefined ? undefined : parseTime('at', options.at);
  if (options.protocol === 'replay') createRanking(options.model, [], seed, REPLAY_FILL);
  else createModel(options.model, [], seed); // a preset fails here, before any work

  const { table, items } = await loadData(path, options.format);
  log(`data: ${table.length.toLocaleString('en-US')} interactions, ${table.users.length.toLocaleString('en-US')} users, ${table.items.length.toLocaleString('en-US')} items`);

  // The held-back part is set aside first; trials only ever see the training part, split again.
  const carve = options.protocol === 'replay' ? replayParts(table, at, options.testRatio, validationRatio) : ratingParts(table, options, seed, validationRatio);
  log(`held back: ${carve.heldBack}; validation: ${carve.validation}`);
  const measure = (params: Configuration, where: 'validation' | 'heldBack') =>
    options.protocol === 'replay'
      ? replayScore(carve.tables[where], carve.replayAt[where], items, options.model, params, { k, seed, maxCases, metric })
      : ratingScore(carve.tables[where], carve.splits[where]!, items, options.model, params, { k, seed, maxCases, metric });

  const bar = progressBar('tune');
  const result = await tuneHyperparameters({
    space,
    defaults,
    trials,
    seed,
    ...(budgetMs === undefined ? {} : { budgetMs }),
    objective: (params) => measure(params, 'validation'),
    // A bar on a terminal; one line per trial, with its configuration, in a log.
    onTrial: (trial, best) =>
      process.stderr.isTTY
        ? bar.update({ phase: `trial ${trial.index + 1}: ${format(trial)}; best ${best ? best.score.toFixed(4) : '-'}`, done: trial.index + 1, total: trials })
        : log(`trial ${trial.index + 1}/${trials}: ${format(trial)} ${JSON.stringify(trial.params)}`),
  });
  bar.done();
  if (!result.best) throw new MyContentError('INVALID_INPUT', `every trial failed: ${result.trials[0]?.error ?? 'no trial ran'}`, { source: 'cli', field: 'model', value: options.model });
  const best = result.best;
  log(`best on validation: ${best.score.toFixed(4)} ${JSON.stringify(best.params)} (defaults ${result.defaults!.score.toFixed(4)}); measuring both on the held-back part`);

  const heldBack: Comparison = { description: carve.heldBack, defaults: await measure(defaults, 'heldBack'), best: await measure(best.params, 'heldBack') };
  const validation: Comparison = { description: carve.validation, defaults: result.defaults!.score, best: best.score };
  const report = {
    model: options.model,
    params: best.params,
    metric: `${metric}@${k}`,
    protocol: options.protocol,
    validation,
    heldBack,
    search: { trials: result.trials.length, stoppedBy: result.stoppedBy, seed, space },
    trials: result.trials,
  };
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`model ${options.model}, ${metric}@${k}            defaults    best`);
  console.log(`validation (tuned on)         ${validation.defaults.toFixed(4)}  ${validation.best.toFixed(4)}`);
  console.log(`held back (never tuned on)    ${heldBack.defaults.toFixed(4)}  ${heldBack.best.toFixed(4)}`);
  console.log(`best: ${configurationParams(best.params).join(' ')}`);
  log(`wrote ${options.out} (use it: recommend --config ${options.out})`);
}

function positive(option: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !(n > 0)) throw new MyContentError('INVALID_INPUT', `--${option} must be a positive number, got ${JSON.stringify(raw)}`, { source: 'cli', field: option, value: raw });
  return n;
}

function format(trial: Trial): string {
  return Number.isNaN(trial.score) ? `failed (${trial.error})` : `${trial.score.toFixed(4)} (${trial.origin})`;
}

interface Parts {
  heldBack: string;
  validation: string;
  tables: Record<'validation' | 'heldBack', InteractionTable>;
  splits: Partial<Record<'validation' | 'heldBack', TrainTestSplit>>;
  replayAt: Record<'validation' | 'heldBack', number>;
}

/** Rating data: the evaluation's split, then the same split again inside its training part. */
function ratingParts(table: InteractionTable, options: TuneCommandOptions, seed: number, validationRatio: number): Parts {
  const heldBack = splitTable(table, options, seed);
  const training = selectTableRows(table, heldBack.train);
  const validation = splitTable(training, { ...options, ratio: String(1 - validationRatio), testRatio: String(validationRatio) }, seed + 1);
  return {
    heldBack: `${heldBack.description}: train on ${heldBack.train.length.toLocaleString('en-US')}, test on ${heldBack.test.length.toLocaleString('en-US')}`,
    validation: `${validation.description} of the training part: train on ${validation.train.length.toLocaleString('en-US')}, validate on ${validation.test.length.toLocaleString('en-US')}`,
    tables: { heldBack: table, validation: training },
    splits: { heldBack, validation },
    replayAt: { heldBack: Number.NaN, validation: Number.NaN },
  };
}

/** A stream: the replay from `at` is held back; trials replay the last `validationRatio` of what came before. */
function replayParts(table: InteractionTable, at: number | undefined, testRatio: string | undefined, validationRatio: number): Parts {
  const times = Float64Array.from(table.timestamp).sort();
  const start = at ?? times[Math.min(times.length - 1, Math.floor(times.length * (1 - (testRatio === undefined ? 0.1 : ratio('test-ratio', testRatio)))))]!;
  const before: number[] = [];
  for (let r = 0; r < table.length; r++) if (table.timestamp[r]! < start) before.push(r);
  if (before.length === 0) throw new MyContentError('INVALID_INPUT', `nothing comes before ${new Date(start).toISOString()}: no training part to tune on`, { source: 'cli', field: 'at', value: start });
  const training = selectTableRows(table, before);
  const trainingTimes = Float64Array.from(training.timestamp).sort();
  const validationAt = trainingTimes[Math.min(trainingTimes.length - 1, Math.floor(trainingTimes.length * (1 - validationRatio)))]!;
  const iso = (t: number) => new Date(t).toISOString();
  return {
    heldBack: `replay from ${iso(start)} (${(table.length - before.length).toLocaleString('en-US')} events)`,
    validation: `replay from ${iso(validationAt)} to ${iso(start)}, within the training part`,
    tables: { heldBack: table, validation: training },
    splits: {},
    replayAt: { heldBack: start, validation: validationAt },
  };
}

type Measure = { k: number; seed: number; maxCases: number | undefined; metric: keyof EvaluationMetrics };

async function ratingScore(table: InteractionTable, split: TrainTestSplit, items: readonly Item[], model: string, params: Configuration, m: Measure): Promise<number> {
  const report = await evaluateModels({
    table,
    split,
    items,
    catalog: new ItemCatalog(),
    models: { [model]: createModel(model, configurationParams(params), m.seed) },
    k: m.k,
    seed: m.seed,
    ...(m.maxCases === undefined ? {} : { maxCases: m.maxCases }),
  });
  return report.results[0]!.metrics[m.metric];
}

async function replayScore(table: InteractionTable, at: number, items: readonly Item[], model: string, params: Configuration, m: Measure): Promise<number> {
  const report = await evaluateReplay({
    table,
    items,
    at,
    models: { [model]: () => createRanking(model, configurationParams(params), m.seed, REPLAY_FILL) },
    k: m.k,
    seed: m.seed,
    ...(m.maxCases === undefined ? {} : { maxCases: m.maxCases }),
  });
  const result = report.results[0]!;
  return m.metric === 'mrr' ? result.mrr : m.metric === 'hitRate' ? result.hitRate : result.ndcg;
}
