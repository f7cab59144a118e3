import { describe, expect, it } from 'vitest';
import { MyContentError, chiSquareTail, compareMeans, compareProportions, normalQuantile, normalTail, sampleRatioMismatch, studentTail } from '@mycontent/core';
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
