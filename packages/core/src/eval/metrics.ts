/**
 * Ranking and beyond-accuracy metrics for one recommendation list (or a set of lists). Lists are
 * arrays of item indices, best first; relevance is a set of item indices. Each function is the
 * textbook definition, written out so that it can be checked by hand.
 */

/** Share of the top `k` that is relevant: |top-k ∩ relevant| / k. */
export function precisionAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return hitsAtK(list, relevant, k) / k;
}

/** Share of the relevant items found in the top `k`: |top-k ∩ relevant| / |relevant|. */
export function recallAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size === 0 ? 0 : hitsAtK(list, relevant, k) / relevant.size;
}

/** 1 when at least one relevant item is in the top `k`, else 0. */
export function hitRateAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return hitsAtK(list, relevant, k) > 0 ? 1 : 0;
}

/** Number of relevant items in the top `k`. */
export function hitsAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let hits = 0;
  const n = Math.min(k, list.length);
  for (let i = 0; i < n; i++) if (relevant.has(list[i]!)) hits++;
  return hits;
}

/**
 * Normalised discounted cumulative gain with binary relevance:
 * DCG = Σ_{i ≤ k} rel_i / log2(i + 1) (positions from 1), divided by the DCG of an ideal list
 * holding min(|relevant|, k) relevant items.
 */
export function ndcgAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  const n = Math.min(k, list.length);
  for (let i = 0; i < n; i++) if (relevant.has(list[i]!)) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

/**
 * Average precision at k: the mean of precision@i over the positions i ≤ k holding a relevant
 * item, divided by min(|relevant|, k) (so a perfect list scores 1). MAP is its mean over users.
 */
export function averagePrecisionAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  let sum = 0;
  const n = Math.min(k, list.length);
  for (let i = 0; i < n; i++) {
    if (relevant.has(list[i]!)) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / Math.min(relevant.size, k);
}

/** 1 / position of the first relevant item in the top `k` (positions from 1), 0 when none. */
export function reciprocalRankAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  const n = Math.min(k, list.length);
  for (let i = 0; i < n; i++) if (relevant.has(list[i]!)) return 1 / (i + 1);
  return 0;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative (ties count one half). O((p + n) log(p + n)).
 */
export function auc(positiveScores: ArrayLike<number>, negativeScores: ArrayLike<number>): number {
  const p = positiveScores.length;
  const n = negativeScores.length;
  if (p === 0 || n === 0) return Number.NaN;
  const all: { s: number; pos: boolean }[] = [];
  for (let i = 0; i < p; i++) all.push({ s: positiveScores[i]!, pos: true });
  for (let i = 0; i < n; i++) all.push({ s: negativeScores[i]!, pos: false });
  all.sort((a, b) => a.s - b.s);
  // Rank-sum (Mann–Whitney U) with average ranks for ties.
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.s === all[i]!.s) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (all[t]!.pos) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (p * (p + 1)) / 2) / (p * n);
}

/** Share of the catalogue that appears in at least one list: |∪ lists| / catalogueSize. */
export function catalogCoverage(lists: readonly ArrayLike<number>[], catalogSize: number): number {
  const seen = new Set<number>();
  for (const list of lists) for (let i = 0; i < list.length; i++) seen.add(list[i]!);
  return catalogSize === 0 ? 0 : seen.size / catalogSize;
}

/** Share of the categories that appear in at least one list. `categoryOf` gives a code (< 0: none). */
export function categoryCoverage(lists: readonly ArrayLike<number>[], categoryOf: (item: number) => number, categories: number): number {
  const seen = new Set<number>();
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      const c = categoryOf(list[i]!);
      if (c >= 0) seen.add(c);
    }
  }
  return categories === 0 ? 0 : seen.size / categories;
}

/** Intra-list diversity: the mean distance over all pairs of the list (0 for fewer than 2 items). */
export function intraListDiversity(list: ArrayLike<number>, distance: (a: number, b: number) => number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      sum += distance(list[i]!, list[j]!);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

/**
 * Novelty: the mean self-information −log2 p(i) of the listed items, where p(i) is the share of
 * training users who interacted with i, add-one smoothed: (users(i) + 1) / (users + 1).
 */
export function novelty(list: ArrayLike<number>, usersPerItem: ArrayLike<number>, users: number): number {
  if (list.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < list.length; i++) {
    const item = list[i]!;
    const count = item < usersPerItem.length ? usersPerItem[item]! : 0;
    sum += -Math.log2((count + 1) / (users + 1));
  }
  return sum / list.length;
}

/**
 * Serendipity: the share of the top `k` that is relevant and unexpected, where "expected" items
 * are those a primitive recommender (the most popular items) would have shown.
 */
export function serendipityAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, expected: ReadonlySet<number>, k: number): number {
  let count = 0;
  const n = Math.min(k, list.length);
  for (let i = 0; i < n; i++) if (relevant.has(list[i]!) && !expected.has(list[i]!)) count++;
  return count / k;
}
