/**
 * The My Content command line. From the repository root:
 *
 *   npm run cli -- generate --kind news --scale demo --seed 42 --out data/news
 *   npm run cli -- generate --kind ratings --seed 1 --out data/ml
 *   npm run cli -- evaluate --data data/ml --format movielens --models popular,itemknn,als,bpr,ease
 *   npm run --silent cli -- recommend --train data/ml --format movielens --queries q.jsonl --model als --k 10 --out recs.jsonl
 */
import { createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ItemCatalog, MyContentError, idSchema, isMyContentError, type RankingOptions } from '@mycontent/core';
import {
  evaluateModels,
  evaluateRatings,
  formatEvaluationReport,
  splitLeaveLastOut,
  splitRandomPerUser,
  splitSessionNextClick,
  splitTemporal,
  describeUpdate,
  evaluateReplay,
  formatReplayReport,
  replayRecommendations,
  type EvaluationReport,
  type ReplayQuery,
  type ReplayUpdate,
} from '@mycontent/core/eval';
import {
  generateSyntheticNews,
  generateSyntheticRatings,
  readLineBatches,
  writeGloboDataset,
  writeMovieLensDataset,
  MOVIELENS_100K_SHAPE,
  concatTables,
  loadInteractionsFile,
  type InteractionTable,
  type SyntheticScale,
} from '@mycontent/core/data';
import { loadData } from './data';
import { MODELS, createModel, createRanking } from './models';
import { progressBar } from './progress';

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  generate   --kind news|ratings [--scale tiny|demo|full] [--seed 42] --out DIR
  evaluate   --data PATH --format movielens|globo|csv [--models a,b] [--split random|temporal|leave-last-out|session]
             [--k 10] [--protocol full|sampled] [--negatives 100] [--max-cases N] [--seed 42] [--param model.key=value ...] [--json FILE]
  evaluate   --data PATH --format globo|csv --protocol replay [--models a,b] [--updates frozen,retrain,online]
             [--retrain-every 60 (minutes)] [--test-ratio 0.1 | --at ISO-TIME] [--k 10] [--max-cases N] [--json FILE]
  recommend  --train PATH --format movielens|globo|csv --queries QUERIES.jsonl --model NAME [--k 10] [--seed 42]
             [--param key=value ...] [--allow-unknown] --out RECS.jsonl
  recommend  ... --replay STREAM.csv [--sort-stream] [--update online|frozen|retrain] [--retrain-every 60]
             answers each query (which needs "ts", epoch ms) with the training data and the stream events before it

