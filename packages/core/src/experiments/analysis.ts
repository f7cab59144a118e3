/**
 * Reading an experiment's results: differences between variants with confidence intervals (two
 * proportions, two means by Welch's test, two ratios by the delta method), either fixed-horizon
 * (decide the sample size first, look once) or always valid (asymptotic confidence sequences: look
 * as often as you like), and the sample-ratio-mismatch check that tells whether the split itself
 * went wrong.
 */
import { MyContentError } from '../errors/error';
import { chiSquareTail, normalQuantile, normalTail, studentQuantile, studentTail } from './distributions';

const SOURCE = 'experiments';

/** Successes out of trials (clicks out of lists shown, readers out of visitors...). */
export interface ProportionSample {
  successes: number;
  trials: number;
}

/** A metric's summary over the units of one variant (engagement seconds per user...). */
export interface MeanSample {
  /** Units measured. */
  n: number;
  mean: number;
  /** Sample variance (n − 1 denominator). */
  variance: number;
}

/**
 * A ratio of two sums over the units of one variant — clicks over impressions, summed over users —
 * summarised per unit: the means and (co)variances of numerator and denominator (see {@link ratioSample}).
 */
export interface RatioSample {
  /** Units measured (users). */
  n: number;
  numeratorMean: number;
  denominatorMean: number;
  numeratorVariance: number;
  denominatorVariance: number;
  covariance: number;
}

/** The difference of a treatment over its control. */
export interface Comparison {
  control: number;
  treatment: number;
  /** treatment − control. */
  difference: number;
  /** difference / control (`NaN` when the control is 0). */
  relativeLift: number;
  /** Two-sided confidence interval of `difference` at 1 − alpha (a confidence sequence when sequential). */
  interval: [number, number];
  /** Two-sided p-value of "no difference" (always valid when sequential). */
  pValue: number;
  /** `pValue < alpha`. */
  significant: boolean;
  alpha: number;
  /** `fixed`: valid for one look at a planned sample size; `sequential`: valid at every look. */
  method: 'fixed' | 'sequential';
}

/** Options of the comparisons. */
export interface ComparisonOptions {
  /** Significance level (two-sided). @default 0.05 */
  alpha?: number;
  /**
   * Always-valid inference (asymptotic confidence sequences): the interval and p-value hold
   * whenever the results are read, however often, at the cost of wider intervals. `tuning` is the
   * total sample size (both arms) where the sequence is tightest. @default false (fixed horizon)
   */
  sequential?: boolean | { tuning?: number };
}

/** The default sample size (both arms) where a confidence sequence is tightest. */
export const DEFAULT_SEQUENTIAL_TUNING = 5_000;

function checkCount(value: number, field: string, min = 0): void {
  if (!Number.isFinite(value) || value < min || !Number.isInteger(value)) {
    throw new MyContentError('INVALID_INPUT', `${field} must be a whole number ≥ ${min}, got ${value}`, { source: SOURCE, field, value });
  }
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new MyContentError('INVALID_INPUT', `alpha must be within (0, 1), got ${alpha}`, { source: SOURCE, field: 'alpha', value: alpha });
}

function tuningOf(options: ComparisonOptions): number | undefined {
  const { sequential } = options;
  if (!sequential) return undefined;
  const tuning = sequential === true ? DEFAULT_SEQUENTIAL_TUNING : (sequential.tuning ?? DEFAULT_SEQUENTIAL_TUNING);
  if (!(tuning > 0 && Number.isFinite(tuning))) {
    throw new MyContentError('INVALID_INPUT', `sequential.tuning must be a positive number, got ${tuning}`, { source: SOURCE, field: 'sequential.tuning', value: tuning });
  }
  return tuning;
}

/**
 * Half-width of the two-sided asymptotic confidence sequence of a difference whose estimator has
 * standard error `se` after `n` units (both arms), tightest near `tuning` units:
 * `σ · sqrt(2(nρ² + 1) · ln(sqrt(nρ² + 1) / α) / (nρ)²)` with per-unit variance `σ² = se² · n`
 * and `ρ² = (−2 ln α + ln(1 − 2 ln α)) / tuning`.
 */
export function confidenceSequenceHalfWidth(se: number, n: number, alpha: number, tuning = DEFAULT_SEQUENTIAL_TUNING): number {
  const rho2 = (-2 * Math.log(alpha) + Math.log(1 - 2 * Math.log(alpha))) / tuning;
  const v = n * rho2 + 1;
  return se * Math.sqrt(n) * Math.sqrt((2 * v * Math.log(Math.sqrt(v) / alpha)) / (n * n * rho2));
}

/**
 * The interval, p-value and verdict of a difference from its standard error: fixed horizon (normal,
 * or Student's t with `df`), or always valid (the smallest alpha whose confidence sequence
 * excludes 0, by bisection).
 */
