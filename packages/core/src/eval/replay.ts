import { ItemCatalog } from '../catalog/catalog';
import type { InteractionTable } from '../data/interaction-table';
import { tableRow } from '../data/interaction-table';
import { createRandom } from '../data/random';
import { INTERACTION_TYPES, type Item } from '../domain/schemas';
import { MyContentError } from '../errors/error';
import type { ObservedInteraction, Progress, RecommenderModel } from '../model/contract';
import { DatasetBuilder, POSITIVE_TYPE_CODES, interactionWeight } from '../model/dataset';
import { NewestItems } from '../engine/newest';
import { createRanker, type RankingOptions } from '../engine/ranker';
import { rank } from '../engine/ranking';
import { buildUserContext, type HistoryEntry } from '../engine/user-context';
import { DEFAULT_HISTORY_LENGTH } from '../session/session';
import { hitRateAtK, ndcgAtK, reciprocalRankAtK } from './metrics';
import { formatTable } from './table';

/** A question asked during a replay: recommendations for a user or session at time `ts`. */
export interface ReplayQuery {
  /** Echoed in the answer. */
  id: string;
  /** When the question is asked (epoch ms): it sees training data and stream events strictly before. */
  ts: number;
  userId?: string;
  /**
   * Item ids of the current session, oldest first. When omitted, the session is the stream's
   * items of `sessionId` when given, else the user's latest interactions (as the engine reads a
   * user's current session).
   */
  session?: readonly string[];
  /** The current session's id, when known. */
  sessionId?: string;
  /** Item ids never to recommend. */
  exclude?: readonly string[];
}

/**
 * How the models keep up with the stream during a replay: `online` learns each event as it
 * happens (`observe`), `frozen` never learns after the initial fit, `retrain` refits on
 * everything seen so far every `everyMs` of data time (and is frozen in between).
 */
export type ReplayUpdate = { kind: 'online' } | { kind: 'frozen' } | { kind: 'retrain'; everyMs: number };

/** What a replay ranks with: one model, or the engine's ranking options (e.g. a preset). */
export type ReplayRanking = RecommenderModel | RankingOptions;

