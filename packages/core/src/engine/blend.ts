import type { ScoredItems } from '../model/contract';
import type { Candidate } from './candidate';

/** One candidate list to blend. */
export interface BlendSource {
  /** Source name, reported in each result's contributions. */
  name: string;
  /** Non-negative weight. */
  weight: number;
  result: ScoredItems;
}

/**
 * One blended candidate.
 * @deprecated Use {@link Candidate}, the same shape; this name goes in the next minor version.
 */
export type BlendedCandidate = Candidate;

/**
 * How each source's scores are made comparable before weighting:
 * - `minmax`: min–max over the source's own list, to [0.1, 1] (a list of one item gets 1); keeps
 *   how much better the top items are;
 * - `rank`: reciprocal rank, 61 / (60 + rank) with rank 1 for the best (reciprocal rank fusion);
 *   ignores the scores' shape, so a source with a few huge scores cannot drown the others.
 */
export type BlendNormalization = 'minmax' | 'rank';

/**
 * Normalises each source's scores (see {@link BlendNormalization}), multiplies by the source's
 * weight, sums per item, and returns the best `n`, highest first. Weights need not sum to 1:
 * only their ratios matter. Ties break on the lower catalogue index so that results are
 * deterministic.
 *
 * @example
 * ```ts
 * blendSources([{ name: 'knn', weight: 0.7, result: knn }, { name: 'popular', weight: 0.3, result: pop }], 10);
 * blendSources(sources, 10, 'rank'); // reciprocal rank fusion
 * ```
 */
export function blendSources(sources: readonly BlendSource[], n: number, normalization: BlendNormalization = 'minmax'): Candidate[] {
  const merged = new Map<number, Candidate>();
  for (const { name, weight, result } of sources) {
    const len = result.items.length;
    if (len === 0 || weight <= 0) continue;
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < len; i++) {
      const s = result.scores[i]!;
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const range = max - min;
    for (let i = 0; i < len; i++) {
      const normalised =
        normalization === 'rank' ? 61 / (61 + i) : range > 0 ? 0.1 + (0.9 * (result.scores[i]! - min)) / range : 1;
      const contribution = weight * normalised;
      const item = result.items[i]!;
      const entry = merged.get(item);
      if (entry === undefined) {
        merged.set(item, { item, score: contribution, contributions: { [name]: contribution }, source: name });
      } else {
        entry.score += contribution;
        const before = entry.contributions[name] ?? 0;
        entry.contributions[name] = before + contribution;
        if (entry.contributions[name]! > (entry.contributions[entry.source] ?? 0)) entry.source = name;
      }
    }
  }
  const all = [...merged.values()];
  all.sort((a, b) => b.score - a.score || a.item - b.item);
  return all.length > n ? all.slice(0, n) : all;
}
