import { writeFile } from 'node:fs/promises';
import { ItemCatalog, MyContentError, isMyContentError } from '@mycontent/core';
import {
  evaluateModels,
  evaluateRatings,
  evaluateReplay,
  formatEvaluationReport,
  formatReplayReport,
  splitLeaveLastOut,
  splitRandomPerUser,
  splitSessionNextClick,
  splitTemporal,
  type EvaluationReport,
  type TrainTestSplit,
} from '@mycontent/core/eval';
import type { InteractionTable } from '@mycontent/core/data';
import { loadData } from '../data';
import { createModel, createRanking } from '../models';
import { REPLAY_FILL, integer, ratio, updates } from '../options';
import { inputPath, outputFile } from '../paths';
import { progressBar } from '../progress';

/** Options of `evaluate`, as parsed. */
export interface EvaluateOptions {
  data: string;
  format: string;
  models?: string;
  split?: string;
  ratio: string;
  testRatio?: string;
  k: string;
  protocol: 'full' | 'sampled' | 'replay';
  negatives: string;
  maxCases?: string;
  seed: string;
  param: string[];
  json: string;
  updates: string;
  retrainEvery: string;
  at?: string;
}

/** The split `evaluate` (and `tune`, for its held-back part) makes: `--split`, or the format's usual one. */
export function splitTable(table: InteractionTable, options: { format: string; split?: string; ratio: string; testRatio?: string }, seed: number): TrainTestSplit {
  const splitName = options.split ?? (options.format === 'movielens' ? 'random' : options.format === 'globo' ? 'session' : 'temporal');
  const testRatio = options.testRatio === undefined ? undefined : ratio('test-ratio', options.testRatio);
  return splitName === 'random'
    ? splitRandomPerUser(table, { ratio: ratio('ratio', options.ratio), seed })
    : splitName === 'temporal'
      ? splitTemporal(table, testRatio === undefined ? {} : { testRatio })
      : splitName === 'leave-last-out'
        ? splitLeaveLastOut(table)
        : splitSessionNextClick(table, testRatio === undefined ? {} : { testRatio });
}

/** A time option: ISO-8601 or epoch ms. */
export function parseTime(option: string, raw: string): number {
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t)) throw new MyContentError('INVALID_INPUT', `--${option} must be an ISO-8601 time or epoch ms, got ${JSON.stringify(raw)}`, { source: 'cli', field: option, value: raw });
  return t;
}

/** `evaluate`: the offline evaluation with a stated protocol (rating splits, or the replay for news). */
export async function evaluate(options: EvaluateOptions, log: (line: string) => void): Promise<void> {
  const path = await inputPath('data', options.data);
  const json = await outputFile('json', options.json);
  const k = integer('k', options.k);
  const seed = integer('seed', options.seed, 0);
  const maxCases = options.maxCases === undefined ? undefined : integer('max-cases', options.maxCases);
  const testRatio = options.testRatio === undefined ? undefined : ratio('test-ratio', options.testRatio);
  if (options.protocol === 'replay') return evaluateWithReplay(options, { path, json, k, seed, maxCases, testRatio }, log);

  const format = options.format;
  const names = (options.models ?? (format === 'movielens' ? 'popular,itemknn,als,bpr,ease,svdpp' : 'popular,trending,itemknn,als')).split(',').map((m) => m.trim());
  for (const name of names) createModel(name, [], seed); // unknown names fail before any work
  const { table, items } = await loadData(path, format);
  const split = splitTable(table, options, seed);
  const protocol = options.protocol === 'sampled' ? { kind: 'sampled' as const, negatives: integer('negatives', options.negatives) } : { kind: 'full' as const };
  log(`data: ${table.length.toLocaleString('en-US')} interactions, ${table.users.length.toLocaleString('en-US')} users, ${table.items.length.toLocaleString('en-US')} items`);
  let merged: EvaluationReport | undefined;
  const errors: { model: string; error: string }[] = [];
  const ratingErrors: Record<string, unknown> = {};
  for (const name of names) {
    const catalog = new ItemCatalog();
    const model = createModel(name, options.param, seed);
    const bar = progressBar('evaluate');
    try {
      const report = await evaluateModels({ table, split, items, catalog, models: { [name]: model }, k, protocol, seed, onProgress: bar.update, ...(maxCases === undefined ? {} : { maxCases }) });
      bar.done();
      if (merged) merged.results.push(...report.results);
      else merged = report;
      if (name === 'svdpp') ratingErrors[name] = evaluateRatings(model, table, split.test, catalog);
    } catch (error) {
      bar.done();
      if (!isMyContentError(error) || (error.code !== 'CAPACITY' && error.code !== 'INVALID_INPUT')) throw error;
      errors.push({ model: name, error: error.message });
    }
  }
  if (merged) console.log(formatEvaluationReport(merged));
  for (const [name, value] of Object.entries(ratingErrors)) {
    const e = value as { rmse: number; mae: number; predictions: number };
    console.log(`${name} rating prediction: RMSE ${e.rmse.toFixed(4)}, MAE ${e.mae.toFixed(4)} over ${e.predictions.toLocaleString('en-US')} test ratings`);
  }
  for (const e of errors) console.log(`${e.model}: not evaluated: ${e.error}`);
  await writeFile(json, JSON.stringify({ ...merged, ratingErrors, errors }, null, 2));
  log(`wrote ${options.json}`);
  if (errors.length > 0) process.exitCode = 1;
}

async function evaluateWithReplay(
  options: EvaluateOptions,
  checked: { path: string; json: string; k: number; seed: number; maxCases: number | undefined; testRatio: number | undefined },
  log: (line: string) => void,
): Promise<void> {
  const { path, json, k, seed, maxCases, testRatio } = checked;
  const names = (options.models ?? 'recent,sr,vsknn,news').split(',').map((m) => m.trim());
  for (const name of names) createRanking(name, options.param, seed, REPLAY_FILL); // unknown names fail before any work
  const policies = updates(options.updates, options.retrainEvery);
  const at = options.at === undefined ? undefined : parseTime('at', options.at);
  const { table, items } = await loadData(path, options.format);
  log(`data: ${table.length.toLocaleString('en-US')} interactions, ${table.users.length.toLocaleString('en-US')} users, ${table.items.length.toLocaleString('en-US')} items`);
  const bar = progressBar('replay');
  const report = await evaluateReplay({
    table,
    items,
    models: Object.fromEntries(names.map((name) => [name, () => createRanking(name, options.param, seed, REPLAY_FILL)])),
    updates: policies,
    k,
    seed,
    ...(at === undefined ? {} : { at }),
    ...(testRatio === undefined ? {} : { testRatio }),
    ...(maxCases === undefined ? {} : { maxCases }),
    onProgress: bar.update,
  });
  bar.done();
  console.log(formatReplayReport(report));
  await writeFile(json, JSON.stringify(report, null, 2));
  log(`wrote ${options.json}`);
}
