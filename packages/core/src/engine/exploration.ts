import { createRandom } from '../data/random';
import { fnv1a32 } from '../hash/fnv';
import { candidateOf, type Candidate } from './candidate';
import type { NewestItems } from './newest';
import { interleave, type ProgressivePolicy } from './progressive';

/**
 * The exploration source: `count` fresh items drawn from the newest ones passing `filter`,
 * seeded by `seedKey` (the user and their state, so that a list is stable until they act). Each
 * carries its propensity: the chance it was drawn, `count / pool size`.
 */
export function explore(newest: NewestItems, policy: ProgressivePolicy, count: number, filter: (item: number) => boolean, taken: ReadonlySet<number>, seedKey: string): Candidate[] {
  if (count <= 0) return [];
  const pool = Array.from(newest.take(policy.explorePool)).filter((i) => !taken.has(i) && filter(i));
  const rng = createRandom(policy.seed ^ fnv1a32(seedKey));
  const picked: Candidate[] = [];
  const propensity = Math.min(1, count / pool.length);
  while (picked.length < count && pool.length > 0) {
    const item = pool.splice(rng.int(pool.length), 1)[0]!;
    picked.push({ ...candidateOf(item, 0, 'explore:fresh'), propensity });
  }
  return picked;
}

/**
 * Mixes extra candidates (exploration, new items) into a ranked list at evenly spread places
 * (see {@link interleave}); each extra takes the score of the item ranked just above it.
 */
export function withExtras(main: readonly Candidate[], extra: readonly Candidate[], n: number): Candidate[] {
  if (extra.length === 0) return main.slice(0, n);
  const added = new Set(extra);
  const all = interleave(main, extra, n);
  let previous = all.find((x) => !added.has(x))?.score ?? 0; // an extra on top takes the first score
  return all.map((c) => {
    if (!added.has(c)) {
      previous = c.score;
      return c;
    }
    return { ...c, score: previous };
  });
}

/** The items of a list, to keep the next source from repeating them. */
export function itemsOf(list: readonly Candidate[]): Set<number> {
  return new Set(list.map((c) => c.item));
}
