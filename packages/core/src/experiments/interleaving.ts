/**
 * Team-draft interleaving: two rankers compared inside one list. Each list mixes both rankings —
 * the teams take turns (a coin decides who starts each round) picking their best item not yet in
 * the list — and a click credits the team that placed the item. Every reader sees both rankers,
 * so the comparison needs far fewer impressions than splitting readers between them.
 */
import { MyContentError } from '../errors/error';
import { normalQuantile, normalTail } from './distributions';
import type { Comparison, ComparisonOptions } from './analysis';

const SOURCE = 'experiments';

/** An interleaved list: the items, and for each the team that placed it. */
export interface InterleavedList<T> {
  items: T[];
  teams: ('a' | 'b')[];
}

/**
 * Interleaves two rankings into a list of at most `n` distinct items (team draft). `random`
 * gives uniform numbers in [0, 1) — pass a seeded one (e.g. `createRandom(seed).next`) so that a
 * reader's list is reproducible.
 *
 * @example
 * ```ts
 * const rng = createRandom(fnv1a32(`${userId}:${listId}`));
 * const { items, teams } = teamDraftInterleave(fromA, fromB, 10, () => rng.next());
 * ```
 */
export function teamDraftInterleave<T>(a: readonly T[], b: readonly T[], n: number, random: () => number): InterleavedList<T> {
  if (!Number.isInteger(n) || n < 0) throw new MyContentError('INVALID_INPUT', `n must be a whole number ≥ 0, got ${n}`, { source: SOURCE, field: 'n', value: n });
  const items: T[] = [];
  const teams: ('a' | 'b')[] = [];
  const taken = new Set<T>();
  let ia = 0;
  let ib = 0;
  let countA = 0;
  let countB = 0;
  const next = (list: readonly T[], from: number) => {
    let i = from;
    while (i < list.length && taken.has(list[i]!)) i++;
    return i;
  };
  while (items.length < n) {
    ia = next(a, ia);
    ib = next(b, ib);
    const aLeft = ia < a.length;
    const bLeft = ib < b.length;
    if (!aLeft && !bLeft) break;
    const aPicks = !bLeft || (aLeft && (countA < countB || (countA === countB && random() < 0.5)));
    const item = aPicks ? a[ia]! : b[ib]!;
    taken.add(item);
    items.push(item);
    teams.push(aPicks ? 'a' : 'b');
    if (aPicks) countA++;
    else countB++;
  }
  return { items, teams };
}

/** The clicks one unit (a reader) gave to each team, over their interleaved lists. */
export interface InterleavingCredit {
  /** Lists where team a's items got more clicks than team b's. */
  aWins: number;
  bWins: number;
  /** Lists with as many clicks for both teams (clicked or not). */
  ties: number;
}

/** The credit of one interleaved list: which team's items got more of its clicks (items of neither team, `null`, count for none). */
export function creditList(teams: readonly ('a' | 'b' | null)[], clickedPositions: Iterable<number>): 'a' | 'b' | 'tie' {
  let a = 0;
  let b = 0;
  for (const p of clickedPositions) {
    if (teams[p] === 'a') a++;
    else if (teams[p] === 'b') b++;
  }
  return a > b ? 'a' : b > a ? 'b' : 'tie';
}

/**
 * Whether readers prefer ranker b over ranker a: per reader, the preference
 * `(bWins − aWins) / lists`; their mean, its interval and a z-test of "no preference" (readers are
 * the units, so a reader with many lists does not count as many readers). `control` is the share
 * of a's wins among decided lists, `treatment` b's.
 */
export function compareInterleaved(units: readonly InterleavingCredit[], options: Pick<ComparisonOptions, 'alpha'> = {}): Comparison {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new MyContentError('INVALID_INPUT', `alpha must be within (0, 1), got ${alpha}`, { source: SOURCE, field: 'alpha', value: alpha });
  const prefs: number[] = [];
  let aWins = 0;
  let bWins = 0;
  units.forEach((u, i) => {
    const lists = u.aWins + u.bWins + u.ties;
    if (![u.aWins, u.bWins, u.ties].every((x) => Number.isInteger(x) && x >= 0)) {
      throw new MyContentError('INVALID_INPUT', `unit ${i}: wins and ties must be whole numbers ≥ 0`, { source: SOURCE, field: `units.${i}`, value: u });
    }
    if (lists === 0) return;
    prefs.push((u.bWins - u.aWins) / lists);
    aWins += u.aWins;
    bWins += u.bWins;
  });
  const n = prefs.length;
  if (n < 2) throw new MyContentError('INVALID_INPUT', `need at least two units with lists, got ${n}`, { source: SOURCE, field: 'units', value: n });
  const mean = prefs.reduce((s, x) => s + x, 0) / n;
  const variance = prefs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const se = Math.sqrt(variance / n);
  const decided = aWins + bWins;
  const control = decided > 0 ? aWins / decided : 0.5;
  const treatment = decided > 0 ? bWins / decided : 0.5;
  const pValue = se === 0 ? (mean === 0 ? 1 : 0) : 2 * normalTail(Math.abs(mean) / se);
  const half = normalQuantile(1 - alpha / 2) * se;
  return { control, treatment, difference: mean, relativeLift: control > 0 ? treatment / control - 1 : Number.NaN, interval: [mean - half, mean + half], pValue, significant: pValue < alpha, alpha, method: 'fixed' };
}
