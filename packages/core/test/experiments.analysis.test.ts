import { describe, expect, it } from 'vitest';
import { MyContentError, chiSquareTail, compareMeans, compareProportions, compareRatios, confidenceSequenceHalfWidth, normalQuantile, normalTail, ratioSample, sampleRatioMismatch, studentTail } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';

describe('distributions', () => {
  it('match published table values', () => {
    expect(normalTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalTail(0)).toBeCloseTo(0.5, 12);
    expect(normalTail(-1)).toBeCloseTo(0.841344746, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 7);
    expect(studentTail(2.228139, 10)).toBeCloseTo(0.025, 6);
    expect(studentTail(12.7062, 1)).toBeCloseTo(0.025, 5);
    expect(chiSquareTail(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareTail(5.991465, 2)).toBeCloseTo(0.05, 6);
    expect(chiSquareTail(16.918978, 9)).toBeCloseTo(0.05, 6);
  });
});

describe('compareProportions and compareMeans', () => {
  it('find a real lift and give its interval', () => {
    const result = compareProportions({ successes: 480, trials: 10_000 }, { successes: 560, trials: 10_000 });
    expect(result.difference).toBeCloseTo(0.008, 10);
    expect(result.relativeLift).toBeCloseTo(0.008 / 0.048, 10);
    expect(result.pValue).toBeCloseTo(0.0107, 3);
    expect(result.significant).toBe(true);
    expect(result.interval[0]).toBeCloseTo(0.008 - 1.959964 * Math.sqrt((0.048 * 0.952 + 0.056 * 0.944) / 10_000), 6);
    const means = compareMeans({ n: 50, mean: 10, variance: 4 }, { n: 60, mean: 11, variance: 9 });
    // Welch: se = √(4/50 + 9/60) = 0.4796, df = 104.1, t = 2.085.
    expect(means.pValue).toBeCloseTo(0.0395, 3);
    expect(means.interval[1] - means.interval[0]).toBeCloseTo(2 * 1.983 * Math.sqrt(4 / 50 + 9 / 60), 2);
  });

  it('keep the false-positive rate at alpha over 400 seeded A/A experiments', () => {
    const rng = createRandom(7);
    let proportions = 0;
    let means = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const clicks = [0, 0];
      const seconds: number[][] = [[], []];
      for (let arm = 0; arm < 2; arm++) {
        for (let u = 0; u < 4_000; u++) {
          if (rng.next() < 0.05) clicks[arm]!++;
          seconds[arm]!.push(rng.exponential(40));
        }
      }
      if (compareProportions({ successes: clicks[0]!, trials: 4_000 }, { successes: clicks[1]!, trials: 4_000 }).significant) proportions++;
      const summary = (xs: number[]) => {
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        return { n: xs.length, mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) };
      };
      if (compareMeans(summary(seconds[0]!), summary(seconds[1]!)).significant) means++;
    }
    expect(proportions / runs).toBeGreaterThanOrEqual(0.02);
    expect(proportions / runs).toBeLessThanOrEqual(0.08);
    expect(means / runs).toBeGreaterThanOrEqual(0.02);
    expect(means / runs).toBeLessThanOrEqual(0.08);
  });

  it('refuse impossible samples by field', () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(MyContentError);
        return (error as MyContentError).field;
      }
      return undefined;
    };
    expect(field(() => compareProportions({ successes: 5, trials: 4 }, { successes: 1, trials: 10 }))).toBe('control.successes');
    expect(field(() => compareProportions({ successes: 1, trials: 0 }, { successes: 1, trials: 10 }))).toBe('control.trials');
    expect(field(() => compareMeans({ n: 10, mean: 1, variance: -1 }, { n: 10, mean: 1, variance: 1 }))).toBe('control.variance');
    expect(field(() => compareProportions({ successes: 1, trials: 10 }, { successes: 1, trials: 10 }, { alpha: 2 }))).toBe('alpha');
  });
});

describe('sampleRatioMismatch', () => {
  it('flags 52/48 at 100,000 users and not 50/50', () => {
    expect(sampleRatioMismatch([52_000, 48_000], [0.5, 0.5]).mismatch).toBe(true);
    const even = sampleRatioMismatch([50_000, 50_000], [0.5, 0.5]);
    expect(even).toMatchObject({ mismatch: false, chiSquare: 0, pValue: 1 });
    // A 50/25/25 split seen as configured, within chance.
    expect(sampleRatioMismatch([50_110, 24_950, 24_940], [0.5, 0.25, 0.25]).mismatch).toBe(false);
    expect(() => sampleRatioMismatch([10], [1])).toThrow(/at least two variants/);
  });
});

