import { MyContentError, NO_ITEMS, type InMemoryModel, type ItemCatalog, type ModelQuery, type ScoredItems } from '@mycontent/core';
import { TopK } from '@mycontent/core/internal';
import { checkOption } from './options';


/** Scores items from a user vector against item factor rows (compact items). */
export interface FactorScorer {
  /** compact items × f, row-major. */
  readonly itemFactors: Float32Array;
  /** Compact index of a catalogue index, or -1. */
  compactOf(item: number): number;
  /** The best `k` items by dot product with `x`. */
  top(x: Float32Array, k: number, filter?: (item: number) => boolean): ScoredItems;
  /** Dot products with `x` for catalogue items (0 for items without factors). */
  score(x: Float32Array, items: Int32Array): Float32Array;
  /** The items whose factors have the highest cosine with the item's. */
  similar(item: number, k: number, filter?: (item: number) => boolean): ScoredItems;
  /** Item ids of the compact rows. */
  itemIds(): string[];
}

/**
 * Builds a {@link FactorScorer} over `itemFactors` (rows in compact order) whose row j is the
 * catalogue item `itemCatalog[j]`. `top` scans a norm-ordered copy of the rows with a bounded
 * heap and stops at the Cauchy–Schwarz bound; the filter runs only for items that would enter
 * the heap. Results are exact.
 */
export function factorScorer(
  itemFactors: Float32Array,
  f: number,
  itemCatalog: Int32Array,
  catalogSize: number,
  catalog?: ItemCatalog,
): FactorScorer {
  const n = itemCatalog.length;
  let maxIndex = -1;
  for (let j = 0; j < n; j++) if (itemCatalog[j]! > maxIndex) maxIndex = itemCatalog[j]!;
  const compact = new Int32Array(Math.max(catalogSize, maxIndex + 1)).fill(-1);
  for (let j = 0; j < n; j++) compact[itemCatalog[j]!] = j;
  // The scan visits rows by decreasing norm, so it can stop once |x|·|yⱼ| (an upper bound of
  // x·yⱼ by Cauchy–Schwarz) falls below the k-th best score: exact, and usually far fewer rows.
  const rowNorm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let a = 0; a < f; a++) s += itemFactors[j * f + a]! ** 2;
    rowNorm[j] = Math.sqrt(s);
  }
  const byNorm = Int32Array.from({ length: n }, (_, j) => j).sort((a, b) => rowNorm[b]! - rowNorm[a]! || a - b);
  const scanFactors = new Float32Array(n * f);
  const scanItem = new Int32Array(n);
  const scanNorm = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const j = byNorm[r]!;
    scanFactors.set(itemFactors.subarray(j * f, (j + 1) * f), r * f);
    scanItem[r] = itemCatalog[j]!;
    scanNorm[r] = rowNorm[j]!;
  }
  const heap = new TopK(16);
  const scorer: FactorScorer = {
    itemFactors,
    compactOf: (item) => (item >= 0 && item < compact.length ? compact[item]! : -1),
    top(x, k, filter) {
      if (k < 1 || n === 0) return NO_ITEMS;
      heap.reset(k);
      const Y = scanFactors;
      const f4 = f - (f % 4);
      let xNorm = 0;
      for (let a = 0; a < f; a++) xNorm += x[a]! * x[a]!;
      xNorm = Math.sqrt(xNorm);
      for (let j = 0; j < n; j++) {
        if (xNorm * scanNorm[j]! < heap.threshold) break;
        const o = j * f;
        // Four independent accumulators let the CPU overlap the multiply-adds.
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let a = 0;
        for (; a < f4; a += 4) {
          s0 += x[a]! * Y[o + a]!;
          s1 += x[a + 1]! * Y[o + a + 1]!;
          s2 += x[a + 2]! * Y[o + a + 2]!;
          s3 += x[a + 3]! * Y[o + a + 3]!;
        }
        for (; a < f; a++) s0 += x[a]! * Y[o + a]!;
        const s = s0 + s1 + s2 + s3;
        if (s >= heap.threshold) {
          const item = scanItem[j]!;
          if (!filter || filter(item)) heap.push(item, s);
        }
      }
      return heap.drain();
    },
    score(x, items) {
      const out = new Float32Array(items.length);
      for (let i = 0; i < items.length; i++) {
        const j = scorer.compactOf(items[i]!);
        if (j < 0) continue;
        let s = 0;
        const o = j * f;
        for (let a = 0; a < f; a++) s += x[a]! * itemFactors[o + a]!;
        out[i] = s;
      }
      return out;
    },
    similar(item, k, filter) {
      const q = scorer.compactOf(item);
      if (q < 0 || k < 1) return NO_ITEMS;
      heap.reset(k);
      const qo = q * f;
      for (let j = 0; j < n; j++) {
        if (j === q) continue;
        let s = 0;
        const o = j * f;
        for (let a = 0; a < f; a++) s += itemFactors[qo + a]! * itemFactors[o + a]!;
        s /= (rowNorm[q]! || 1) * (rowNorm[j]! || 1);
        if (s >= heap.threshold) {
          const other = itemCatalog[j]!;
          if (!filter || filter(other)) heap.push(other, s);
        }
      }
      return heap.drain();
    },
    itemIds() {
      const ids = catalog;
      if (!ids) throw new MyContentError('UNSUPPORTED', 'item ids need the catalogue', { source: 'factors' });
      return Array.from(itemCatalog, (i) => ids.idAt(i));
    },
  };
  return scorer;
}