function decide(control: number, treatment: number, se: number, n: number, options: ComparisonOptions, fixed: { pValue: number; quantile: number }): Comparison {
  const alpha = options.alpha ?? 0.05;
  const difference = treatment - control;
  const base = { control, treatment, difference, relativeLift: difference / control, alpha };
  const tuning = tuningOf(options);
  if (tuning === undefined || se === 0) {
    const half = fixed.quantile * se;
    return { ...base, interval: [difference - half, difference + half], pValue: fixed.pValue, significant: fixed.pValue < alpha, method: tuning === undefined ? 'fixed' : 'sequential' };
  }
  const half = confidenceSequenceHalfWidth(se, n, alpha, tuning);
  let pValue = 1;
  if (Math.abs(difference) > confidenceSequenceHalfWidth(se, n, 1 - 1e-9, tuning)) {
    let lo = Math.log(1e-300);
    let hi = Math.log(1 - 1e-9);
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (Math.abs(difference) > confidenceSequenceHalfWidth(se, n, Math.exp(mid), tuning)) hi = mid;
      else lo = mid;
    }
    pValue = Math.exp(hi);
  }
  return { ...base, interval: [difference - half, difference + half], pValue, significant: Math.abs(difference) > half, method: 'sequential' };
}

/**
 * Compares two proportions (a two-proportion z-test: pooled standard error for the test, unpooled
 * for the interval).
 *
 * @example
 * ```ts
 * compareProportions({ successes: 480, trials: 10_000 }, { successes: 560, trials: 10_000 });
 * // { difference: 0.008, interval: [0.0018, 0.0142], pValue: 0.0108, significant: true, ... }
 * compareProportions(control, treatment, { sequential: true }); // valid however often it is read
 * ```
 */
export function compareProportions(control: ProportionSample, treatment: ProportionSample, options: ComparisonOptions = {}): Comparison {
  const alpha = options.alpha ?? 0.05;
  checkAlpha(alpha);
  for (const [name, sample] of [['control', control], ['treatment', treatment]] as const) {
    checkCount(sample.trials, `${name}.trials`, 1);
    checkCount(sample.successes, `${name}.successes`);
    if (sample.successes > sample.trials) {
      throw new MyContentError('INVALID_INPUT', `${name}.successes (${sample.successes}) exceeds ${name}.trials (${sample.trials})`, { source: SOURCE, field: `${name}.successes`, value: sample.successes });
    }
  }
  const p0 = control.successes / control.trials;
  const p1 = treatment.successes / treatment.trials;
  const difference = p1 - p0;
  const pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials);
  const testSe = Math.sqrt(pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials));
  const se = Math.sqrt((p0 * (1 - p0)) / control.trials + (p1 * (1 - p1)) / treatment.trials);
  const pValue = testSe === 0 ? (difference === 0 ? 1 : 0) : 2 * normalTail(Math.abs(difference) / testSe);
  return decide(p0, p1, se, control.trials + treatment.trials, options, { pValue, quantile: normalQuantile(1 - alpha / 2) });
}

/** Compares two means with Welch's t-test (unequal variances, Welch–Satterthwaite degrees of freedom). */
export function compareMeans(control: MeanSample, treatment: MeanSample, options: ComparisonOptions = {}): Comparison {
  const alpha = options.alpha ?? 0.05;
  checkAlpha(alpha);
  for (const [name, sample] of [['control', control], ['treatment', treatment]] as const) {
    checkCount(sample.n, `${name}.n`, 2);
    if (!Number.isFinite(sample.mean)) throw new MyContentError('INVALID_INPUT', `${name}.mean must be finite`, { source: SOURCE, field: `${name}.mean`, value: sample.mean });
    if (!(sample.variance >= 0)) throw new MyContentError('INVALID_INPUT', `${name}.variance must be ≥ 0`, { source: SOURCE, field: `${name}.variance`, value: sample.variance });
  }
  const a = control.variance / control.n;
  const b = treatment.variance / treatment.n;
  const se = Math.sqrt(a + b);
  const difference = treatment.mean - control.mean;
  const n = control.n + treatment.n;
  if (se === 0) return decide(control.mean, treatment.mean, 0, n, options, { pValue: difference === 0 ? 1 : 0, quantile: 0 });
  const df = (a + b) ** 2 / (a ** 2 / (control.n - 1) + b ** 2 / (treatment.n - 1));
  const pValue = 2 * studentTail(Math.abs(difference / se), df);
  return decide(control.mean, treatment.mean, se, n, options, { pValue, quantile: studentQuantile(1 - alpha / 2, df) });
}

