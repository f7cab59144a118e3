import { describe, expect, it } from 'vitest';
import { tuneHyperparameters, type Configuration, type SearchSpace } from '@mycontent/core/eval';

// A known landscape: best at factors 100, rate 0.03, kind 'b'.
const space: SearchSpace = {
  factors: { type: 'int', min: 8, max: 512, log: true },
  rate: { type: 'float', min: 0.001, max: 1, log: true },
  kind: { type: 'choice', values: ['a', 'b', 'c'] },
};
const score = (p: Configuration) => -((Math.log(p.factors as number) - Math.log(100)) ** 2) - (Math.log(p.rate as number) - Math.log(0.03)) ** 2 - (p.kind === 'b' ? 0 : 1);

describe('tuneHyperparameters', () => {
  it('scores the defaults first, draws within the space, and finds a better configuration than them', async () => {
    const result = await tuneHyperparameters({ space, defaults: { factors: 16, rate: 0.5, kind: 'a' }, objective: async (p) => score(p), trials: 40, seed: 3 });
    expect(result.trials).toHaveLength(40);
    expect(result.stoppedBy).toBe('trials');
    expect(result.trials[0]).toMatchObject({ index: 0, origin: 'defaults', params: { factors: 16, rate: 0.5, kind: 'a' } });
    expect(result.trials.filter((t) => t.origin === 'random')).toHaveLength(20); // exploration 0.5 of the 39 drawn
    for (const { params } of result.trials) {
      expect(Number.isInteger(params.factors)).toBe(true);
      expect(params.factors).toBeGreaterThanOrEqual(8);
      expect(params.factors).toBeLessThanOrEqual(512);
      expect(params.rate).toBeGreaterThanOrEqual(0.001);
      expect(params.rate).toBeLessThanOrEqual(1);
      expect(['a', 'b', 'c']).toContain(params.kind);
    }
    expect(result.best!.score).toBeGreaterThan(result.defaults!.score + 2);
    expect(result.best!.params.kind).toBe('b');
    // Sampling around the best helps: the best of the local half beats the best of the random half.
    const bestOf = (origin: string) => Math.max(...result.trials.filter((t) => t.origin === origin).map((t) => t.score));
    expect(bestOf('local')).toBeGreaterThanOrEqual(bestOf('random'));
    expect(result.best!.score).toBeGreaterThan(-0.3);
  });

  it('draws the same configurations from the same seed, and others from another', async () => {
    const run = (seed: number) => tuneHyperparameters({ space, objective: async (p) => score(p), trials: 12, seed });
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    expect(a.trials.map((t) => t.params)).toEqual(b.trials.map((t) => t.params));
    expect(a.trials.map((t) => t.params)).not.toEqual(c.trials.map((t) => t.params));
  });

  it('records a failing trial with its error and goes on; stops at the time budget and on abort', async () => {
    let calls = 0;
    const failing = await tuneHyperparameters({
      space,
      trials: 5,
      objective: async (p) => {
        if (calls++ === 1) throw new Error('out of memory');
        return score(p);
      },
    });
    expect(failing.trials[1]).toMatchObject({ score: Number.NaN, error: 'out of memory' });
    expect(failing.trials).toHaveLength(5);
    expect(failing.best!.index).not.toBe(1);

    const slow = async (p: Configuration) => (await new Promise((r) => setTimeout(r, 30)), score(p));
    const budgeted = await tuneHyperparameters({ space, trials: 1_000, budgetMs: 100, objective: slow });
    expect(budgeted.stoppedBy).toBe('budget');
    expect(budgeted.trials.length).toBeGreaterThanOrEqual(2);
    expect(budgeted.trials.length).toBeLessThan(20);

    const controller = new AbortController();
    const aborted = await tuneHyperparameters({ space, trials: 100, signal: controller.signal, objective: async (p, { index }) => (index === 3 && controller.abort(), score(p)) });
    expect(aborted.stoppedBy).toBe('aborted');
    expect(aborted.trials).toHaveLength(4);
  });

  it('names the field of a bad search space or option', async () => {
    const objective = async () => 0;
    await expect(tuneHyperparameters({ space: { rate: { type: 'float', min: 0, max: 1, log: true } }, objective })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/rate .*log range needs min > 0/) });
    await expect(tuneHyperparameters({ space: { n: { type: 'int', min: 10, max: 1 } }, objective })).rejects.toThrow(/n .*min 10 is above max 1/);
    await expect(tuneHyperparameters({ space: {}, objective })).rejects.toThrow(/declares no hyper-parameter/);
    await expect(tuneHyperparameters({ space, objective, trials: 0 })).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'trials' });
    await expect(tuneHyperparameters({ space, objective, defaults: { depth: 3 } })).rejects.toMatchObject({ field: 'defaults.depth' });
  });
});