models: ${Object.entries(MODELS).map(([name, spec]) => `${name} (${spec.description})`).join(', ')}`;

const stderr = (line: string) => process.stderr.write(`${line}\n`);

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') {
    throw new MyContentError('INVALID_INPUT', `--${name} is required\n\n${USAGE}`, { source: 'cli', field: name });
  }
  return value;
}

function positiveInt(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new MyContentError('INVALID_INPUT', `--${name} must be a positive integer, got ${JSON.stringify(raw)}`, { source: 'cli', field: name, value: raw });
  return n;
}

async function generate(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: { kind: { type: 'string', default: 'news' }, scale: { type: 'string', default: 'demo' }, seed: { type: 'string', default: '42' }, out: { type: 'string' } },
  });
  const out = required(values, 'out');
  const seed = positiveInt(values.seed, 'seed', 42);
  const started = performance.now();
  if (values.kind === 'ratings') {
    const data = generateSyntheticRatings(MOVIELENS_100K_SHAPE, { seed });
    await writeMovieLensDataset(out, data);
    stderr(`wrote ${data.ratings.length.toLocaleString('en-US')} ratings (MovieLens u.data) to ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return;
  }
  if (values.kind !== 'news') throw new MyContentError('INVALID_INPUT', `--kind must be news or ratings, got ${values.kind}`, { source: 'cli', field: 'kind', value: values.kind });
  if (!['tiny', 'demo', 'full'].includes(values.scale!)) {
    throw new MyContentError('INVALID_INPUT', `--scale must be tiny, demo or full, got ${values.scale}`, { source: 'cli', field: 'scale', value: values.scale });
  }
  const bar = progressBar('generate');
  const news = generateSyntheticNews(values.scale as SyntheticScale, { seed, onProgress: bar.update });
  await writeGloboDataset(out, news, { onProgress: bar.update });
  bar.done();
  stderr(`wrote ${news.items.length.toLocaleString('en-US')} articles and ${news.clicks.length.toLocaleString('en-US')} clicks (Globo.com layout) to ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function evaluate(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      format: { type: 'string' },
      models: { type: 'string' },
      split: { type: 'string' },
      ratio: { type: 'string', default: '0.75' },
      'test-ratio': { type: 'string' },
      k: { type: 'string', default: '10' },
      protocol: { type: 'string', default: 'full' },
      negatives: { type: 'string', default: '100' },
      'max-cases': { type: 'string' },
      seed: { type: 'string', default: '42' },
      param: { type: 'string', multiple: true, default: [] },
      json: { type: 'string', default: 'evaluation.json' },
      updates: { type: 'string', default: 'online' },
      'retrain-every': { type: 'string', default: '60' },
      at: { type: 'string' },
    },
  });
  const path = required(values, 'data');
  const format = required(values, 'format');
  const k = positiveInt(values.k, 'k', 10);
  const seed = positiveInt(values.seed, 'seed', 42);
  if (values.protocol === 'replay') return evaluateWithReplay(values, path, format, k, seed);
  const names = (values.models ?? (format === 'movielens' ? 'popular,itemknn,als,bpr,ease,svdpp' : 'popular,trending,itemknn,als')).split(',').map((m) => m.trim());
  for (const name of names) createModel(name, [], seed); // unknown names fail before any work
  const { table, items } = await loadData(path, format);
  const splitName = values.split ?? (format === 'movielens' ? 'random' : format === 'globo' ? 'session' : 'temporal');
  const testRatio = values['test-ratio'] === undefined ? undefined : Number(values['test-ratio']);
  const split =
    splitName === 'random'
      ? splitRandomPerUser(table, { ratio: Number(values.ratio), seed })
      : splitName === 'temporal'
        ? splitTemporal(table, testRatio === undefined ? {} : { testRatio })
        : splitName === 'leave-last-out'
          ? splitLeaveLastOut(table)
          : splitName === 'session'
            ? splitSessionNextClick(table, testRatio === undefined ? {} : { testRatio })
            : (() => {
                throw new MyContentError('INVALID_INPUT', `--split must be random, temporal, leave-last-out or session, got ${splitName}`, { source: 'cli', field: 'split', value: splitName });
              })();
  const protocol = values.protocol === 'sampled' ? { kind: 'sampled' as const, negatives: positiveInt(values.negatives, 'negatives', 100) } : { kind: 'full' as const };
  if (values.protocol !== 'full' && values.protocol !== 'sampled') {
    throw new MyContentError('INVALID_INPUT', `--protocol must be full, sampled or replay, got ${values.protocol}`, { source: 'cli', field: 'protocol', value: values.protocol });
  }
  const maxCases = values['max-cases'] === undefined ? undefined : positiveInt(values['max-cases'], 'max-cases', 1);
  stderr(`data: ${table.length.toLocaleString('en-US')} interactions, ${table.users.length.toLocaleString('en-US')} users, ${table.items.length.toLocaleString('en-US')} items`);
  let merged: EvaluationReport | undefined;
  const errors: { model: string; error: string }[] = [];
  const ratingErrors: Record<string, unknown> = {};
  for (const name of names) {
    const catalog = new ItemCatalog();
    const model = createModel(name, values.param!, seed);
    const bar = progressBar('evaluate');
    try {
      const report = await evaluateModels({
        table,
        split,
        items,
        catalog,
        models: { [name]: model },
        k,
        protocol,
        seed,
        onProgress: bar.update,
        ...(maxCases === undefined ? {} : { maxCases }),
      });
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
  await writeFile(values.json!, JSON.stringify({ ...merged, ratingErrors, errors }, null, 2));
  stderr(`wrote ${values.json}`);
  if (errors.length > 0) process.exitCode = 1;
}

/** Parses `--updates` / `--update` names into replay update policies. */
function parseUpdates(raw: string, retrainEvery: string | undefined): ReplayUpdate[] {
  const minutes = Number(retrainEvery ?? '60');
  if (!(minutes > 0)) throw new MyContentError('INVALID_INPUT', `--retrain-every must be a positive number of minutes, got ${JSON.stringify(retrainEvery)}`, { source: 'cli', field: 'retrain-every', value: retrainEvery });
  return raw.split(',').map((name) => {
    const trimmed = name.trim();
    if (trimmed === 'online' || trimmed === 'frozen') return { kind: trimmed };
    if (trimmed === 'retrain') return { kind: 'retrain', everyMs: minutes * 60_000 };
    throw new MyContentError('INVALID_INPUT', `update policy must be frozen, retrain or online, got ${JSON.stringify(trimmed)}`, { source: 'cli', field: 'updates', value: trimmed });
  });
}

/** What completes short lists during a replay: what is read now, then what was read most overall. */
const REPLAY_FILL = { 'fallback:recent': 'recent', 'fallback:popular': 'popular' };
/** What completes short lists without a stream: what was read most overall. */
const BATCH_FILL = { 'fallback:popular': 'popular' };

async function evaluateWithReplay(values: Record<string, string | string[] | boolean | undefined>, path: string, format: string, k: number, seed: number) {
  const names = String(values.models ?? 'recent,sr,vsknn,news').split(',').map((m) => m.trim());
  const params = values.param as string[];
  for (const name of names) createRanking(name, params, seed, REPLAY_FILL); // unknown names fail before any work
  const updates = parseUpdates(String(values.updates ?? 'online'), values['retrain-every'] as string | undefined);
  const { table, items } = await loadData(path, format);
  let at: number | undefined;
  if (values.at !== undefined) {
    const raw = String(values.at);
    at = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (!Number.isFinite(at)) throw new MyContentError('INVALID_INPUT', `--at must be an ISO-8601 time or epoch ms, got ${JSON.stringify(raw)}`, { source: 'cli', field: 'at', value: raw });
  }
  const testRatio = values['test-ratio'] === undefined ? undefined : Number(values['test-ratio']);
  const maxCases = values['max-cases'] === undefined ? undefined : positiveInt(String(values['max-cases']), 'max-cases', 1);
  stderr(`data: ${table.length.toLocaleString('en-US')} interactions, ${table.users.length.toLocaleString('en-US')} users, ${table.items.length.toLocaleString('en-US')} items`);
  const bar = progressBar('replay');
  const report = await evaluateReplay({
    table,
    items,
    models: Object.fromEntries(names.map((name) => [name, () => createRanking(name, params, seed, REPLAY_FILL)])),
    updates,
    k,
    seed,
    ...(at === undefined ? {} : { at }),
    ...(testRatio === undefined ? {} : { testRatio }),
    ...(maxCases === undefined ? {} : { maxCases }),
    onProgress: bar.update,
  });
  bar.done();
  console.log(formatReplayReport(report));
  await writeFile(String(values.json), JSON.stringify(report, null, 2));
  stderr(`wrote ${values.json}`);
}

const querySchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  user: idSchema.optional(),
  session: z.array(idSchema).max(10_000).optional(),
  exclude: z.array(idSchema).max(100_000).optional(),
  ts: z.number().finite().nonnegative().optional(),
});

/** Reads and validates every query line of a JSONL file (a bad line fails with its number before any work). */
async function readQueries(path: string): Promise<{ line: number; query: z.output<typeof querySchema> }[]> {
  const out: { line: number; query: z.output<typeof querySchema> }[] = [];
  for await (const lines of readLineBatches(path)) {
    for (const { line, text } of lines) {
      if (text.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (cause) {
        throw new MyContentError('FORMAT', `${path}:${line}: not valid JSON`, { source: 'cli', field: 'line', value: line, cause });
      }
      const parsed = querySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new MyContentError('INVALID_INPUT', `${path}:${line}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { source: 'cli', field: issue.path.join('.'), value: line });
      }
      out.push({ line, query: parsed.data });
    }
  }
  return out;
}

