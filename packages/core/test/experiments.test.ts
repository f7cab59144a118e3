import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMemoryAssignmentStore, createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';
import { MyContentError, createRecommender, bucketOf, bucketRanges, createExperimentAssigner, equalWeights, inNamespaceSlice, variantAt, type BucketRange, type NamespaceSlice } from '@mycontent/core';

// GrowthBook's published SDK test cases (packages/sdk-js/test/cases.json, spec 0.8.0): the hash,
// bucket range, variation and namespace cases, kept verbatim in test/fixtures.
const cases = JSON.parse(readFileSync(new URL('./fixtures/growthbook-bucketing-cases.json', import.meta.url), 'utf8')) as {
  hash: [string, string, number, number | null][];
  getBucketRange: [string, [number, number, number[] | null], [number, number][]][];
  chooseVariation: [string, number, [number, number][], number][];
  inNamespace: [string, string, [string, number, number], boolean][];
  getEqualWeights: [number, number[]][];
};

describe('bucketing, case for case as GrowthBook', () => {
  it('hashes (versions 1 and 2, and null for others)', () => {
    for (const [seed, value, version, expected] of cases.hash) expect(bucketOf(seed, value, version), `${seed}/${value}/v${version}`).toBe(expected);
  });
  it('lays out bucket ranges', () => {
    for (const [label, [n, coverage, weights], expected] of cases.getBucketRange) {
      const ranges = bucketRanges(n, coverage, weights ?? undefined).map(([a, b]) => [Number(a.toFixed(6)), Number(b.toFixed(6))]);
      expect(ranges, label).toEqual(expected);
    }
  });
  it('chooses the variation of a bucket', () => {
    for (const [label, bucket, ranges, expected] of cases.chooseVariation) expect(variantAt(bucket, ranges as BucketRange[]), label).toBe(expected);
  });
  it('places users in namespace slices', () => {
    for (const [label, user, slice, expected] of cases.inNamespace) expect(inNamespaceSlice(user, slice as NamespaceSlice), label).toBe(expected);
  });
  it('gives equal weights', () => {
    for (const [n, expected] of cases.getEqualWeights) expect(equalWeights(n).map((w) => Number(w.toFixed(8))), String(n)).toEqual(expected);
  });
});

const users = Array.from({ length: 20_000 }, (_, i) => `u${i}`);
const share = (assign: (user: string) => string | null) => {
  const counts = new Map<string | null, number>();
  for (const user of users) counts.set(assign(user), (counts.get(assign(user)) ?? 0) + 1);
  return (variant: string | null) => (counts.get(variant) ?? 0) / users.length;
};

