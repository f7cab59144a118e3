/**
 * An experiment's results from what was logged: the lists served under each variant (exposures)
 * joined to the feedback they received (interactions), per user — the unit of assignment — and
 * each variant compared with the control.
 */
import { MyContentError } from '../errors/error';
import type { Interaction, InteractionType } from '../domain/schemas';
import { compareMeans, compareRatios, ratioSample, sampleRatioMismatch, type Comparison, type ComparisonOptions, type SampleRatioCheck } from './analysis';
import { cupedAdjust, meanSample } from './cuped';
import { compareInterleaved, creditList, type InterleavingCredit } from './interleaving';
import type { Experiment } from './assigner';
import type { ListExposure } from './exposures';

const SOURCE = 'experiments';

/** Records, one by one or in pages, synchronously or not (a store's `scan()` fits). */
export type RecordSource<T> = Iterable<T | readonly T[]> | AsyncIterable<T | readonly T[]>;

/** Options of {@link experimentResults}. */
export interface ExperimentResultsOptions extends ComparisonOptions {
  /** The experiment, as the assigner holds it (its variants and weights). */
  experiment: Pick<Experiment, 'key' | 'variants'>;
  /** The lists served (e.g. `exposureStore.scan({ experiment })`); lists of other experiments are skipped. */
  exposures: RecordSource<ListExposure>;
  /** The feedback (e.g. `store.interactions.scan()`). */
  interactions: RecordSource<Interaction>;
  /** The variant the others are compared with. @default the first variant */
  control?: string;
  /**
   * How long after a list was served feedback without a `recommendationId` is attributed to it:
   * to the user's latest list within this window that showed the item. @default 30 minutes
   */
  attributionWindowMs?: number;
  /** The interaction types that count as a click. @default click, read, like, share */
  clickTypes?: readonly InteractionType[];
  /** An item's category, for the intra-list diversity. @default none (diversity is not measured) */
  categoryOf?: (itemId: string) => string | undefined;
  /**
   * The pre-experiment period whose clicks are each user's CUPED covariate: the clicks per user
   * are also compared after adjustment (`clicksPerUserCuped`). 0 turns it off. @default 14 days
   */
  preExperimentMs?: number;
}

/** One variant's numbers. */
export interface VariantResult {
  variant: string;
  /** Users served at least one list of this variant. */
  users: number;
  lists: number;
  /** Items shown (list lengths summed). */
  impressions: number;
  /** Distinct items clicked per list, summed. */
  clicks: number;
  /** clicks / impressions. */
  ctr: number;
  /** Share of lists with at least one click. */
  listCtr: number;
  clicksPerList: number;
  /** Reading time of attributed feedback per list, seconds. */
  engagementSecondsPerList: number;
  /** Attributed clicks per user. */
  clicksPerUser: number;
  /** Mean share of item pairs of a list in different categories (when `categoryOf` is given). */
  diversity?: number;
  /** Distinct items shown, over the catalogue items shown by any variant. */
  coverage: number;
  /** Mean self-information of the items shown, −log2 of their share of all clicks (higher: less popular). */
  novelty: number;
}

/** One variant against the control. */
export interface VariantComparisons {
  ctr: Comparison;
  listCtr: Comparison;
  clicksPerList: Comparison;
  engagementSecondsPerList: Comparison;
  /** Clicks per user (Welch). */
  clicksPerUser: Comparison;
  /** Clicks per user adjusted by each user's pre-experiment clicks (CUPED), when `preExperimentMs` > 0. */
  clicksPerUserCuped?: Comparison;
}

/** How feedback was attributed. */
export interface AttributionCounts {
  /** Clicks naming a list of the experiment. */
  byListId: number;
  /** Clicks without a list id, attributed to the user's latest list that showed the item in the window. */
  byWindow: number;
  /** Clicks naming a list id no exposure of the experiment has (stored, counted here, never lost). */
  unknownListId: number;
  /** Clicks naming a list of the experiment that did not show the item. */
  notInList: number;
  /**
   * Clicks without a list id, made after the experiment's first list, and no list of the
   * experiment showing the item in the window.
   */
  unattributed: number;
}

