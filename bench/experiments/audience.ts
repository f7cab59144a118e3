/**
 * Experiments replayed on the news audience simulator. Each policy runs once through the simulated
 * days (examples/simulator) and every list it shows is kept with the click probability of each
 * position. An experiment run then samples readers (with replacement: the simulated population
 * stands for a larger one), splits them as the assigner does, and draws their clicks on the lists
 * of their variant's policy — fresh coin flips per run, so that hundreds of experiments cost
 * seconds. The true effect is known: the expected click-through of each policy over the whole
 * population.
 */
import { bucketOf, creditList, offPolicyEstimate, teamDraftInterleave, type InterleavingCredit, type LoggedDecision, type OffPolicyEstimate } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { clickProbability, createWorld, runPolicy, type ShownList, type World } from '../../examples/simulator/src/simulator';
import type { Policy } from '../../examples/simulator/src/policies';

/** A list as a reader saw it: its time and the click probability of each position. */
export interface ReplayList {
  t: number;
  articles: ShownList['articles'];
  probabilities: Float64Array;
}

/** Every list one reader was shown by one policy: before the experiment, and during it. */
export interface ReaderLists {
  before: ReplayList[];
  during: ReplayList[];
}

/** A policy's lists, reader by reader (index = reader). */
export type PolicyLog = ReaderLists[];

/** The simulated audience with two policies' logs: `control` and `treatment`. */
export interface Audience {
  world: World;
  readers: ShownList['user'][];
  control: PolicyLog;
  treatment: PolicyLog;
  /** Expected clicks over impressions of each policy during the experiment, over the whole population. */
  trueCtr: { control: number; treatment: number };
}

/** Runs both policies through the same world and keeps every list they showed. */
export async function simulateAudience(controlPolicy: Policy, treatmentPolicy: Policy, options: { seed?: number; preDays?: number; days?: number } = {}): Promise<Audience> {
  const { seed = 1, preDays = 7, days = 7 } = options;
  // Readers differ in how often they come, as on a real site (a few heavy readers, many light ones).
  const world = createWorld({ seed, days: preDays + days, activitySpread: 1 });
  const index = new Map(world.users.map((u, i) => [u.id, i]));
  const log = async (policy: Policy): Promise<PolicyLog> => {
    const lists: PolicyLog = world.users.map(() => ({ before: [], during: [] }));
    await runPolicy(world, 'experiment arm', policy, 100, (shown) => {
      const probabilities = Float64Array.from(shown.articles, (a, position) => clickProbability(world, shown.user, a, position, shown.t));
      const own = lists[index.get(shown.user.id)!]!;
      (shown.day < preDays ? own.before : own.during).push({ t: shown.t, articles: shown.articles, probabilities });
    });
    return lists;
  };
  const control = await log(controlPolicy);
  const treatment = await log(treatmentPolicy);
  const ctr = (policy: PolicyLog) => {
    let p = 0;
    let shown = 0;
    for (const reader of policy) for (const list of reader.during) for (const x of list.probabilities) (p += x), shown++;
    return p / shown;
  };
  // Readers who saw lists during the experiment under both policies are the population.
  const readers = world.users.filter((_, i) => control[i]!.during.length > 0 && treatment[i]!.during.length > 0);
  const kept = readers.map((u) => index.get(u.id)!);
  return {
    world,
    readers,
    control: kept.map((i) => control[i]!),
    treatment: kept.map((i) => treatment[i]!),
    trueCtr: { control: ctr(kept.map((i) => control[i]!)), treatment: ctr(kept.map((i) => treatment[i]!)) },
  };
}

/** One sampled reader of an experiment run: their variant, and their sums before and during it. */
export interface Unit {
  variant: 0 | 1;
  clicks: number;
  impressions: number;
  lists: number;
  /** Clicks in the pre-period (the control policy for everyone): the CUPED covariate. */
  clicksBefore: number;
}

/**
 * One experiment run: `units` readers drawn with replacement, split 50/50 by the GrowthBook
 * bucket of `experiment-<run>`, clicks drawn from their variant's lists. `aa` gives both
 * variants the control policy.
 */
