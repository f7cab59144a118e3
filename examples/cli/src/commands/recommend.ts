import { createWriteStream } from 'node:fs';
import { MyContentError, isMyContentError, type RankingOptions } from '@mycontent/core';
import { describeUpdate, replayRecommendations, type ReplayQuery, type ReplayUpdate } from '@mycontent/core/eval';
import { concatTables, loadInteractionsFile, type InteractionTable } from '@mycontent/core/data';
import { loadData } from '../data';
import { createRanking } from '../models';
import { BATCH_FILL, REPLAY_FILL, integer, updates } from '../options';
import { inputFile, inputPath, outputFile } from '../paths';
import { progressBar } from '../progress';
import { readQueries, replayQueries } from '../queries';

/** Options of `recommend`, as parsed: the batch contract of docs/cli.md. */
export interface RecommendOptions {
  train: string;
  format: string;
  queries: string;
  model: string;
  k: string;
  seed: string;
  param: string[];
  allowUnknown: boolean;
  out: string;
  replay?: string;
  sortStream: boolean;
  update: string;
  retrainEvery: string;
}

/**
 * `recommend`: fits a model (or a preset) on the training data and answers every query of a JSONL
 * file, in query order, with the engine's ranking code — just after the training data, or, with
 * `--replay`, at each query's time while the stream is walked.
 */
export async function recommend(options: RecommendOptions, log: (line: string) => void): Promise<void> {
  // Everything a typo could break is checked before any work.
  const trainPath = await inputPath('train', options.train);
  const queriesPath = await inputFile('queries', options.queries);
  const out = await outputFile('out', options.out);
  const streamPath = options.replay === undefined ? undefined : await inputFile('replay', options.replay);
  const k = integer('k', options.k);
  const seed = integer('seed', options.seed, 0);
  const lines = await readQueries(queriesPath, options.queries);
  if (streamPath !== undefined) {
    const [update, ...more] = updates(options.update, options.retrainEvery);
    if (more.length > 0) throw new MyContentError('INVALID_INPUT', `--update takes one policy, got ${options.update}`, { source: 'cli', field: 'update', value: options.update });
    const ranking = createRanking(options.model, options.param, seed, REPLAY_FILL);
    const queries = replayQueries(lines, options.queries);
    return recommendWithReplay({ ...options, trainPath, streamPath, out, k, ranking, update: update!, queries }, log);
  }
  const ranking = createRanking(options.model, options.param, seed, BATCH_FILL);
  const { table, items } = await loadData(trainPath, options.format);
  const knownItems = new Set([...table.items, ...items.map((item) => item.id)]);
  const knownUsers = new Set(table.users);
  let trainEnd = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < table.length; r++) if (table.timestamp[r]! > trainEnd) trainEnd = table.timestamp[r]!;

  // Each query is asked just after the training data, with its session as listed (none when omitted).
  const queries: ReplayQuery[] = [];
  const unknown = (line: number, what: string, id: string): void => {
    if (options.allowUnknown) return;
    throw new MyContentError('INVALID_INPUT', `${options.queries}:${line}: ${what} ${JSON.stringify(id)} is not in the training data (use --allow-unknown to treat it as cold)`, {
      source: 'cli',
      field: what,
      value: id,
    });
  };
  for (const { line, query: q } of lines) {
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
  const started = performance.now();
  const { answers, stats } = await replayRecommendations({
    table,
    train: Int32Array.from({ length: table.length }, (_, i) => i),
    stream: new Int32Array(0),
    queries,
    ranking,
    k,
    items,
    update: { kind: 'frozen' },
    onProgress: progressBar(`fit and recommend ${options.model}`).update,
  });
  await writeAnswers(out, queries, answers);
  const recMs = performance.now() - started - stats.fitMs;
  log(`${options.model}: fit ${(stats.fitMs / 1000).toFixed(2)} s on ${table.length.toLocaleString('en-US')} interactions; ${queries.length.toLocaleString('en-US')} queries in ${(recMs / 1000).toFixed(2)} s (${Math.round(queries.length / Math.max(1e-9, recMs / 1000)).toLocaleString('en-US')} queries/s)`);
}

async function recommendWithReplay(
  args: Omit<RecommendOptions, 'k' | 'update' | 'out' | 'queries'> & { trainPath: string; streamPath: string; out: string; k: number; ranking: RankingOptions; update: ReplayUpdate; queries: ReplayQuery[] },
  log: (line: string) => void,
): Promise<void> {
  const { table: trainTable, items } = await loadData(args.trainPath, args.format);
  let streamTable: InteractionTable;
  try {
    streamTable = await loadInteractionsFile(args.streamPath, { requireTimeOrder: !args.sortStream });
  } catch (error) {
    if (isMyContentError(error) && error.field === 'timestamp' && !args.sortStream) {
      throw new MyContentError('FORMAT', `${error.message} (sort the stream, or pass --sort-stream to sort it by timestamp)`, { source: 'cli', field: 'timestamp', value: error.value, cause: error });
    }
    throw error;
  }
  const table = concatTables(trainTable, streamTable);
  const train = Int32Array.from({ length: trainTable.length }, (_, i) => i);
  const stream = Int32Array.from({ length: streamTable.length }, (_, i) => trainTable.length + i);
  if (args.sortStream) stream.sort((a, b) => table.timestamp[a]! - table.timestamp[b]! || a - b);
  const { answers, stats } = await replayRecommendations({
    table,
    train,
    stream,
    queries: args.queries,
    ranking: args.ranking,
    k: args.k,
    update: args.update,
    items,
    onProgress: progressBar(`replay ${args.model}`).update,
  });
  await writeAnswers(args.out, args.queries, answers);
  log(
    `${args.model} (${describeUpdate(args.update)}): fit ${(stats.fitMs / 1000).toFixed(2)} s on ${train.length.toLocaleString('en-US')} interactions; replayed ${stats.events.toLocaleString('en-US')} events and ${stats.queries.toLocaleString('en-US')} queries in ${(stats.replayMs / 1000).toFixed(2)} s (${Math.round(stats.throughput).toLocaleString('en-US')} events+queries/s${stats.retrains > 0 ? `, ${stats.retrains} refits in ${(stats.retrainMs / 1000).toFixed(1)} s` : ''})`,
  );
}

/** One JSON line per query, in query order: `{"id", "items"}`. */
async function writeAnswers(path: string, queries: readonly ReplayQuery[], answers: readonly string[][]): Promise<void> {
  const output = createWriteStream(path);
  for (const [q, answer] of answers.entries()) {
    if (!output.write(`${JSON.stringify({ id: queries[q]!.id, items: answer })}\n`)) {
      await new Promise<void>((resolve) => output.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
