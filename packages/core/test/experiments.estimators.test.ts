import { describe, expect, it } from 'vitest';
import { compareInterleaved, compareMeans, creditList, cupedAdjust, meanSample, offPolicyEstimate, teamDraftInterleave } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';

describe('CUPED', () => {
  it('removes the variance the pre-period explains, and keeps the difference', () => {
    const rng = createRandom(3);
    const make = (lift: number) => {
      const covariates: number[] = [];
      const values: number[] = [];
      for (let i = 0; i < 4_000; i++) {
        const habit = rng.exponential(5); // how much this reader reads anyway
        covariates.push(habit + rng.normal());
        values.push(habit + lift + rng.normal());
      }
      return { values, covariates };
    };
    const control = make(0);
    const treatment = make(0.2);
    const { theta, adjusted, unadjusted, varianceReduction } = cupedAdjust([control, treatment]);
    expect(theta).toBeGreaterThan(0.9);
    expect(theta).toBeLessThan(1.05);
    expect(varianceReduction).toBeGreaterThan(0.9);
    expect(adjusted[0]!.variance).toBeLessThan(unadjusted[0]!.variance * 0.1);
    const plain = compareMeans(unadjusted[0]!, unadjusted[1]!);
    const reduced = compareMeans(adjusted[0]!, adjusted[1]!);
    expect(reduced.interval[1] - reduced.interval[0]).toBeLessThan((plain.interval[1] - plain.interval[0]) / 3);
    // Unbiased: both estimates of the 0.2 lift within 3 of their standard errors (seeded draws).
    expect(Math.abs(plain.difference - 0.2)).toBeLessThan(3 * (plain.interval[1] - plain.interval[0]) / 3.92);
    expect(Math.abs(reduced.difference - 0.2)).toBeLessThan(3 * (reduced.interval[1] - reduced.interval[0]) / 3.92);
    expect(meanSample([1, 2, 3])).toEqual({ n: 3, mean: 2, variance: 1 });
    expect(() => cupedAdjust([{ values: [1, 2], covariates: [1] }])).toThrow(expect.objectContaining({ field: 'samples.0.covariates' }));
  });
});

describe('team-draft interleaving', () => {
  it('lets the teams take turns, the coin choosing who starts a round', () => {
    const aFirst = teamDraftInterleave([1, 2, 3, 4], [2, 1, 5, 6], 6, () => 0);
    expect(aFirst).toEqual({ items: [1, 2, 3, 5, 4, 6], teams: ['a', 'b', 'a', 'b', 'a', 'b'] });
    const bFirst = teamDraftInterleave([1, 2, 3, 4], [2, 1, 5, 6], 6, () => 0.9);
    expect(bFirst).toEqual({ items: [2, 1, 5, 3, 6, 4], teams: ['b', 'a', 'b', 'a', 'b', 'a'] });
    // One ranking runs out: the other fills the list.
    expect(teamDraftInterleave([1], [1, 2, 3], 3, () => 0)).toEqual({ items: [1, 2, 3], teams: ['a', 'b', 'b'] });
    expect(teamDraftInterleave([1, 2], [3], 10, () => 0).items).toEqual([1, 3, 2]);
    // Each team holds half the list, give or take one.
    const rng = createRandom(11);
    const a = Array.from({ length: 30 }, (_, i) => i);
    const b = [...a].reverse();
    for (let k = 0; k < 50; k++) {
      const { teams, items } = teamDraftInterleave(a, b, 10, () => rng.next());
      expect(new Set(items).size).toBe(10);
      expect(Math.abs(teams.filter((t) => t === 'a').length - 5)).toBeLessThanOrEqual(1);
    }
  });

  it('credits clicks to the team that placed the item, and finds the preferred ranker', () => {
    expect(creditList(['a', 'b', 'a'], [0, 2])).toBe('a');
    expect(creditList(['a', 'b', 'a'], [1])).toBe('b');
    expect(creditList(['a', 'b'], [])).toBe('tie');
    const rng = createRandom(5);
    const units = Array.from({ length: 500 }, () => {
      const credit = { aWins: 0, bWins: 0, ties: 0 };
      for (let l = 0; l < 5; l++) {
        const r = rng.next();
        if (r < 0.15) credit.bWins++;
        else if (r < 0.25) credit.aWins++;
        else credit.ties++;
      }
      return credit;
    });
    const result = compareInterleaved(units);
    expect(result.difference).toBeGreaterThan(0.02);
    expect(result.significant).toBe(true);
    expect(result.treatment).toBeGreaterThan(result.control);
    expect(() => compareInterleaved([{ aWins: 1, bWins: 0, ties: 0 }])).toThrow(expect.objectContaining({ field: 'units' }));
  });
});

describe('off-policy estimates', () => {
  it('recover a deterministic policy’s click rate from uniformly exploring logs, interval covering it ~95 % of the time', () => {
    const clickRate = [0.02, 0.05, 0.12, 0.04];
    let covered = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const rng = createRandom(1000 + run);
      const logs = Array.from({ length: 4_000 }, () => {
        const arm = rng.int(4);
        return { reward: rng.next() < clickRate[arm]! ? 1 : 0, propensity: 0.25, targetProbability: arm === 2 ? 1 : 0 };
      });
      const estimate = offPolicyEstimate(logs);
      expect(estimate.effectiveSampleSize).toBeGreaterThan(800);
      if (estimate.snipsInterval[0] <= 0.12 && 0.12 <= estimate.snipsInterval[1]) covered++;
    }
    expect(covered / runs).toBeGreaterThanOrEqual(0.9);
    const exact = offPolicyEstimate([
      { reward: 1, propensity: 0.5, targetProbability: 1 },
      { reward: 0, propensity: 0.5, targetProbability: 1 },
      { reward: 1, propensity: 0.5, targetProbability: 0 },
    ]);
    expect(exact.ips).toBeCloseTo(2 / 3, 12);
    expect(exact.snips).toBeCloseTo(0.5, 12);
    expect(exact.maxWeight).toBe(2);
    expect(() => offPolicyEstimate([{ reward: 1, propensity: 0, targetProbability: 1 }, { reward: 1, propensity: 1, targetProbability: 1 }])).toThrow(
      expect.objectContaining({ field: 'decisions.0.propensity' }),
    );
  });
});