/** What {@link experimentResults} reports. */
export interface ExperimentResults {
  experiment: string;
  control: string;
  variants: VariantResult[];
  /** Each other variant against the control, per metric (ratios by the delta method, users as units). */
  comparisons: Record<string, VariantComparisons | undefined>;
  /** The CUPED adjustment of the clicks per user: its coefficient and the share of variance it removed. */
  cuped: { theta: number; varianceReduction: number } | undefined;
  /** Users per variant against the configured weights. */
  sampleRatio: SampleRatioCheck | undefined;
  attribution: AttributionCounts;
  /**
   * For each variant that served interleaved lists (its `interleave` setting): whether readers
   * preferred ranker `b` over `a` — per reader, lists where b's items got more clicks minus lists
   * where a's did, over their lists (see `compareInterleaved`).
   */
  interleaving: Record<string, Comparison | undefined>;
  /** Users seen under two variants of the experiment (counted in their first): non-zero means the split leaked. */
  usersInSeveralVariants: number;
  /** Lists served to no user (anonymous requests): not in the results. */
  anonymousLists: number;
}

const DEFAULT_CLICK_TYPES: readonly InteractionType[] = ['click', 'read', 'like', 'share'];

interface ListRecord {
  user: number;
  servedAt: number;
  items: readonly string[];
  teams: readonly ('a' | 'b' | null)[] | undefined;
  clicked: Set<string> | undefined;
}

/** Per user of a variant: lists, impressions, clicks, lists clicked, engagement, diversity, novelty. */
class UnitSums {
  readonly users: number[] = [];
  readonly lists: number[] = [];
  readonly impressions: number[] = [];
  readonly clicks: number[] = [];
  readonly clickedLists: number[] = [];
  readonly seconds: number[] = [];
  readonly diversity: number[] = [];
  readonly novelty: number[] = [];
  readonly before: number[] = [];
}

async function* records<T>(source: RecordSource<T>): AsyncGenerator<T> {
  for await (const entry of source as AsyncIterable<T | readonly T[]>) {
    if (Array.isArray(entry)) yield* entry as readonly T[];
    else yield entry as T;
  }
}

/**
 * The results of one experiment from its exposures and the feedback, user by user:
 *
 * 1. each list served under the experiment is its variant's, and its user's;
 * 2. each click is attributed — to the list it names (`recommendationId`), or, naming none, to the
 *    user's latest list that showed the item within `attributionWindowMs`; a click naming an
 *    unknown list is counted as such, never dropped;
 * 3. per variant: CTR, lists clicked, clicks and reading time per list, diversity, coverage,
 *    novelty; each ratio compared with the control by the delta method (users are the units),
 *    fixed-horizon or sequential (`sequential: true`); the users per variant checked against the
 *    weights (sample-ratio mismatch).
 *
 * @example
 * ```ts
 * const results = await experimentResults({
 *   experiment: assigner.experiments[0]!,
 *   exposures: exposureStore.scan({ experiment: 'blend-weight' }),
 *   interactions: store.interactions.scan(),
 *   sequential: true,
 * });
 * results.comparisons['more-content']?.ctr; // { difference, interval, pValue, significant, ... }
 * ```
 */