describe('compareRatios (delta method) and sequential comparisons', () => {
  /** Users with 1–20 lists of 10 items each, clicking each item with probability `ctr`. */
  function users(rng: ReturnType<typeof createRandom>, n: number, ctr: number) {
    const clicks: number[] = [];
    const impressions: number[] = [];
    for (let u = 0; u < n; u++) {
      const shown = 10 * (1 + rng.int(20));
      let c = 0;
      for (let i = 0; i < shown; i++) if (rng.next() < ctr) c++;
      clicks.push(c);
      impressions.push(shown);
    }
    return { clicks, impressions };
  }

  it('summarises units by hand-checked moments, and finds a real lift', () => {
    const sample = ratioSample([1, 2, 3], [10, 10, 40]);
    expect(sample).toEqual({ n: 3, numeratorMean: 2, denominatorMean: 20, numeratorVariance: 1, denominatorVariance: 300, covariance: 15 });
    const rng = createRandom(7);
    const a = users(rng, 3_000, 0.05);
    const b = users(rng, 3_000, 0.06);
    const result = compareRatios(ratioSample(a.clicks, a.impressions), ratioSample(b.clicks, b.impressions));
    expect(result.control).toBeCloseTo(0.05, 2);
    expect(result.difference).toBeGreaterThan(0.005);
    expect(result.interval[0]).toBeLessThan(0.01);
    expect(result.interval[1]).toBeGreaterThan(0.01);
    expect(result.significant).toBe(true);
    expect(result.method).toBe('fixed');
  });

  it('keeps its false-positive rate at alpha when an A/A test is read ten times, where a fixed-horizon test does not', () => {
    const rng = createRandom(2024);
    const runs = 200;
    let fixedFalse = 0;
    let sequentialFalse = 0;
    for (let run = 0; run < runs; run++) {
      const a = users(rng, 2_000, 0.05);
      const b = users(rng, 2_000, 0.05);
      let fixed = false;
      let sequential = false;
      for (let look = 1; look <= 10; look++) {
        const n = look * 200;
        const c = ratioSample(a.clicks.slice(0, n), a.impressions.slice(0, n));
        const t = ratioSample(b.clicks.slice(0, n), b.impressions.slice(0, n));
        fixed ||= compareRatios(c, t).significant;
        sequential ||= compareRatios(c, t, { sequential: true }).significant;
      }
      if (fixed) fixedFalse++;
      if (sequential) sequentialFalse++;
    }
    expect(sequentialFalse / runs).toBeLessThanOrEqual(0.05);
    expect(fixedFalse / runs).toBeGreaterThan(0.1);
  });

  it('gives always-valid intervals wider than fixed ones, and a p-value consistent with them', () => {
    const control = { successes: 500, trials: 10_000 };
    const treatment = { successes: 600, trials: 10_000 };
    const fixed = compareProportions(control, treatment);
    const sequential = compareProportions(control, treatment, { sequential: { tuning: 20_000 } });
    expect(sequential.method).toBe('sequential');
    expect(sequential.interval[1] - sequential.interval[0]).toBeGreaterThan(fixed.interval[1] - fixed.interval[0]);
    expect(sequential.pValue).toBeGreaterThan(fixed.pValue);
    expect(sequential.significant).toBe(sequential.pValue < 0.05);
    // At alpha = its own p-value, the sequence just touches 0.
    const se = Math.sqrt(0.05 * 0.95 / 10_000 + 0.06 * 0.94 / 10_000);
    expect(confidenceSequenceHalfWidth(se, 20_000, sequential.pValue, 20_000)).toBeCloseTo(Math.abs(sequential.difference), 8);
    expect(() => compareMeans({ n: 10, mean: 1, variance: 1 }, { n: 10, mean: 2, variance: 1 }, { sequential: { tuning: 0 } })).toThrow(expect.objectContaining({ field: 'sequential.tuning' }));
    expect(() => compareRatios(ratioSample([1, 2], [0, 0]), ratioSample([1, 2], [1, 1]))).toThrow(expect.objectContaining({ field: 'control.denominatorMean' }));
  });
});