/** Checks the options every factor model shares; `epochs` and `learningRate` when present. */
export function checkFactorOptions(
  source: string,
  config: { factors: number; regularization: number; epochs?: number; learningRate?: number },
): void {
  checkOption(source, Number.isInteger(config.factors) && config.factors >= 1 && config.factors <= 1024, 'factors', config.factors, 'must be an integer in 1..1024');
  checkOption(source, config.regularization >= 0, 'regularization', config.regularization, 'must not be negative');
  if (config.epochs !== undefined) checkOption(source, Number.isInteger(config.epochs) && config.epochs >= 1, 'epochs', config.epochs, 'must be a positive integer');
  if (config.learningRate !== undefined) checkOption(source, config.learningRate > 0, 'learningRate', config.learningRate, 'must be positive');
}

/**
 * Checks that an artifact's factor count matches the model's, and returns its user ids with
 * their index (the part of `restore` every factor model shares).
 */
export function restoreUsers(source: string, state: { config: { factors: number }; userIds: string[] }, factors: number): { userIds: string[]; userIndex: Map<string, number> } {
  if (state.config.factors !== factors) {
    throw new MyContentError('FORMAT', `artifact has ${state.config.factors} factors, this model ${factors}`, { source, field: 'factors', value: state.config.factors });
  }
  return { userIds: state.userIds, userIndex: new Map(state.userIds.map((id, u) => [id, u])) };
}

/** A factor model's users: their ids and the index of each. */
export interface FactorUsers {
  userIds: readonly string[];
  userIndex: ReadonlyMap<string, number>;
}

/** What a factor model holds about one user (for `userData`): their factor vector, or `undefined`. */
export function userFactorsOf(userIndex: ReadonlyMap<string, number>, userFactors: Float32Array, width: number, userId: string): { factors: number[] } | undefined {
  const u = userIndex.get(userId);
  return u === undefined ? undefined : { factors: Array.from(userFactors.subarray(u * width, (u + 1) * width)) };
}

/**
 * Removes one user from a factor model (erasure): the last user's rows move into its place and
 * every per-user array (`width` values a row) loses a row, so nothing of the user is left — not
 * its id, not its vector. The inputs are not modified (a dataset may share them). Returns
 * `undefined` when the model does not know the user.
 */
export function removeUser<A extends Record<string, Float32Array>>(
  users: FactorUsers,
  userId: string,
  rows: { [K in keyof A]: { array: A[K]; width: number } },
): { users: { userIds: string[]; userIndex: Map<string, number> }; rows: A } | undefined {
  const u = users.userIndex.get(userId);
  if (u === undefined) return undefined;
  const last = users.userIds.length - 1;
  const userIds = users.userIds.slice(0, last);
  const userIndex = new Map(users.userIndex);
  userIndex.delete(userId);
  if (u !== last) {
    userIds[u] = users.userIds[last]!;
    userIndex.set(userIds[u]!, u);
  }
  const out = {} as A;
  for (const name of Object.keys(rows) as (keyof A)[]) {
    const { array, width } = rows[name];
    const kept = array.slice(0, last * width) as A[keyof A];
    if (u !== last) kept.set(array.subarray(last * width, (last + 1) * width), u * width);
    out[name] = kept;
  }
  return { users: { userIds, userIndex }, rows: out };
}

/**
 * The query methods every factor model shares: rank, score and "similar" through a
 * {@link FactorScorer}, given how the model turns a query into a user vector.
 */
export function factorQueries(
  scorer: () => FactorScorer | undefined,
  userVector: (query: Pick<ModelQuery, 'userId' | 'history' | 'historyWeights'>) => Float32Array,
  source: string,
): Pick<InMemoryModel, 'recommend' | 'similar'> & { score(query: Omit<ModelQuery, 'k' | 'filter'>, items: Int32Array): Float32Array } {
  const trained = (): FactorScorer => {
    const s = scorer();
    if (!s) throw new MyContentError('NOT_TRAINED', `the ${source} model is not trained`, { source });
    return s;
  };
  return {
    recommend(query) {
      const s = trained();
      return query.k < 1 ? NO_ITEMS : s.top(userVector(query), query.k, query.filter);
    },
    score: (query, items) => trained().score(userVector(query), items),
    similar: (item, k, filter) => trained().similar(item, k, filter),
  };
}