/**
 * The per-unit summary of a ratio metric: `numerators[i] / denominators[i]` are unit i's sums
 * (a user's clicks and impressions).
 */
export function ratioSample(numerators: ArrayLike<number>, denominators: ArrayLike<number>): RatioSample {
  const n = numerators.length;
  if (denominators.length !== n) {
    throw new MyContentError('INVALID_INPUT', `give one denominator per numerator (${n} numerators, ${denominators.length} denominators)`, { source: SOURCE, field: 'denominators', value: denominators.length });
  }
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += numerators[i]!;
    sy += denominators[i]!;
  }
  const mx = n > 0 ? sx / n : 0;
  const my = n > 0 ? sy / n : 0;
  let vx = 0;
  let vy = 0;
  let cxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = numerators[i]! - mx;
    const dy = denominators[i]! - my;
    vx += dx * dx;
    vy += dy * dy;
    cxy += dx * dy;
  }
  const d = Math.max(1, n - 1);
  return { n, numeratorMean: mx, denominatorMean: my, numeratorVariance: vx / d, denominatorVariance: vy / d, covariance: cxy / d };
}

/**
 * Compares two ratio metrics whose unit of randomisation is not the unit of the ratio — clicks per
 * impression when users are assigned — with the delta method: the variance of a ratio of means,
 * `(σx² − 2R·σxy + R²·σy²) / (n·μy²)`, and a z-test.
 */
export function compareRatios(control: RatioSample, treatment: RatioSample, options: ComparisonOptions = {}): Comparison {
  const alpha = options.alpha ?? 0.05;
  checkAlpha(alpha);
  const variance = (sample: RatioSample, name: string) => {
    checkCount(sample.n, `${name}.n`, 2);
    if (!(sample.denominatorMean > 0)) {
      throw new MyContentError('INVALID_INPUT', `${name}.denominatorMean must be positive, got ${sample.denominatorMean}`, { source: SOURCE, field: `${name}.denominatorMean`, value: sample.denominatorMean });
    }
    const r = sample.numeratorMean / sample.denominatorMean;
    const v = (sample.numeratorVariance - 2 * r * sample.covariance + r * r * sample.denominatorVariance) / (sample.n * sample.denominatorMean ** 2);
    return { r, v: Math.max(0, v) };
  };
  const c = variance(control, 'control');
  const t = variance(treatment, 'treatment');
  const se = Math.sqrt(c.v + t.v);
  const difference = t.r - c.r;
  const pValue = se === 0 ? (difference === 0 ? 1 : 0) : 2 * normalTail(Math.abs(difference) / se);
  return decide(c.r, t.r, se, control.n + treatment.n, options, { pValue, quantile: normalQuantile(1 - alpha / 2) });
}

/** The outcome of a sample-ratio check. */
export interface SampleRatioCheck {
  /** Units seen per variant. */
  observed: number[];
  /** Units expected per variant from the weights. */
  expected: number[];
  /** Pearson's chi-square statistic. */
  chiSquare: number;
  pValue: number;
  /** `pValue < threshold`: the split is not what was configured; do not trust the comparison. */
  mismatch: boolean;
  threshold: number;
}

/**
 * The sample-ratio-mismatch check: are the units per variant compatible with the configured
 * weights? (Pearson's chi-square test; the usual threshold is strict, 0.001, because a mismatch
 * invalidates the experiment rather than favouring a variant.)
 *
 * @example
 * ```ts
 * sampleRatioMismatch([52_000, 48_000], [0.5, 0.5]).mismatch; // true
 * ```
 */
export function sampleRatioMismatch(observed: readonly number[], weights: readonly number[], options: { threshold?: number } = {}): SampleRatioCheck {
  const threshold = options.threshold ?? 0.001;
  if (observed.length < 2 || observed.length !== weights.length) {
    throw new MyContentError('INVALID_INPUT', `give at least two variants, one weight per count (${observed.length} counts, ${weights.length} weights)`, { source: SOURCE, field: 'weights', value: weights });
  }
  observed.forEach((count, i) => checkCount(count, `observed.${i}`));
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  if (!(totalWeight > 0) || weights.some((w) => !(w > 0))) {
    throw new MyContentError('INVALID_INPUT', 'weights must be positive', { source: SOURCE, field: 'weights', value: weights });
  }
  const total = observed.reduce((sum, c) => sum + c, 0);
  const expected = weights.map((w) => (total * w) / totalWeight);
  const chiSquare = total === 0 ? 0 : observed.reduce((sum, c, i) => sum + (c - expected[i]!) ** 2 / expected[i]!, 0);
  const pValue = total === 0 ? 1 : chiSquareTail(chiSquare, observed.length - 1);
  return { observed: [...observed], expected, chiSquare, pValue, mismatch: pValue < threshold, threshold };
}
