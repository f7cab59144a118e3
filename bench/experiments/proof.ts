/**
 * The statistical proofs of the experiments feature, on the audience simulator: false positives of
 * A/A tests (fixed horizon, peeking, sequential), power and coverage of an A/B test at the size the
 * power calculation predicts, CUPED's narrowing, interleaving's saving, off-policy estimates, and
 * the sample-ratio check. Every run is seeded.
 */
import { compareInterleaved, compareMeans, compareRatios, createExperimentAssigner, cupedAdjust, meanSample, normalQuantile, ratioSample, sampleRatioMismatch, type RatioSample } from '@mycontent/core';
import { blendOf } from '../../examples/simulator/src/policies';
import { runExperiment, runInterleaving, runOffPolicy, simulateAudience, type Audience, type Unit } from './audience';

/** The control: a blend leaning on item-kNN; the treatment: the blend tuned in this world. */
export const CONTROL_POLICY = { name: 'kNN 0.6 + content 0.4', policy: blendOf(0.6, 0.4) };
export const TREATMENT_POLICY = { name: 'kNN 0.2 + content 0.8', policy: blendOf(0.2, 0.8) };

/** Each variant's click-through as a ratio sample (clicks and impressions per unit). */
function ctrSamples(units: readonly Unit[]): [RatioSample, RatioSample] {
  const of = (v: 0 | 1) => {
    const mine = units.filter((u) => u.variant === v);
    return ratioSample(mine.map((u) => u.clicks), mine.map((u) => u.impressions));
  };
  return [of(0), of(1)];
}

/** Per-unit variance of a ratio estimate (delta method), so that var(R̂) = this / n. */
function unitVariance(s: RatioSample): number {
  const r = s.numeratorMean / s.denominatorMean;
  return (s.numeratorVariance - 2 * r * s.covariance + r * r * s.denominatorVariance) / s.denominatorMean ** 2;
}

export interface ExperimentProof {
  audience: { readers: number; control: string; treatment: string; trueCtr: { control: number; treatment: number }; impressionsPerReader: number };
  aa: { runs: number; units: number; fixed: number; fixedPeeking: number; sequential: number; looks: number };
  ab: {
    runs: number;
    unitsPerArm: number;
    predictedPower: number;
    power: number;
    coverage: number;
    cupedWidthRatio: number;
    cupedVarianceReduction: number;
    clicksPerUserPower: number;
    clicksPerUserCupedPower: number;
  };
  interleaving: { runs: number; grid: { units: number; power: number }[]; unitsAt80: number; abImpressionsAt80: number; interleavingImpressionsAt80: number; ratio: number };
  offPolicy: { runs: number; lists: number; onPolicyLists: number; epsilon: number; snipsInOnPolicyInterval: number; ipsInOnPolicyInterval: number; snipsCoversTruth: number; truth: number; meanEffectiveSampleSize: number };
  srm: { users: number; balanced: { observed: number[]; pValue: number; mismatch: boolean }; skewed: { observed: number[]; pValue: number; mismatch: boolean } };
}