export function runExperiment(audience: Audience, run: number, units: number, options: { aa?: boolean; weights?: [number, number] } = {}): Unit[] {
  const rng = createRandom(90_001 + run * 7_919);
  const split = options.weights?.[0] ?? 0.5;
  const out: Unit[] = [];
  for (let u = 0; u < units; u++) {
    const reader = rng.int(audience.readers.length);
    const variant: 0 | 1 = bucketOf(`experiment-${run}`, `unit-${u}`, 2)! < split ? 0 : 1;
    const lists = (variant === 1 && !options.aa ? audience.treatment : audience.control)[reader]!;
    const unit: Unit = { variant, clicks: 0, impressions: 0, lists: lists.during.length, clicksBefore: 0 };
    for (const list of audience.control[reader]!.before) for (const p of list.probabilities) if (rng.next() < p) unit.clicksBefore++;
    for (const list of lists.during) {
      for (const p of list.probabilities) if (rng.next() < p) unit.clicks++;
      unit.impressions += list.probabilities.length;
    }
    out.push(unit);
  }
  return out;
}

/** One interleaving run: `units` readers drawn with replacement, each list a team draft of both policies' lists. */
export function runInterleaving(audience: Audience, run: number, units: number): InterleavingCredit[] {
  const rng = createRandom(70_001 + run * 7_919);
  const out: InterleavingCredit[] = [];
  for (let u = 0; u < units; u++) {
    const r = rng.int(audience.readers.length);
    const user = audience.readers[r]!;
    const a = audience.control[r]!.during;
    const b = audience.treatment[r]!.during;
    const credit: InterleavingCredit = { aWins: 0, bWins: 0, ties: 0 };
    for (let k = 0; k < Math.min(a.length, b.length); k++) {
      const { items, teams } = teamDraftInterleave(a[k]!.articles, b[k]!.articles, a[k]!.articles.length, () => rng.next());
      const clicked: number[] = [];
      items.forEach((article, position) => {
        if (rng.next() < clickProbability(audience.world, user, article, position, a[k]!.t)) clicked.push(position);
      });
      const winner = creditList(teams, clicked);
      if (winner === 'a') credit.aWins++;
      else if (winner === 'b') credit.bWins++;
      else credit.ties++;
    }
    out.push(credit);
  }
  return out;
}

/** What an off-policy run compares: the estimate from the exploring logs, and the policy's own run. */
export interface OffPolicyRun {
  estimate: OffPolicyEstimate;
  /** The treatment's own top-slot click-through on as many lists, with its 95 % interval. */
  onPolicy: { ctr: number; interval: [number, number] };
  /** The treatment's expected top-slot click-through over the population. */
  truth: number;
}

/**
 * Off-policy evaluation of the treatment's top slot. The logging policy shows the control's top
 * article with probability 1 − ε, else one drawn uniformly from both policies' lists; the
 * treatment always shows its own top article. `lists` lists of sampled readers are logged (the
 * traffic a site already has), and `onPolicyLists` are run on-policy for comparison (what a test
 * of the new policy would cost).
 */
export function runOffPolicy(audience: Audience, run: number, lists: number, onPolicyLists: number, epsilon = 0.3): OffPolicyRun {
  const rng = createRandom(50_001 + run * 7_919);
  const decisions: LoggedDecision[] = [];
  let onPolicyClicks = 0;
  for (let l = 0; l < lists; l++) {
    const r = rng.int(audience.readers.length);
    const user = audience.readers[r]!;
    const k = rng.int(audience.control[r]!.during.length);
    const control = audience.control[r]!.during[k]!;
    const treatment = audience.treatment[r]!.during[k]!;
    const candidates = [...new Set([...control.articles, ...treatment.articles])];
    const shown = rng.next() < epsilon ? candidates[rng.int(candidates.length)]! : control.articles[0]!;
    const propensity = (shown === control.articles[0] ? 1 - epsilon : 0) + epsilon / candidates.length;
    const reward = rng.next() < clickProbability(audience.world, user, shown, 0, control.t) ? 1 : 0;
    decisions.push({ reward, propensity, targetProbability: shown === treatment.articles[0] ? 1 : 0 });
  }
  for (let l = 0; l < onPolicyLists; l++) {
    const r = rng.int(audience.readers.length);
    const lists_ = audience.treatment[r]!.during;
    if (rng.next() < lists_[rng.int(lists_.length)]!.probabilities[0]!) onPolicyClicks++;
  }
  const ctr = onPolicyClicks / onPolicyLists;
  const half = 1.959964 * Math.sqrt((ctr * (1 - ctr)) / onPolicyLists);
  return { estimate: offPolicyEstimate(decisions), onPolicy: { ctr, interval: [ctr - half, ctr + half] }, truth: topSlotTruth(audience) };
}

let truthCache: { audience: Audience; value: number } | undefined;
function topSlotTruth(audience: Audience): number {
  if (truthCache?.audience === audience) return truthCache.value;
  let sum = 0;
  let count = 0;
  for (const reader of audience.treatment) for (const list of reader.during) (sum += list.probabilities[0]!), count++;
  truthCache = { audience, value: sum / count };
  return truthCache.value;
}