/** Options of {@link replayRecommendations}. */
export interface ReplayOptions {
  /** Every row: training rows and stream rows are given by index. */
  table: InteractionTable;
  /** Rows the model is first trained on. */
  train: Int32Array;
  /** Rows of the stream, in timestamp order (see {@link streamRowsInOrder}). */
  stream: Int32Array;
  queries: readonly ReplayQuery[];
  /**
   * What ranks the lists: a model, or ranking options as the engine takes them (models, blend,
   * fill...), ranked by the engine's own ranking code. Every model follows the update policy.
   */
  ranking?: ReplayRanking;
  /** @deprecated Renamed `ranking` (which also takes ranking options); this name goes in the next minor version. */
  model?: RecommenderModel;
  /** Completes lists shorter than `k` before the newest items do (e.g. a recent-popularity model); it follows the same update policy. */
  fallback?: RecommenderModel;
  /** @default 10 */
  k?: number;
  /** @default { kind: 'online' } */
  update?: ReplayUpdate;
  /**
   * Article metadata. An article joins the catalogue when it is published (`createdAt`, 0 meaning
   * from the start) or when the stream first mentions it, whichever comes first — as in a live service.
   */
  items?: readonly Item[];
  /** @default a new catalogue */
  catalog?: ItemCatalog;
  /** Receives each answer (catalogue indices, best first) by query index, as soon as it is computed. */
  onAnswer?: (query: number, items: Int32Array) => void;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/** What a replay measured. */
export interface ReplayStats {
  /** Stream events applied. */
  events: number;
  queries: number;
  /** Initial training, ms. */
  fitMs: number;
  /** Refits during the replay (`retrain` policy). */
  retrains: number;
  /** Time spent refitting, ms. */
  retrainMs: number;
  /** The walk itself (events, queries and refits), ms. */
  replayMs: number;
  /** (events + queries) per second of `replayMs`. */
  throughput: number;
}

/** The answers of {@link replayRecommendations}, in query order. */
export interface ReplayResult {
  answers: string[][];
  stats: ReplayStats;
}


/** The first position of `rows` whose timestamp is earlier than the one before, or -1. */
function firstOutOfOrder(table: InteractionTable, rows: Int32Array): number {
  for (let i = 1; i < rows.length; i++) if (table.timestamp[rows[i]!]! < table.timestamp[rows[i - 1]!]!) return i;
  return -1;
}

/**
 * The stream rows of `table` in timestamp order. A stream out of order is rejected (`FORMAT`,
 * naming the first offending row) unless `sort` is set, when rows are sorted by timestamp
 * (stable: ties keep file order).
 */
export function streamRowsInOrder(table: InteractionTable, options: { sort?: boolean; source?: string } = {}): Int32Array {
  const rows = Int32Array.from({ length: table.length }, (_, i) => i);
  const i = firstOutOfOrder(table, rows);
  if (i < 0) return rows;
  if (options.sort) return rows.sort((a, b) => table.timestamp[a]! - table.timestamp[b]! || a - b);
  throw new MyContentError(
    'FORMAT',
    `${options.source ?? 'stream'}: row ${i + 1} (timestamp ${new Date(table.timestamp[i]!).toISOString()}) is earlier than row ${i} (${new Date(table.timestamp[i - 1]!).toISOString()}): the stream must be in timestamp order`,
    { source: 'replay', field: 'timestamp', value: i + 1 },
  );
}

/**
 * Replays a stream as a live service would see it: the models are trained on the training rows,
 * then the stream's events and the queries are walked in timestamp order, and each query is
 * answered using only the training data and the stream events strictly before its `ts`, by the
 * engine's ranking code (user context, then cold start, or model sources → blend → rules →
 * diversity → fill). Between queries the models keep up according to `update`. Answers come
 * back in query order (queries may be given in any order). As in the engine, a user's earlier
 * items, the session's items and `exclude` are never recommended. An item joins the catalogue
 * when it is published (`items[].createdAt`) or when the data first mentions it.
 *
 * @example
 * ```ts
 * const { answers, stats } = await replayRecommendations({
 *   table, train, stream: streamRowsInOrder(streamTable),
 *   queries: [{ id: 'q1', ts: Date.parse('2017-10-03T10:00:00Z'), userId: 'u1' }],
 *   ranking: newsPreset(), k: 10,
 * });
 * ```
 */
export async function replayRecommendations(options: ReplayOptions): Promise<ReplayResult> {
  const answers: string[][] = new Array(options.queries.length);
  const catalog = options.catalog ?? new ItemCatalog();
  const stats = await walkReplay({ ...options, catalog }, (q, items) => {
    answers[q] = Array.from(items, (i) => catalog.idAt(i));
    options.onAnswer?.(q, items);
  });
  return { answers, stats };
}

async function walkReplay(options: ReplayOptions & { catalog: ItemCatalog }, answer: (query: number, items: Int32Array) => void): Promise<ReplayStats> {
  const { table, train, stream, queries, fallback, catalog } = options;
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new MyContentError('INVALID_INPUT', `k must be a positive integer, got ${k}`, { source: 'replay', field: 'k', value: k });
  const ranking = options.ranking ?? options.model;
  if (ranking === undefined) throw new MyContentError('INVALID_INPUT', 'a replay needs what to rank with: ranking (a model or ranking options)', { source: 'replay', field: 'ranking' });
  const ranker = createRanker(rankingOptionsOf(ranking, fallback), 'replay', 'replay ranking', false);
  const models = ranker.names.map((name) => ranker.models[name]!);
  const update = options.update ?? { kind: 'online' };
  if (update.kind === 'retrain' && !(update.everyMs > 0)) {
    throw new MyContentError('INVALID_INPUT', `retrain.everyMs must be positive, got ${update.everyMs}`, { source: 'replay', field: 'update.everyMs', value: update.everyMs });
  }
  if (train.length === 0) throw new MyContentError('INVALID_INPUT', 'the training set is empty', { source: 'replay', field: 'train', value: 0 });
  const progress = options.onProgress ?? (() => {});
  const s = firstOutOfOrder(table, stream);
  if (s > 0) {
    throw new MyContentError('INVALID_INPUT', `stream rows must be in timestamp order (row ${stream[s]} is earlier than row ${stream[s - 1]})`, {
      source: 'replay',
      field: 'stream',
      value: s,
    });
  }
  const order = queries.map((_, i) => i);
  for (const q of queries) {
    if (!Number.isFinite(q.ts)) {
      throw new MyContentError('INVALID_INPUT', `query ${JSON.stringify(q.id)} has no valid ts (epoch ms): a replay needs one on every query`, { source: 'replay', field: 'ts', value: q.ts });
    }
  }
  order.sort((a, b) => queries[a]!.ts - queries[b]!.ts || a - b);

  // Items join the catalogue when published, or when the data first mentions them.
  const published = [...(options.items ?? [])].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
  let nextPublished = 0;
  const publishUntil = (t: number) => {
    while (nextPublished < published.length && (published[nextPublished]!.createdAt ?? 0) < t) catalog.upsert(published[nextPublished++]!);
  };
  const trainRows = Int32Array.from(train).sort((a, b) => table.timestamp[a]! - table.timestamp[b]! || a - b);
  const trainEnd = trainRows.length > 0 ? table.timestamp[trainRows[trainRows.length - 1]!]! : 0;
  publishUntil(trainEnd + 1);
  const itemIndex = new Int32Array(table.items.length).fill(-1);
  const indexOf = (row: number) => {
    const code = table.item[row]!;
    let i = itemIndex[code]!;
    if (i < 0) {
      const id = table.items[code]!;
      i = catalog.indexOf(id);
      if (i < 0 || catalog.active[i] !== 1) i = catalog.upsert({ id, createdAt: table.timestamp[row]! });
      itemIndex[code] = i;
    }
    return i;
  };
  const weightOf = (row: number) => {
    const rating = table.rating[row]!;
    const duration = table.duration[row]!;
    return interactionWeight(
      {
        type: INTERACTION_TYPES[table.type[row]!]!,
        ...(Number.isNaN(rating) ? {} : { rating }),
        ...(Number.isNaN(duration) ? {} : { duration }),
      },
      ranker.interactionWeights,
    );
  };
  const sessionOf = (row: number) => {
    const s = table.session[row]!;
    return s >= 0 ? table.sessions[s]! : undefined;
  };

  // Per-user histories (training, then the stream as it is applied), oldest first.
  const histories = new Map<string, HistoryEntry[]>();
  const record = (row: number, item: number, weight: number) => {
    const userId = table.users[table.user[row]!]!;
    let history = histories.get(userId);
    if (!history) histories.set(userId, (history = []));
    history.push({ item, weight, timestamp: table.timestamp[row]!, sessionId: sessionOf(row) });
  };
  for (const row of trainRows) record(row, indexOf(row), weightOf(row));
  // Stream sessions by id, for queries that name a session without listing it.
  const namedSessions = queries.some((q) => q.session === undefined && q.sessionId !== undefined);
  const sessionItems = new Map<string, number[]>();

  // Training rows, then stream rows as they are applied: refits train on snapshots of it.
  const seenRows = new DatasetBuilder(catalog, ranker.interactionWeights, trainRows.length + (update.kind === 'retrain' ? stream.length : 0));
  for (const row of trainRows) seenRows.add(tableRow(table, row));
  let builtRows = 0;
  const fitOn = async (applied: number) => {
    if (update.kind === 'retrain') for (; builtRows < applied; builtRows++) seenRows.add(tableRow(table, stream[builtRows]!));
    const data = seenRows.snapshot();
    const signal = options.signal;
    for (const model of models) await model.fit(data, signal ? { signal } : {});
  };
  const t0 = performance.now();
  await fitOn(0);
  const fitMs = performance.now() - t0;

  const learners = update.kind === 'online' ? models.filter((m) => !!m.observe) : [];
  // A learned ranking stage learns online too (frozen and retrain keep its starting weights).
  const learned = update.kind === 'online' ? ranker.learned : undefined;
  const scope = { catalog, newest: new NewestItems(catalog) };
  let lastFit = trainEnd;
  let retrains = 0;
  let retrainMs = 0;
  let applied = 0;
  const start = performance.now();

  const maybeRetrain = async (t: number) => {
    if (update.kind !== 'retrain' || t - lastFit < update.everyMs) return;
    const s = performance.now();
    await fitOn(applied);
    retrainMs += performance.now() - s;
    retrains++;
    lastFit += Math.floor((t - lastFit) / update.everyMs) * update.everyMs;
  };

  const apply = (row: number) => {
    const t = table.timestamp[row]!;
    publishUntil(t);
    const item = indexOf(row);
    const weight = weightOf(row);
    const userId = table.users[table.user[row]!]!;
    const sessionId = sessionOf(row);
    if (learners.length > 0 || learned) {
      const history = histories.get(userId);
      let previous: Int32Array | undefined;
      const event: ObservedInteraction = {
        userId,
        item,
        weight,
        timestamp: t,
        ...(sessionId === undefined ? {} : { sessionId }),
        get previous() {
          return (previous ??= previousItems(history));
        },
      };
      for (const learner of learners) learner.observe!(event);
      learned?.observe(event);
    }
    record(row, item, weight);
    if (namedSessions && sessionId !== undefined && weight > 0) {
      let list = sessionItems.get(sessionId);
      if (!list) sessionItems.set(sessionId, (list = []));
      list.push(item);
    }
  };

  let done = 0;
  for (const q of order) {
    const query = queries[q]!;
    while (applied < stream.length && table.timestamp[stream[applied]!]! < query.ts) {
      const row = stream[applied]!;
      await maybeRetrain(table.timestamp[row]!);
      apply(row);
      applied++;
    }
    await maybeRetrain(query.ts);
    publishUntil(query.ts);
    const session = query.session
      ? query.session.map((id) => catalog.indexOf(id))
      : query.sessionId !== undefined
        ? sessionItems.get(query.sessionId)
        : undefined;
    const context = buildUserContext(catalog, ranker, {
      userId: query.userId,
      now: query.ts,
      history: (query.userId === undefined ? undefined : histories.get(query.userId)) ?? [],
      session,
      exclude: (query.exclude ?? []).map((id) => catalog.indexOf(id)),
    });
    if (query.sessionId !== undefined) context.sessionId = query.sessionId;
    const ranked = await rank(ranker, scope, context, { n: k });
    answer(q, Int32Array.from(ranked, (c) => c.item));
    if ((++done & 1023) === 0) {
      progress({ phase: 'replay', done, total: queries.length });
      if (options.signal?.aborted) throw new MyContentError('ABORTED', 'replay aborted', { source: 'replay' });
    }
  }
  while (applied < stream.length) apply(stream[applied++]!);
  progress({ phase: 'replay', done: queries.length, total: queries.length });
  const replayMs = performance.now() - start;
  return {
    events: applied,
    queries: queries.length,
    fitMs,
    retrains,
    retrainMs,
    replayMs,
    throughput: (applied + queries.length) / Math.max(1e-9, replayMs / 1000),
  };
}

/** The user's last positive items (oldest first), as an observed interaction's `previous`. */
function previousItems(history: readonly HistoryEntry[] | undefined): Int32Array {
  const out: number[] = [];
  for (let h = (history?.length ?? 0) - 1; h >= 0 && out.length < DEFAULT_HISTORY_LENGTH; h--) if (history![h]!.weight > 0) out.push(history![h]!.item);
  return Int32Array.from(out.reverse());
}

/** Ranking options for a replay: a lone model ranks alone; a fallback model fills before the newest items. */
function rankingOptionsOf(ranking: ReplayRanking, fallback: RecommenderModel | undefined): RankingOptions {
  const options: RankingOptions = 'fit' in ranking && typeof ranking.fit === 'function' ? { models: { model: ranking as RecommenderModel } } : { ...(ranking as RankingOptions) };
  if (!fallback) return options;
  const name = Object.prototype.hasOwnProperty.call(options.models, 'fallback') ? 'replay:fallback' : 'fallback';
  const named = Object.keys(options.models);
  const fill = options.fill ?? named.filter((n) => options.models[n]!.capabilities.trending).slice(0, 1);
  return {
    ...options,
    models: { ...options.models, [name]: fallback },
    blend: { ...(options.blend ?? Object.fromEntries(named.map((n) => [n, 1]))), [name]: 0 },
    fill: [...fill, name],
  };
}

/** Options of {@link evaluateReplay}. */
export interface ReplayEvaluationOptions {
  /** A timestamped table with a session column. */
  table: InteractionTable;
  /** Start of the test window (epoch ms). @default the time that leaves `testRatio` of the rows after it */
  at?: number;
  /** Share of rows (by time) in the test window when `at` is not given. @default 0.1 */
  testRatio?: number;
  /**
   * What to compare, by name: factories of a model or of ranking options (e.g. `newsPreset`).
   * Each (name, update) pair gets a fresh one.
   */
  models: Record<string, () => ReplayRanking>;
  /** Update policies to compare. @default [{ kind: 'online' }] */
  updates?: readonly ReplayUpdate[];
  /** Completes short lists (a fresh one per run). */
  fallback?: () => RecommenderModel;
  /** @default 10 */
  k?: number;
  items?: readonly Item[];
  /** Ask at most this many next-click questions (a seeded sample; every event is still replayed). */
  maxCases?: number;
  /** @default 42 */
  seed?: number;
  onProgress?: (progress: Progress) => void;
}

/** One (model, update policy) result of {@link evaluateReplay}. */
export interface ReplayEvaluation {
  model: string;
  update: string;
  hitRate: number;
  mrr: number;
  ndcg: number;
  /** Share of the items clicked in the test window that were recommended at least once. */
  coverage: number;
  stats: ReplayStats;
}

/** What {@link evaluateReplay} returns. */
export interface ReplayReport {
  protocol: string;
  k: number;
  cases: number;
  trainInteractions: number;
  streamEvents: number;
  /** Share of test targets that no training interaction mentions (new articles). */
  unseenTargets: number;
  results: ReplayEvaluation[];
}

/** A human-readable name of an update policy. */
export function describeUpdate(update: ReplayUpdate): string {
  if (update.kind !== 'retrain') return update.kind;
  const minutes = update.everyMs / 60_000;
  return minutes >= 60 && minutes % 60 === 0 ? `retrain every ${minutes / 60} h` : `retrain every ${minutes} min`;
}

/**
 * Next-click evaluation under replay, for news: rows before `at` train the models; every row
 * from `at` on is a stream event; each test session (starting at or after `at`) of n clicks asks
 * n − 1 questions — at the time of click i + 1, given clicks 1..i, which comes next? — answered
 * with only what happened strictly before (full-catalogue ranking, the user's earlier items and
 * the session's excluded; cases whose next click repeats one of those are skipped). Each model
 * is run under each update policy, so frozen, retrained and online learning are compared in one
 * report.
 *
 * @example
 * ```ts
 * const report = await evaluateReplay({
 *   table,
 *   models: { sr: () => createSequentialRulesModel(), recent: () => createRecentPopularityModel() },
 *   updates: [{ kind: 'frozen' }, { kind: 'retrain', everyMs: 3_600_000 }, { kind: 'online' }],
 * });
 * console.log(formatReplayReport(report));
 * ```
 */
export async function evaluateReplay(options: ReplayEvaluationOptions): Promise<ReplayReport> {
  const { table } = options;
  const k = options.k ?? 10;
  const updates = options.updates ?? [{ kind: 'online' }];
  if (table.sessions.length === 0) {
    throw new MyContentError('INVALID_INPUT', 'replay evaluation needs a session column (no row has a session)', { source: 'replay', field: 'session', value: 0 });
  }
  // Time order of all rows, and the cut.
  const byTime = Int32Array.from({ length: table.length }, (_, i) => i).sort((a, b) => table.timestamp[a]! - table.timestamp[b]! || a - b);
  let at = options.at;
  if (at === undefined) {
    const ratio = options.testRatio ?? 0.1;
    if (!(ratio > 0 && ratio < 1)) throw new MyContentError('INVALID_INPUT', `testRatio must be in (0, 1), got ${ratio}`, { source: 'replay', field: 'testRatio', value: ratio });
    at = table.timestamp[byTime[Math.min(byTime.length - 1, Math.floor(byTime.length * (1 - ratio)))]!]!;
  }
  const cut = at;
  const split = byTime.findIndex((r) => table.timestamp[r]! >= cut);
  const train = split < 0 ? byTime : byTime.slice(0, split);
  const stream = split < 0 ? new Int32Array(0) : byTime.slice(split);
  if (train.length === 0) throw new MyContentError('INVALID_INPUT', `no interaction before ${new Date(cut).toISOString()}: the training set is empty`, { source: 'replay', field: 'at', value: cut });

  // Cases: sessions starting in the test window; question i asks for click i + 1.
  const sessionRows = new Map<number, number[]>();
  const started = new Set<number>();
  for (const r of byTime) {
    const s = table.session[r]!;
    if (s < 0) continue;
    let rows = sessionRows.get(s);
    if (!rows) {
      sessionRows.set(s, (rows = []));
      if (table.timestamp[r]! >= cut) started.add(s);
    }
    rows.push(r);
  }
  const seenBefore = new Map<number, Set<number>>(); // user code -> item codes, up to the current row
  for (const r of train) {
    let set = seenBefore.get(table.user[r]!);
    if (!set) seenBefore.set(table.user[r]!, (set = new Set()));
    set.add(table.item[r]!);
  }
  type Case = { query: ReplayQuery; target: number };
  let cases: Case[] = [];
  // Walk the stream in time order so "seen before" is exact at each question.
  const position = new Map<number, number>();
  for (const r of stream) {
    const s = table.session[r]!;
    const user = table.user[r]!;
    let set = seenBefore.get(user);
    if (!set) seenBefore.set(user, (set = new Set()));
    if (s >= 0 && started.has(s)) {
      const i = position.get(s) ?? 0;
      position.set(s, i + 1);
      if (i > 0 && !set.has(table.item[r]!) && POSITIVE_TYPE_CODES[table.type[r]!]) {
        const prefix = sessionRows.get(s)!.slice(0, i);
        cases.push({
          query: {
            id: String(cases.length),
            ts: table.timestamp[r]!,
            userId: table.users[user]!,
            sessionId: table.sessions[s]!,
            session: prefix.map((p) => table.items[table.item[p]!]!),
          },
          target: table.item[r]!,
        });
      }
    }
    set.add(table.item[r]!);
  }
  if (options.maxCases !== undefined && cases.length > options.maxCases) {
    const rng = createRandom(options.seed ?? 42);
    const picked = cases.map((c, i) => ({ c, r: rng.next(), i })).sort((a, b) => a.r - b.r || a.i - b.i);
    cases = picked.slice(0, options.maxCases).sort((a, b) => a.i - b.i).map((p) => p.c);
    cases.forEach((c, i) => (c.query.id = String(i)));
  }
  if (cases.length === 0) {
    throw new MyContentError('INVALID_INPUT', `no test session of two clicks or more starts at or after ${new Date(cut).toISOString()}`, { source: 'replay', field: 'at', value: cut });
  }
  const trainedItems = new Set<number>();
  for (const r of train) trainedItems.add(table.item[r]!);
  const unseen = cases.filter((c) => !trainedItems.has(c.target)).length / cases.length;
  const clickedInWindow = new Set<number>();
  for (const r of stream) clickedInWindow.add(table.item[r]!);

  const results: ReplayEvaluation[] = [];
  const queries = cases.map((c) => c.query);
  for (const [name, factory] of Object.entries(options.models)) {
    for (const update of updates) {
      const catalog = new ItemCatalog();
      let hits = 0;
      let rr = 0;
      let ndcg = 0;
      const recommended = new Set<number>();
      const label = `${name} (${describeUpdate(update)})`;
      const stats = await walkReplay(
        {
          table,
          train,
          stream,
          queries,
          ranking: factory(),
          ...(options.fallback ? { fallback: options.fallback() } : {}),
          k,
          update,
          ...(options.items ? { items: options.items } : {}),
          catalog,
          onProgress: (p) => options.onProgress?.({ ...p, phase: `${label}: ${p.phase}` }),
        },
        (q, items) => {
          const relevant = new Set([catalog.indexOf(table.items[cases[q]!.target]!)]);
          hits += hitRateAtK(items, relevant, k);
          rr += reciprocalRankAtK(items, relevant, k);
          ndcg += ndcgAtK(items, relevant, k);
          for (const i of items) recommended.add(i);
        },
      );
      let covered = 0;
      for (const code of clickedInWindow) if (recommended.has(catalog.indexOf(table.items[code]!))) covered++;
      results.push({
        model: name,
        update: describeUpdate(update),
        hitRate: hits / cases.length,
        mrr: rr / cases.length,
        ndcg: ndcg / cases.length,
        coverage: covered / Math.max(1, clickedInWindow.size),
        stats,
      });
    }
  }
  return {
    protocol: `replay from ${new Date(cut).toISOString()}: next click in ${cases.length.toLocaleString('en-US')} test-session prefixes, each answered with only the events before it; full-catalogue ranking; k = ${k}; the user's earlier items and the session's excluded`,
    k,
    cases: cases.length,
    trainInteractions: train.length,
    streamEvents: stream.length,
    unseenTargets: unseen,
    results,
  };
}

/** A replay report as a plain-text table, protocol first. */
export function formatReplayReport(report: ReplayReport): string {
  const k = report.k;
  const header = ['model', 'update', `HR@${k}`, `MRR@${k}`, `nDCG@${k}`, 'cov', 'fit', 'refits', '(events+queries)/s'];
  const rows = report.results.map((r) => [
    r.model,
    r.update,
    r.hitRate.toFixed(4),
    r.mrr.toFixed(4),
    r.ndcg.toFixed(4),
    r.coverage.toFixed(4),
    `${(r.stats.fitMs / 1000).toFixed(2)}s`,
    r.stats.retrains === 0 ? '-' : `${r.stats.retrains} (${(r.stats.retrainMs / 1000).toFixed(1)}s)`,
    Math.round(r.stats.throughput).toLocaleString('en-US'),
  ]);
  return [
    `Protocol: ${report.protocol}`,
    `Data: ${report.trainInteractions.toLocaleString('en-US')} training interactions, ${report.streamEvents.toLocaleString('en-US')} stream events; ${(report.unseenTargets * 100).toFixed(1)} % of next clicks go to articles absent from training`,
    ...formatTable(header, rows, 2),
  ].join('\n');
}
