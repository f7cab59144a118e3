import type { InteractionTable } from '../data/interaction-table';
import { createRandom } from '../data/random';
import { MyContentError } from '../errors/error';

/** Rows of a table split in two (row indices, in table order). */
export interface TrainTestSplit {
  /** Name and parameters of the split, for reports. */
  description: string;
  train: Int32Array;
  test: Int32Array;
}

/** One next-click case: the session so far and the click that followed. */
export interface NextClickCase {
  /** Rows of the session prefix, oldest first. */
  prefix: Int32Array;
  /** The row of the next click. */
  target: number;
}

/** A session split: training rows and next-click cases from the test sessions. */
export interface SessionSplit {
  description: string;
  train: Int32Array;
  /** Test rows (every row of every test session). */
  test: Int32Array;
  cases: NextClickCase[];
}

function rowsByGroup(table: InteractionTable, key: Int32Array, groups: number): { start: Int32Array; rows: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < table.length; i++) if (key[i]! >= 0) start[key[i]! + 1]!++;
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, groups);
  const rows = new Int32Array(start[groups]!);
  for (let i = 0; i < table.length; i++) if (key[i]! >= 0) rows[fill[key[i]!]!++] = i;
  // Order each group by time, ties by row.
  const ts = table.timestamp;
  for (let g = 0; g < groups; g++) {
    const part = rows.subarray(start[g]!, start[g + 1]!);
    let sorted = true;
    for (let j = 1; j < part.length; j++) if (ts[part[j]!]! < ts[part[j - 1]!]!) { sorted = false; break; }
    if (!sorted) part.set(Array.from(part).sort((a, b) => ts[a]! - ts[b]! || a - b));
  }
  return { start, rows };
}

function sortedRows(rows: number[]): Int32Array {
  return Int32Array.from(rows).sort();
}

function checkRatio(ratio: number, field: string): void {
  if (!(ratio > 0 && ratio < 1)) {
    throw new MyContentError('INVALID_INPUT', `${field} must be strictly between 0 and 1, got ${ratio}`, { source: 'split', field, value: ratio });
  }
}

/**
 * Per-user random split: each user's interactions are shuffled with the seed and the first
 * `round(ratio × n)` go to training (users with a single interaction stay in training) — the
 * protocol of the MovieLens benchmarks (75/25 per user).
 *
 * @example
 * ```ts
 * const split = splitRandomPerUser(table, { ratio: 0.75, seed: 42 });
 * ```
 */
export function splitRandomPerUser(table: InteractionTable, options: { ratio?: number; seed?: number } = {}): TrainTestSplit {
  const ratio = options.ratio ?? 0.75;
  const seed = options.seed ?? 42;
  checkRatio(ratio, 'ratio');
  const rng = createRandom(seed);
  const { start, rows } = rowsByGroup(table, table.user, table.users.length);
  const train: number[] = [];
  const test: number[] = [];
  for (let u = 0; u < table.users.length; u++) {
    const part = Array.from(rows.subarray(start[u]!, start[u + 1]!));
    for (let i = part.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [part[i], part[j]] = [part[j]!, part[i]!];
    }
    const cut = part.length < 2 ? part.length : Math.min(part.length - 1, Math.max(1, Math.round(ratio * part.length)));
    for (let i = 0; i < part.length; i++) (i < cut ? train : test).push(part[i]!);
  }
  return { description: `per-user random split, ${Math.round(ratio * 100)}/${Math.round((1 - ratio) * 100)}, seed ${seed}`, train: sortedRows(train), test: sortedRows(test) };
}

/** The time that leaves `testRatio` of the rows at or after it. */
function cutTime(table: InteractionTable, testRatio: number): number {
  const times = Float64Array.from(table.timestamp).sort();
  return times[Math.min(times.length - 1, Math.floor(times.length * (1 - testRatio)))]!;
}

/**
 * Global temporal split: rows before the cut train, rows at or after it test. The cut is `at`
 * (epoch ms) or the time leaving `testRatio` of the rows after it.
 */
export function splitTemporal(table: InteractionTable, options: { at?: number; testRatio?: number } = {}): TrainTestSplit {
  const testRatio = options.testRatio ?? 0.2;
  if (options.at === undefined) checkRatio(testRatio, 'testRatio');
  const at = options.at ?? cutTime(table, testRatio);
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < table.length; i++) (table.timestamp[i]! < at ? train : test).push(i);
  return { description: `global temporal split at ${new Date(at).toISOString()}`, train: Int32Array.from(train), test: Int32Array.from(test) };
}

/** Leave-last-out: each user's latest interaction (ties: the last row) is the test; users with one interaction stay in training. */
export function splitLeaveLastOut(table: InteractionTable): TrainTestSplit {
  const { start, rows } = rowsByGroup(table, table.user, table.users.length);
  const train: number[] = [];
  const test: number[] = [];
  for (let u = 0; u < table.users.length; u++) {
    const a = start[u]!;
    const b = start[u + 1]!;
    for (let k = a; k < b; k++) (k === b - 1 && b - a >= 2 ? test : train).push(rows[k]!);
  }
  return { description: 'leave-last-out per user', train: sortedRows(train), test: sortedRows(test) };
}

/**
 * Session next-click split: sessions starting at or after the cut are test sessions, everything
 * before trains. Each test session of n ≥ 2 clicks gives n − 1 cases: the first i clicks predict
 * click i + 1. Rows without a session are training rows when before the cut and ignored after it.
 */
export function splitSessionNextClick(table: InteractionTable, options: { at?: number; testRatio?: number } = {}): SessionSplit {
  const testRatio = options.testRatio ?? 0.1;
  if (options.at === undefined) checkRatio(testRatio, 'testRatio');
  const at = options.at ?? cutTime(table, testRatio);
  const sessions = table.sessions.length;
  const { start, rows } = rowsByGroup(table, table.session, sessions);
  const sessionStart = new Float64Array(sessions);
  for (let s = 0; s < sessions; s++) sessionStart[s] = start[s + 1]! > start[s]! ? table.timestamp[rows[start[s]!]!]! : Number.POSITIVE_INFINITY;
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < table.length; i++) {
    const s = table.session[i]!;
    const when = s >= 0 ? sessionStart[s]! : table.timestamp[i]!;
    if (when < at) train.push(i);
    else if (s >= 0) test.push(i);
  }
  const cases: NextClickCase[] = [];
  for (let s = 0; s < sessions; s++) {
    if (!(sessionStart[s]! >= at)) continue;
    const part = rows.subarray(start[s]!, start[s + 1]!);
    for (let i = 1; i < part.length; i++) cases.push({ prefix: part.slice(0, i), target: part[i]! });
  }
  return { description: `session next-click split at ${new Date(at).toISOString()}`, train: Int32Array.from(train), test: Int32Array.from(test), cases };
}
