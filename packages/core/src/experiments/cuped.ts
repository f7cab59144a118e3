/**
 * CUPED: variance reduction from a pre-experiment covariate. Each unit's metric is corrected by
 * what its own past predicts — `y − θ(x − x̄)`, with `θ = cov(y, x) / var(x)` over every unit of
 * every variant — so differences between variants are measured with less noise, and without bias
 * (the covariate was fixed before the experiment, the same way in every variant).
 */
import { MyContentError } from '../errors/error';
import type { MeanSample } from './analysis';

const SOURCE = 'experiments';

/** One variant's units: the metric and the same unit's covariate from before the experiment. */
export interface CovariateSample {
  values: ArrayLike<number>;
  covariates: ArrayLike<number>;
}

/** What {@link cupedAdjust} returns. */
export interface CupedAdjustment {
  /** The regression coefficient of the metric on the covariate, pooled over the variants. */
  theta: number;
  /** Each variant's summary after adjustment, in the order given (for `compareMeans`). */
  adjusted: MeanSample[];
  /** Each variant's summary before adjustment. */
  unadjusted: MeanSample[];
  /** Share of the pooled variance removed, `1 − var(adjusted) / var(metric)` (the squared correlation). */
  varianceReduction: number;
}

/** The summary (n, mean, sample variance) of a metric over units. */
export function meanSample(values: ArrayLike<number>): MeanSample {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = n > 0 ? sum / n : 0;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;
  return { n, mean, variance: n > 1 ? squares / (n - 1) : 0 };
}

/**
 * Adjusts each variant's metric by the pooled regression on its pre-experiment covariate.
 *
 * @example
 * ```ts
 * const { adjusted, varianceReduction } = cupedAdjust([
 *   { values: clicksDuring.control, covariates: clicksBefore.control },
 *   { values: clicksDuring.treatment, covariates: clicksBefore.treatment },
 * ]);
 * compareMeans(adjusted[0]!, adjusted[1]!); // a narrower interval than on the raw metric
 * ```
 */
export function cupedAdjust(samples: readonly CovariateSample[]): CupedAdjustment {
  let n = 0;
  let sy = 0;
  let sx = 0;
  samples.forEach((s, v) => {
    if (s.values.length !== s.covariates.length) {
      throw new MyContentError('INVALID_INPUT', `give one covariate per value (variant ${v}: ${s.values.length} values, ${s.covariates.length} covariates)`, {
        source: SOURCE,
        field: `samples.${v}.covariates`,
        value: s.covariates.length,
      });
    }
    for (let i = 0; i < s.values.length; i++) {
      const y = s.values[i]!;
      const x = s.covariates[i]!;
      if (!Number.isFinite(y) || !Number.isFinite(x)) {
        throw new MyContentError('INVALID_INPUT', `values and covariates must be finite (variant ${v}, unit ${i})`, { source: SOURCE, field: `samples.${v}`, value: Number.isFinite(y) ? x : y });
      }
      sy += y;
      sx += x;
      n++;
    }
  });
  const my = n > 0 ? sy / n : 0;
  const mx = n > 0 ? sx / n : 0;
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (const s of samples) {
    for (let i = 0; i < s.values.length; i++) {
      const dx = s.covariates[i]! - mx;
      const dy = s.values[i]! - my;
      cov += dx * dy;
      vx += dx * dx;
      vy += dy * dy;
    }
  }
  const theta = vx > 0 ? cov / vx : 0;
  const adjusted = samples.map((s) => {
    const out = new Float64Array(s.values.length);
    for (let i = 0; i < out.length; i++) out[i] = s.values[i]! - theta * (s.covariates[i]! - mx);
    return meanSample(out);
  });
  return {
    theta,
    adjusted,
    unadjusted: samples.map((s) => meanSample(s.values)),
    varianceReduction: vx > 0 && vy > 0 ? (cov * cov) / (vx * vy) : 0,
  };
}