export async function experimentResults(options: ExperimentResultsOptions): Promise<ExperimentResults> {
  const { experiment } = options;
  const variantKeys = experiment.variants.map((v) => v.key);
  const control = options.control ?? variantKeys[0]!;
  if (!variantKeys.includes(control)) {
    throw new MyContentError('INVALID_INPUT', `control ${JSON.stringify(control)} is not a variant of ${JSON.stringify(experiment.key)}`, { source: SOURCE, field: 'control', value: control });
  }
  const windowMs = options.attributionWindowMs ?? 30 * 60_000;
  if (!(windowMs >= 0)) throw new MyContentError('INVALID_INPUT', `attributionWindowMs must be ≥ 0, got ${windowMs}`, { source: SOURCE, field: 'attributionWindowMs', value: windowMs });
  const clickTypes = new Set(options.clickTypes ?? DEFAULT_CLICK_TYPES);
  const preExperimentMs = options.preExperimentMs ?? 14 * 86_400_000;
  if (!(preExperimentMs >= 0)) throw new MyContentError('INVALID_INPUT', `preExperimentMs must be ≥ 0, got ${preExperimentMs}`, { source: SOURCE, field: 'preExperimentMs', value: preExperimentMs });

  // 1. Lists, by id and by user (in served order), and each user's variant.
  const lists = new Map<string, ListRecord>();
  const userIndex = new Map<string, number>();
  const userVariant: number[] = [];
  const userLists: ListRecord[][] = [];
  let usersInSeveralVariants = 0;
  let anonymousLists = 0;
  let firstServedAt = Number.POSITIVE_INFINITY;
  for await (const x of records(options.exposures)) {
    const served = x.experiments.find((e) => e.experiment === experiment.key);
    if (!served) continue;
    const variant = variantKeys.indexOf(served.variant);
    if (variant < 0) {
      throw new MyContentError('INVALID_INPUT', `exposure ${x.id} names unknown variant ${JSON.stringify(served.variant)} of ${JSON.stringify(experiment.key)}`, {
        source: SOURCE,
        field: 'exposures.experiments.variant',
        value: served.variant,
      });
    }
    if (x.userId === undefined) {
      anonymousLists++;
      continue;
    }
    let user = userIndex.get(x.userId);
    if (user === undefined) {
      user = userVariant.length;
      userIndex.set(x.userId, user);
      userVariant.push(variant);
      userLists.push([]);
    } else if (userVariant[user] !== variant && userVariant[user]! >= 0) {
      usersInSeveralVariants++;
      userVariant[user] = -1 - userVariant[user]!; // marked, kept in the first variant
    }
    if (x.servedAt < firstServedAt) firstServedAt = x.servedAt;
    const record: ListRecord = { user, servedAt: x.servedAt, items: x.items, teams: x.teams, clicked: undefined };
    lists.set(x.id, record);
    userLists[user]!.push(record);
  }
  for (const own of userLists) own.sort((a, b) => a.servedAt - b.servedAt);

  // 2. Feedback attributed to lists.
  const attribution: AttributionCounts = { byListId: 0, byWindow: 0, unknownListId: 0, notInList: 0, unattributed: 0 };
  const seconds = new Float64Array(userVariant.length);
  const before = new Float64Array(userVariant.length);
  const itemClicks = new Map<string, number>();
  let totalClicks = 0;
  const latestShowing = (own: readonly ListRecord[], itemId: string, at: number): ListRecord | undefined => {
    for (let i = own.length - 1; i >= 0; i--) {
      const list = own[i]!;
      if (list.servedAt > at) continue;
      if (at - list.servedAt > windowMs) return undefined;
      if (list.items.includes(itemId)) return list;
    }
    return undefined;
  };
  for await (const x of records(options.interactions)) {
    if (!clickTypes.has(x.type)) continue;
    // Feedback from before the experiment's first list is not the experiment's: it is the CUPED covariate.
    if (x.recommendationId === undefined && x.timestamp < firstServedAt) {
      const user = userIndex.get(x.userId);
      if (user !== undefined && x.timestamp >= firstServedAt - preExperimentMs) before[user]!++;
      continue;
    }
    itemClicks.set(x.itemId, (itemClicks.get(x.itemId) ?? 0) + 1);
    totalClicks++;
    let list: ListRecord | undefined;
    if (x.recommendationId !== undefined) {
      list = lists.get(x.recommendationId);
      if (!list) {
        attribution.unknownListId++;
        continue;
      }
      if (!list.items.includes(x.itemId)) {
        attribution.notInList++;
        continue;
      }
      attribution.byListId++;
    } else {
      const user = userIndex.get(x.userId);
      list = user === undefined ? undefined : latestShowing(userLists[user]!, x.itemId, x.timestamp);
      if (!list) {
        attribution.unattributed++;
        continue;
      }
      attribution.byWindow++;
    }
    (list.clicked ??= new Set()).add(x.itemId);
    seconds[list.user]! += x.duration ?? 0;
  }

  // 3. Per user, then per variant.
  const sums = variantKeys.map(() => new UnitSums());
  const credits = variantKeys.map((): InterleavingCredit[] => []);
  const shown = variantKeys.map(() => new Set<string>());
  const allShown = new Set<string>();
  const { categoryOf } = options;
  userLists.forEach((own, user) => {
    const v = userVariant[user]! >= 0 ? userVariant[user]! : -1 - userVariant[user]!;
    const s = sums[v]!;
    let impressions = 0;
    let clicks = 0;
    let clickedLists = 0;
    let diversity = 0;
    let novelty = 0;
    let credit: InterleavingCredit | undefined;
    for (const list of own) {
      if (list.teams) {
        credit ??= { aWins: 0, bWins: 0, ties: 0 };
        const winner = creditList(list.teams, [...(list.clicked ?? [])].map((item) => list.items.indexOf(item)));
        if (winner === 'a') credit.aWins++;
        else if (winner === 'b') credit.bWins++;
        else credit.ties++;
      }
      impressions += list.items.length;
      clicks += list.clicked?.size ?? 0;
      if (list.clicked) clickedLists++;
      if (categoryOf) diversity += intraListDiversity(list.items, categoryOf);
      for (const item of list.items) {
        shown[v]!.add(item);
        allShown.add(item);
        novelty += -Math.log2(((itemClicks.get(item) ?? 0) + 1) / (totalClicks + 1));
      }
    }
    s.users.push(user);
    s.lists.push(own.length);
    s.impressions.push(impressions);
    s.clicks.push(clicks);
    s.clickedLists.push(clickedLists);
    s.seconds.push(seconds[user]!);
    s.diversity.push(diversity);
    s.novelty.push(novelty);
    s.before.push(before[user]!);
    if (credit) credits[v]!.push(credit);
  });
  const ratio = (a: readonly number[], b: readonly number[]) => {
    const den = b.reduce((x, y) => x + y, 0);
    return den > 0 ? a.reduce((x, y) => x + y, 0) / den : 0;
  };
  const total = (a: readonly number[]) => a.reduce((x, y) => x + y, 0);
  const variants: VariantResult[] = variantKeys.map((variant, v) => {
    const s = sums[v]!;
    const result: VariantResult = {
      variant,
      users: s.users.length,
      lists: total(s.lists),
      impressions: total(s.impressions),
      clicks: total(s.clicks),
      ctr: ratio(s.clicks, s.impressions),
      listCtr: ratio(s.clickedLists, s.lists),
      clicksPerList: ratio(s.clicks, s.lists),
      engagementSecondsPerList: ratio(s.seconds, s.lists),
      clicksPerUser: s.users.length > 0 ? total(s.clicks) / s.users.length : 0,
      coverage: allShown.size > 0 ? shown[v]!.size / allShown.size : 0,
      novelty: ratio(s.novelty, s.impressions),
    };
    if (categoryOf) result.diversity = ratio(s.diversity, s.lists);
    return result;
  });

  const c = variantKeys.indexOf(control);
  const comparisons: ExperimentResults['comparisons'] = {};
  let cuped: ExperimentResults['cuped'];
  for (let v = 0; v < variantKeys.length; v++) {
    if (v === c) continue;
    const a = sums[c]!;
    const b = sums[v]!;
    if (a.users.length < 2 || b.users.length < 2 || total(a.impressions) === 0 || total(b.impressions) === 0) {
      comparisons[variantKeys[v]!] = undefined;
      continue;
    }
    const compare = (num: (s: UnitSums) => number[], den: (s: UnitSums) => number[]) => compareRatios(ratioSample(num(a), den(a)), ratioSample(num(b), den(b)), options);
    const found: VariantComparisons = {
      ctr: compare((s) => s.clicks, (s) => s.impressions),
      listCtr: compare((s) => s.clickedLists, (s) => s.lists),
      clicksPerList: compare((s) => s.clicks, (s) => s.lists),
      engagementSecondsPerList: compare((s) => s.seconds, (s) => s.lists),
      clicksPerUser: compareMeans(meanSample(a.clicks), meanSample(b.clicks), options),
    };
    if (preExperimentMs > 0) {
      const adjustment = cupedAdjust([
        { values: a.clicks, covariates: a.before },
        { values: b.clicks, covariates: b.before },
      ]);
      found.clicksPerUserCuped = compareMeans(adjustment.adjusted[0]!, adjustment.adjusted[1]!, options);
      cuped ??= { theta: adjustment.theta, varianceReduction: adjustment.varianceReduction };
    }
    comparisons[variantKeys[v]!] = found;
  }
  const interleaving: ExperimentResults['interleaving'] = {};
  credits.forEach((units, v) => {
    if (units.length > 0) interleaving[variantKeys[v]!] = units.length >= 2 ? compareInterleaved(units, options) : undefined;
  });
  const weights = experiment.variants.every((x) => x.weight !== undefined) ? experiment.variants.map((x) => x.weight!) : experiment.variants.map(() => 1);
  const counts = sums.map((s) => s.users.length);
  const sampleRatio =
    variantKeys.length >= 2 && weights.every((w) => w > 0) && counts.some((n) => n > 0) ? sampleRatioMismatch(counts, weights) : undefined;
  return { experiment: experiment.key, control, variants, comparisons, cuped, interleaving, sampleRatio, attribution, usersInSeveralVariants, anonymousLists };
}

/** The share of item pairs of a list in different categories (items without one are alike only to themselves). */
function intraListDiversity(items: readonly string[], categoryOf: (itemId: string) => string | undefined): number {
  if (items.length < 2) return 0;
  const categories = items.map(categoryOf);
  let different = 0;
  let pairs = 0;
  for (let i = 0; i < categories.length; i++) {
    for (let j = i + 1; j < categories.length; j++) {
      pairs++;
      if (categories[i] === undefined || categories[i] !== categories[j]) different++;
    }
  }
  return different / pairs;
}
