/**
 * Deterministic bucketing of users into experiment variants, bucket for bucket the same as
 * GrowthBook's SDKs (hash versions 1 and 2, bucket ranges, namespaces), so that a team already
 * running GrowthBook gets the same assignments from either side.
 */
import { fnv1a32 } from '../hash/fnv';

/** A range of the unit interval, `[start, end)`. */
export type BucketRange = readonly [start: number, end: number];

/** A namespace slice: experiments in one namespace with disjoint slices never share a user. */
export type NamespaceSlice = readonly [namespace: string, start: number, end: number];

/**
 * Where `value` (a user id) falls in [0, 1) for `seed` (an experiment's seed or key).
 * Version 1: FNV-1a of value + seed, modulo 1,000. Version 2 (better spread for seeds that share a
 * prefix): FNV-1a of the decimal FNV-1a of seed + value, modulo 10,000. Any other version: `null`.
 */
export function bucketOf(seed: string, value: string, version: number): number | null {
  if (version === 1) return (fnv1a32(value + seed) % 1000) / 1000;
  if (version === 2) return (fnv1a32(String(fnv1a32(seed + value))) % 10_000) / 10_000;
  return null;
}

/** `n` equal weights summing to 1 (none for n ≤ 0). */
export function equalWeights(n: number): number[] {
  return n <= 0 ? [] : new Array<number>(n).fill(1 / n);
}

/**
 * The bucket range of each of `variants` variants: laid end to end by weight, each variant's range
 * starting where its full weight would start, shortened to `coverage` of its length (so that
 * raising coverage only adds users, it never moves one). Coverage is clamped to [0, 1]; weights of
 * the wrong length or not summing to 1 (±0.01) fall back to equal weights.
 */
export function bucketRanges(variants: number, coverage = 1, weights?: readonly number[]): BucketRange[] {
  const share = Math.min(1, Math.max(0, coverage));
  let w = weights ?? equalWeights(variants);
  const total = w.reduce((sum, x) => sum + x, 0);
  if (w.length !== variants || total < 0.99 || total > 1.01) w = equalWeights(variants);
  let start = 0;
  return w.map((weight) => {
    const range: BucketRange = [start, start + share * weight];
    start += weight;
    return range;
  });
}

/** The index of the range holding `bucket`, or -1 when it falls in none (outside the coverage). */
export function variantAt(bucket: number, ranges: readonly BucketRange[]): number {
  for (let i = 0; i < ranges.length; i++) {
    const [start, end] = ranges[i]!;
    if (bucket >= start && bucket < end) return i;
  }
  return -1;
}

/** Whether `userKey` falls inside the namespace slice (hash version 1 of `__<namespace>`). */
export function inNamespaceSlice(userKey: string, [namespace, start, end]: NamespaceSlice): boolean {
  const bucket = bucketOf(`__${namespace}`, userKey, 1)!;
  return bucket >= start && bucket < end;
}