describe('createExperimentAssigner', () => {
  const blend = {
    key: 'blend-weight',
    variants: [
      { key: 'control', weight: 0.5 },
      { key: 'more', weight: 0.25, settings: { blend: { content: 0.5 } } },
      { key: 'less', weight: 0.25, settings: { blend: { content: 0.1 } } },
    ],
  };

  it('splits 50/25/25 deterministically, with the variant settings', () => {
    const assigner = createExperimentAssigner({ experiments: [blend] });
    const of = share((u) => assigner.assign('blend-weight', u).variant);
    expect(of('control')).toBeCloseTo(0.5, 1);
    expect(of('more')).toBeCloseTo(0.25, 1);
    expect(of('less')).toBeCloseTo(0.25, 1);
    const again = createExperimentAssigner({ experiments: [blend] });
    for (const user of users.slice(0, 500)) expect(again.assign('blend-weight', user)).toEqual(assigner.assign('blend-weight', user));
    const more = users.map((u) => assigner.assign('blend-weight', u)).find((a) => a.variant === 'more')!;
    expect(more).toMatchObject({ reason: 'hashed', index: 1, settings: { blend: { content: 0.5 } } });
    expect(more.bucket).toBeGreaterThanOrEqual(0.5);
  });

  it('raising coverage only adds users: nobody already in changes variant', () => {
    const low = createExperimentAssigner({ experiments: [{ ...blend, coverage: 0.3 }] });
    const high = createExperimentAssigner({ experiments: [{ ...blend, coverage: 0.8 }] });
    expect(share((u) => low.assign('blend-weight', u).variant)(null)).toBeCloseTo(0.7, 1);
    for (const user of users) {
      const before = low.assign('blend-weight', user);
      if (before.variant !== null) expect(high.assign('blend-weight', user).variant).toBe(before.variant);
    }
  });

  it('keeps experiments of one namespace apart, holds out a share, forces QA users, follows start and stop', () => {
    let clock = 1_000;
    const assigner = createExperimentAssigner({
      experiments: [
        { key: 'a', variants: [{ key: 'x' }, { key: 'y' }], namespace: ['feed', 0, 0.5] },
        { key: 'b', variants: [{ key: 'x' }, { key: 'y' }], namespace: ['feed', 0.5, 1], forced: { qa: 'y' } },
        { key: 'later', variants: [{ key: 'x' }], startAt: 2_000, endAt: 3_000 },
      ],
      holdout: { share: 0.1 },
      now: () => clock,
    });
    let both = 0;
    let heldOut = 0;
    for (const user of users) {
      const [a, b] = [assigner.assign('a', user), assigner.assign('b', user)];
      if (a.variant && b.variant) both++;
      if (a.reason === 'holdout') heldOut++;
    }
    expect(both).toBe(0);
    expect(heldOut / users.length).toBeCloseTo(0.1, 1);
    expect(assigner.assign('b', 'qa')).toMatchObject({ variant: 'y', reason: 'forced' });
    expect(assigner.assign('later', 'u1').reason).toBe('not-running');
    clock = 2_500;
    expect(['hashed', 'holdout']).toContain(assigner.assign('later', 'u1').reason);
    clock = 3_000;
    expect(assigner.assign('later', 'u1').reason).toBe('not-running');
    expect(assigner.assignAll('qa').map((x) => x.experiment)).toContain('b');
  });

  it('keeps users in their first variant when the weights change (sticky), while new users follow the new weights', async () => {
    const sticky = createMemoryAssignmentStore();
    const before = createExperimentAssigner({ experiments: [blend], sticky });
    const early = users.slice(0, 2_000);
    const first = new Map<string, string | null>();
    for (const user of early) first.set(user, (await before.assignSticky('blend-weight', user)).variant);
    // Mid-experiment the weights change to 10/45/45, and the coverage drops to 50 %.
    const changed = {
      ...blend,
      coverage: 0.5,
      variants: [
        { key: 'control', weight: 0.1 },
        { key: 'more', weight: 0.45 },
        { key: 'less', weight: 0.45 },
      ],
    };
    const after = createExperimentAssigner({ experiments: [changed], sticky });
    let moved = 0;
    let stickyCount = 0;
    for (const user of early) {
      const now = await after.assignSticky('blend-weight', user);
      if (now.variant !== first.get(user)) moved++;
      if (now.reason === 'sticky') stickyCount++;
    }
    expect(moved).toBe(0);
    expect(stickyCount).toBe(early.length);
    const stateless = early.filter((user) => after.assign('blend-weight', user).variant !== first.get(user)).length;
    expect(stateless).toBeGreaterThan(500); // without the store, many would have moved
    // New users follow the new weights (within the 50 % coverage).
    const late = users.slice(10_000, 14_000);
    const counts = new Map<string | null, number>();
    for (const user of late) {
      const variant = (await after.assignSticky('blend-weight', user)).variant;
      counts.set(variant, (counts.get(variant) ?? 0) + 1);
    }
    expect((counts.get(null) ?? 0) / late.length).toBeCloseTo(0.5, 1);
    expect((counts.get('control') ?? 0) / late.length).toBeCloseTo(0.05, 1);
    // A stopped experiment places nobody, sticky or not; a forced user keeps their forced variant.
    const stopped = createExperimentAssigner({ experiments: [{ ...changed, status: 'stopped', forced: { qa: 'less' } }], sticky });
    expect((await stopped.assignSticky('blend-weight', early[0]!)).variant).toBeNull();
    expect(await stopped.assignSticky('blend-weight', 'qa')).toMatchObject({ variant: 'less', reason: 'forced' });
    await expect(createExperimentAssigner({ experiments: [blend] }).assignSticky('blend-weight', 'u1')).rejects.toThrow(/sticky option/);
  });

  it("belongs to the user's data: exported, and erased with them", async () => {
    const sticky = createMemoryAssignmentStore();
    const assigner = createExperimentAssigner({ experiments: [blend], sticky });
    const recommender = createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() }, assignments: sticky });
    const { variant } = await assigner.assignSticky('blend-weight', 'u7');
    await assigner.assignSticky('blend-weight', 'u8');
    expect((await recommender.exportUserData('u7')).experiments).toEqual({ 'blend-weight': variant });
    expect(await recommender.deleteUserData('u7')).toMatchObject({ assignments: 1 });
    expect(await sticky.get('u7')).toEqual({});
    expect(await sticky.get('u8')).not.toEqual({});
    expect(() => createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() }, assignments: {} as never })).toThrow(/assignments/);
  });

  it('refuses bad definitions with a typed error naming the field', () => {
    const refusal = (experiments: unknown[], holdout?: { share: number }) => {
      try {
        createExperimentAssigner({ experiments: experiments as never, ...(holdout ? { holdout } : {}) });
      } catch (error) {
        expect(error).toBeInstanceOf(MyContentError);
        return (error as MyContentError).field;
      }
      throw new Error('accepted');
    };
    expect(refusal([{ key: 'e', variants: [{ key: 'a', weight: 0.5 }, { key: 'b', weight: 0.4 }] }])).toBe('experiments.0.variants.weight');
    expect(refusal([{ key: 'e', variants: [] }])).toBe('experiments.0.variants');
    expect(refusal([{ key: 'e', variants: [{ key: 'a' }], forced: { qa: 'nope' } }])).toBe('experiments.0.forced.qa');
    expect(refusal([{ key: 'e', variants: [{ key: 'a' }, { key: 'a' }] }])).toBe('experiments.0.variants.1.key');
    expect(
      refusal([
        { key: 'a', variants: [{ key: 'x' }], namespace: ['feed', 0, 0.6] },
        { key: 'b', variants: [{ key: 'x' }], namespace: ['feed', 0.5, 1] },
      ]),
    ).toBe('experiments.1.namespace');
    expect(refusal([{ key: 'e', variants: [{ key: 'a' }] }], { share: 2 })).toBe('holdout.share');
    const assigner = createExperimentAssigner({ experiments: [blend] });
    expect(() => assigner.assign('nope', 'u1')).toThrow(/unknown experiment "nope"/);
  });
});