async function recommend(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      train: { type: 'string' },
      format: { type: 'string' },
      queries: { type: 'string' },
      model: { type: 'string' },
      k: { type: 'string', default: '10' },
      seed: { type: 'string', default: '42' },
      param: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      'allow-unknown': { type: 'boolean', default: false },
      replay: { type: 'string' },
      'sort-stream': { type: 'boolean', default: false },
      update: { type: 'string', default: 'online' },
      'retrain-every': { type: 'string', default: '60' },
    },
  });
  const trainPath = required(values, 'train');
  const format = required(values, 'format');
  const queriesPath = required(values, 'queries');
  const name = required(values, 'model');
  const out = required(values, 'out');
  const k = positiveInt(values.k, 'k', 10);
  const seed = positiveInt(values.seed, 'seed', 42);
  const allowUnknown = values['allow-unknown'] === true;
  if (values.replay !== undefined) {
    const [update] = parseUpdates(values.update!, values['retrain-every']);
    if (values.update!.includes(',')) throw new MyContentError('INVALID_INPUT', `--update takes one policy, got ${values.update}`, { source: 'cli', field: 'update', value: values.update });
    const ranking = createRanking(name, values.param!, seed, REPLAY_FILL);
    return recommendWithReplay({ trainPath, format, queriesPath, name, out, k, ranking, update: update!, streamPath: values.replay, sort: values['sort-stream'] === true });
  }
  const ranking = createRanking(name, values.param!, seed, BATCH_FILL);

  const { table, items } = await loadData(trainPath, format);
  if (table.length === 0) throw new MyContentError('INVALID_INPUT', `${trainPath}: the training set is empty`, { source: 'cli', field: 'train', value: trainPath });
  const knownItems = new Set([...table.items, ...items.map((item) => item.id)]);
  const knownUsers = new Set(table.users);
  let trainEnd = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < table.length; r++) if (table.timestamp[r]! > trainEnd) trainEnd = table.timestamp[r]!;

  // Read and validate every query first: a bad line fails the run before any output is written.
  // Each is asked just after the training data, with its session as listed (none when omitted).
  const queries: ReplayQuery[] = [];
  const unknown = (line: number, what: string, id: string): void => {
    if (allowUnknown) return;
    throw new MyContentError('INVALID_INPUT', `${queriesPath}:${line}: ${what} ${JSON.stringify(id)} is not in the training data (use --allow-unknown to treat it as cold)`, {
      source: 'cli',
      field: what,
      value: id,
    });
  };
  for (const { line, query: q } of await readQueries(queriesPath)) {
    const keep = (what: string) => (id: string) => knownItems.has(id) || (unknown(line, what, id), false);
    if (q.user !== undefined && !knownUsers.has(q.user) && (q.session?.length ?? 0) === 0) unknown(line, 'user', q.user);
    queries.push({
      id: q.id,
      ts: trainEnd + 1,
      ...(q.user === undefined || !knownUsers.has(q.user) ? {} : { userId: q.user }),
      session: (q.session ?? []).filter(keep('session item')),
      exclude: (q.exclude ?? []).filter(keep('excluded item')),
    });
  }

  const t = performance.now();
  const train = Int32Array.from({ length: table.length }, (_, i) => i);
  const { answers, stats } = await replayRecommendations({
    table,
    train,
    stream: new Int32Array(0),
    queries,
    ranking,
    k,
    items,
    update: { kind: 'frozen' },
    onProgress: progressBar(`fit and recommend ${name}`).update,
  });
  const output = createWriteStream(out);
  for (const [q, answer] of answers.entries()) {
    if (!output.write(`${JSON.stringify({ id: queries[q]!.id, items: answer })}\n`)) {
      await new Promise<void>((resolve) => output.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const recMs = performance.now() - t - stats.fitMs;
  stderr(`${name}: fit ${(stats.fitMs / 1000).toFixed(2)} s on ${table.length.toLocaleString('en-US')} interactions; ${queries.length.toLocaleString('en-US')} queries in ${(recMs / 1000).toFixed(2)} s (${Math.round(queries.length / Math.max(1e-9, recMs / 1000)).toLocaleString('en-US')} queries/s)`);
}

/** Reads replay queries: every line needs `ts` (epoch ms). A bad line fails the run before any work. */
async function readReplayQueries(path: string): Promise<ReplayQuery[]> {
  return (await readQueries(path)).map(({ line, query: q }) => {
    if (q.ts === undefined) {
      throw new MyContentError('INVALID_INPUT', `${path}:${line}: query ${JSON.stringify(q.id)} has no "ts": with --replay every query needs the time it is asked (epoch ms)`, { source: 'cli', field: 'ts', value: line });
    }
    return {
      id: q.id,
      ts: q.ts,
      ...(q.user === undefined ? {} : { userId: q.user }),
      ...(q.session === undefined ? {} : { session: q.session }),
      ...(q.exclude === undefined ? {} : { exclude: q.exclude }),
    };
  });
}

async function recommendWithReplay(args: {
  trainPath: string;
  format: string;
  queriesPath: string;
  streamPath: string;
  sort: boolean;
  name: string;
  out: string;
  k: number;
  ranking: RankingOptions;
  update: ReplayUpdate;
}) {
  const queries = await readReplayQueries(args.queriesPath);
  const { table: trainTable, items } = await loadData(args.trainPath, args.format);
  const streamInfo = await stat(args.streamPath).catch(() => undefined);
  if (!streamInfo?.isFile()) throw new MyContentError('NOT_FOUND', `no stream file at ${args.streamPath}`, { source: 'cli', field: 'replay', value: args.streamPath });
  let streamTable: InteractionTable;
  try {
    streamTable = await loadInteractionsFile(args.streamPath, { requireTimeOrder: !args.sort });
  } catch (error) {
    if (isMyContentError(error) && error.field === 'timestamp' && !args.sort) {
      throw new MyContentError('FORMAT', `${error.message} (sort the stream, or pass --sort-stream to sort it by timestamp)`, { source: 'cli', field: 'timestamp', value: error.value, cause: error });
    }
    throw error;
  }
  const table = concatTables(trainTable, streamTable);
  const train = Int32Array.from({ length: trainTable.length }, (_, i) => i);
  const stream = Int32Array.from({ length: streamTable.length }, (_, i) => trainTable.length + i);
  if (args.sort) stream.sort((a, b) => table.timestamp[a]! - table.timestamp[b]! || a - b);
  const output = createWriteStream(args.out);
  const result = await replayRecommendations({
    table,
    train,
    stream,
    queries,
    ranking: args.ranking,
    k: args.k,
    update: args.update,
    items,
    onProgress: progressBar(`replay ${args.name}`).update,
  });
  for (const [q, answer] of result.answers.entries()) {
    if (!output.write(`${JSON.stringify({ id: queries[q]!.id, items: answer })}\n`)) {
      await new Promise<void>((resolve) => output.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const { stats } = result;
  stderr(
    `${args.name} (${describeUpdate(args.update)}): fit ${(stats.fitMs / 1000).toFixed(2)} s on ${train.length.toLocaleString('en-US')} interactions; replayed ${stats.events.toLocaleString('en-US')} events and ${stats.queries.toLocaleString('en-US')} queries in ${(stats.replayMs / 1000).toFixed(2)} s (${Math.round(stats.throughput).toLocaleString('en-US')} events+queries/s${stats.retrains > 0 ? `, ${stats.retrains} refits in ${(stats.retrainMs / 1000).toFixed(1)} s` : ''})`,
  );
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'generate') await generate(rest);
  else if (command === 'evaluate') await evaluate(rest);
  else if (command === 'recommend') await recommend(rest);
  else {
    stderr(USAGE);
    process.exitCode = command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
} catch (error) {
  if (isMyContentError(error)) {
    stderr(`error: ${error.message}`);
    process.exitCode = 1;
  } else throw error;
}