/** Runs every proof; `runs` experiments per check (at least 200 for A/A and A/B). */
export async function proveExperiments(log: (message: string) => void, runs = 200): Promise<ExperimentProof> {
  log(`simulating both policies: ${CONTROL_POLICY.name} / ${TREATMENT_POLICY.name}`);
  const audience: Audience = await simulateAudience(CONTROL_POLICY.policy, TREATMENT_POLICY.policy);
  const lift = audience.trueCtr.treatment - audience.trueCtr.control;
  const perReader = audience.control.reduce((s, r) => s + r.during.reduce((t, l) => t + l.probabilities.length, 0), 0) / audience.readers.length;

  // A/A: 10 looks as units arrive; fixed horizon once at the end, fixed at every look, sequential at every look.
  log('A/A');
  const aaUnits = 4_000;
  const looks = 50;
  let fixed = 0;
  let fixedPeeking = 0;
  let sequential = 0;
  for (let run = 0; run < runs; run++) {
    const units = runExperiment(audience, run, aaUnits, { aa: true });
    let peeked = false;
    let seq = false;
    for (let look = 1; look <= looks; look++) {
      const [c, t] = ctrSamples(units.slice(0, (aaUnits * look) / looks));
      peeked ||= compareRatios(c, t).significant;
      seq ||= compareRatios(c, t, { sequential: { tuning: aaUnits } }).significant;
      if (look === looks && compareRatios(c, t).significant) fixed++;
    }
    if (peeked) fixedPeeking++;
    if (seq) sequential++;
  }

  // A/B: the sample size for 80 % power from a pilot's per-unit variances and the true lift.
  log('A/B');
  const [pc, pt] = ctrSamples(runExperiment(audience, 10_000, 40_000));
  const z = normalQuantile(0.975) + normalQuantile(0.8);
  const unitsPerArm = Math.ceil((z * z * (unitVariance(pc) + unitVariance(pt))) / (lift * lift));
  log(`true CTR ${audience.trueCtr.control.toFixed(5)} → ${audience.trueCtr.treatment.toFixed(5)}; ${unitsPerArm} readers per arm for 80 % power`);
  let detected = 0;
  let covered = 0;
  let widthRatio = 0;
  let reduction = 0;
  let perUser = 0;
  let perUserCuped = 0;
  for (let run = 0; run < runs; run++) {
    const units = runExperiment(audience, 1_000 + run, 2 * unitsPerArm);
    const [c, t] = ctrSamples(units);
    const result = compareRatios(c, t);
    if (result.significant && result.difference > 0) detected++;
    if (result.interval[0] <= lift && lift <= result.interval[1]) covered++;
    const arms = [0, 1].map((v) => units.filter((u) => u.variant === v));
    const adjusted = cupedAdjust(arms.map((a) => ({ values: a.map((u) => u.clicks), covariates: a.map((u) => u.clicksBefore) })));
    const plain = compareMeans(meanSample(arms[0]!.map((u) => u.clicks)), meanSample(arms[1]!.map((u) => u.clicks)));
    const cuped = compareMeans(adjusted.adjusted[0]!, adjusted.adjusted[1]!);
    widthRatio += (cuped.interval[1] - cuped.interval[0]) / (plain.interval[1] - plain.interval[0]);
    reduction += adjusted.varianceReduction;
    if (plain.significant && plain.difference > 0) perUser++;
    if (cuped.significant && cuped.difference > 0) perUserCuped++;
  }

  // Interleaving: power on a grid of sizes, 100 runs each, until it reaches 80 %.
  log('interleaving');
  const grid: { units: number; power: number }[] = [];
  const interleavingRuns = Math.max(100, Math.floor(runs / 2));
  for (let units = 25; units <= 2 * unitsPerArm; units = Math.ceil(units * 1.5)) {
    let wins = 0;
    for (let run = 0; run < interleavingRuns; run++) {
      const result = compareInterleaved(runInterleaving(audience, 5_000 + run, units));
      if (result.significant && result.difference > 0) wins++;
    }
    grid.push({ units, power: wins / interleavingRuns });
    log(`interleaving: ${units} readers, power ${(wins / interleavingRuns).toFixed(2)}`);
    if (wins / interleavingRuns >= 0.8) break;
  }
  const at80 = grid.find((g) => g.power >= 0.8)?.units ?? Number.NaN;

  // Off-policy: the treatment's top slot, estimated from the control's ε-greedy logs.
  log('off-policy');
  const offLists = 200_000;
  const onPolicyLists = 1_000;
  let snipsIn = 0;
  let ipsIn = 0;
  let truthCovered = 0;
  let ess = 0;
  let truth = 0;
  for (let run = 0; run < runs; run++) {
    const r = runOffPolicy(audience, run, offLists, onPolicyLists);
    truth = r.truth;
    const [lo, hi] = r.onPolicy.interval;
    if (lo <= r.estimate.snips && r.estimate.snips <= hi) snipsIn++;
    if (lo <= r.estimate.ips && r.estimate.ips <= hi) ipsIn++;
    if (r.estimate.snipsInterval[0] <= r.truth && r.truth <= r.estimate.snipsInterval[1]) truthCovered++;
    ess += r.estimate.effectiveSampleSize;
  }

  // Sample ratio: 100,000 users through the assigner, configured 50/50, and 52/48 read as 50/50.
  log('sample ratio');
  const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
  const counts = (weights: [number, number]) => {
    const assigner = createExperimentAssigner({ experiments: [{ key: 'srm', variants: [{ key: 'a', weight: weights[0] }, { key: 'b', weight: weights[1] }] }] });
    const observed = [0, 0];
    for (const user of users) observed[assigner.assign('srm', user).index]!++;
    return observed;
  };
  const check = (observed: number[]) => {
    const r = sampleRatioMismatch(observed, [0.5, 0.5]);
    return { observed, pValue: r.pValue, mismatch: r.mismatch };
  };

  return {
    audience: { readers: audience.readers.length, control: CONTROL_POLICY.name, treatment: TREATMENT_POLICY.name, trueCtr: audience.trueCtr, impressionsPerReader: perReader },
    aa: { runs, units: aaUnits, fixed: fixed / runs, fixedPeeking: fixedPeeking / runs, sequential: sequential / runs, looks },
    ab: {
      runs,
      unitsPerArm,
      predictedPower: 0.8,
      power: detected / runs,
      coverage: covered / runs,
      cupedWidthRatio: widthRatio / runs,
      cupedVarianceReduction: reduction / runs,
      clicksPerUserPower: perUser / runs,
      clicksPerUserCupedPower: perUserCuped / runs,
    },
    interleaving: {
      runs: interleavingRuns,
      grid,
      unitsAt80: at80,
      abImpressionsAt80: 2 * unitsPerArm * perReader,
      interleavingImpressionsAt80: at80 * perReader,
      ratio: (2 * unitsPerArm) / at80,
    },
    offPolicy: { runs, lists: offLists, onPolicyLists, epsilon: 0.3, snipsInOnPolicyInterval: snipsIn / runs, ipsInOnPolicyInterval: ipsIn / runs, snipsCoversTruth: truthCovered / runs, truth, meanEffectiveSampleSize: ess / runs },
    srm: { users: users.length, balanced: check(counts([0.5, 0.5])), skewed: check(counts([0.52, 0.48])) },
  };
}
