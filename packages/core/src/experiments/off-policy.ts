/**
 * Off-policy estimation: what a new policy's click-through would be, from the logs of another
 * policy that explored — before any traffic is spent on the new one. Each logged decision carries
 * the probability the logging policy had of taking it (its propensity, e.g. the exploration
 * draw's); the new policy's probability of the same decision reweights its reward.
 */
import { MyContentError } from '../errors/error';
import { normalQuantile } from './distributions';

const SOURCE = 'experiments';

/** One logged decision, scored for the policy being evaluated. */
export interface LoggedDecision {
  /** The reward observed (1 for a click, 0 for none; any finite number). */
  reward: number;
  /** The logging policy's probability of this decision, in (0, 1]. */
  propensity: number;
  /** The evaluated policy's probability of the same decision, in [0, 1] (1 or 0 for a deterministic policy). */
  targetProbability: number;
}

/** What {@link offPolicyEstimate} reports. */
export interface OffPolicyEstimate {
  /** Decisions read. */
  n: number;
  /** Inverse propensity scoring: the mean of `reward · target / propensity` (unbiased). */
  ips: number;
  ipsInterval: [number, number];
  /** Self-normalised IPS: weighted rewards over the sum of weights (a little biased, much less variable). */
  snips: number;
  snipsInterval: [number, number];
  /** `(Σw)² / Σw²`: how many on-policy decisions the logs are worth; small means the estimate rests on few. */
  effectiveSampleSize: number;
  /** The largest weight `target / propensity`. */
  maxWeight: number;
  alpha: number;
}

/**
 * Estimates a policy's mean reward from decisions logged under another policy (IPS and SNIPS, with
 * normal intervals at 1 − alpha: the sample variance for IPS, the delta method for SNIPS).
 *
 * @example
 * ```ts
 * // Logs of an ε-greedy policy; the new policy would have shown its own top item.
 * offPolicyEstimate(logs.map((x) => ({ reward: x.clicked ? 1 : 0, propensity: x.propensity, targetProbability: x.item === newTop(x.user) ? 1 : 0 })));
 * ```
 */
export function offPolicyEstimate(decisions: Iterable<LoggedDecision>, options: { alpha?: number } = {}): OffPolicyEstimate {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new MyContentError('INVALID_INPUT', `alpha must be within (0, 1), got ${alpha}`, { source: SOURCE, field: 'alpha', value: alpha });
  const weights: number[] = [];
  const rewards: number[] = [];
  let i = 0;
  for (const d of decisions) {
    if (!(d.propensity > 0 && d.propensity <= 1)) throw new MyContentError('INVALID_INPUT', `decision ${i}: propensity must be in (0, 1], got ${d.propensity}`, { source: SOURCE, field: `decisions.${i}.propensity`, value: d.propensity });
    if (!(d.targetProbability >= 0 && d.targetProbability <= 1)) {
      throw new MyContentError('INVALID_INPUT', `decision ${i}: targetProbability must be in [0, 1], got ${d.targetProbability}`, { source: SOURCE, field: `decisions.${i}.targetProbability`, value: d.targetProbability });
    }
    if (!Number.isFinite(d.reward)) throw new MyContentError('INVALID_INPUT', `decision ${i}: reward must be finite`, { source: SOURCE, field: `decisions.${i}.reward`, value: d.reward });
    weights.push(d.targetProbability / d.propensity);
    rewards.push(d.reward);
    i++;
  }
  const n = weights.length;
  if (n < 2) throw new MyContentError('INVALID_INPUT', `need at least two logged decisions, got ${n}`, { source: SOURCE, field: 'decisions', value: n });
  let sw = 0;
  let sw2 = 0;
  let swr = 0;
  let maxWeight = 0;
  for (let k = 0; k < n; k++) {
    sw += weights[k]!;
    sw2 += weights[k]! ** 2;
    swr += weights[k]! * rewards[k]!;
    if (weights[k]! > maxWeight) maxWeight = weights[k]!;
  }
  const ips = swr / n;
  const snips = sw > 0 ? swr / sw : 0;
  let ipsSquares = 0;
  let snipsSquares = 0;
  for (let k = 0; k < n; k++) {
    ipsSquares += (weights[k]! * rewards[k]! - ips) ** 2;
    snipsSquares += weights[k]! ** 2 * (rewards[k]! - snips) ** 2;
  }
  const z = normalQuantile(1 - alpha / 2);
  const ipsHalf = z * Math.sqrt(ipsSquares / (n - 1) / n);
  const snipsHalf = sw > 0 ? z * Math.sqrt(snipsSquares) / sw : 0;
  return {
    n,
    ips,
    ipsInterval: [ips - ipsHalf, ips + ipsHalf],
    snips,
    snipsInterval: [snips - snipsHalf, snips + snipsHalf],
    effectiveSampleSize: sw2 > 0 ? (sw * sw) / sw2 : 0,
    maxWeight,
    alpha,
  };
}
