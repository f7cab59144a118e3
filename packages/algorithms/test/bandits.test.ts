import { describe, expect, it } from 'vitest';
import { isMyContentError } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createEpsilonGreedyBandit, createLinUcbBandit, createThompsonBandit, createUcb1Bandit, crossFeatures, type Bandit } from '@mycontent/algorithms';

const P = { a: 0.05, b: 0.1, c: 0.15, d: 0.2, e: 0.3 } as Record<string, number>;
const ARMS = Object.keys(P);

/** Plays `rounds` single picks against Bernoulli arms; returns cumulative regret and the last picks. */
async function simulate(bandit: Bandit, rounds: number, seed: number) {
  const rng = createRandom(seed);
  let regret = 0;
  const picks: string[] = [];
  for (let t = 0; t < rounds; t++) {
    const [arm] = await bandit.select(ARMS, 1);
    regret += 0.3 - P[arm!]!;
    picks.push(arm!);
    await bandit.update([{ arm: arm!, reward: rng.next() < P[arm!]! ? 1 : 0 }]);
  }
  return { regret, picks };
}

describe('bandits', () => {
  it('Thompson sampling beats epsilon-greedy on cumulative regret, and finds the best arm', async () => {
    let thompsonRegret = 0;
    let greedyRegret = 0;
    let ucbRegret = 0;
    for (const seed of [1, 2, 3]) {
      const thompson = await simulate(createThompsonBandit({ state: createMemoryStore().bandits, name: 't', seed }), 2_000, seed);
      const greedy = await simulate(createEpsilonGreedyBandit({ state: createMemoryStore().bandits, name: 'g', epsilon: 0.1, seed }), 2_000, seed);
      const ucb = await simulate(createUcb1Bandit({ state: createMemoryStore().bandits, name: 'u' }), 2_000, seed);
      thompsonRegret += thompson.regret;
      greedyRegret += greedy.regret;
      ucbRegret += ucb.regret;
      const lastBest = thompson.picks.slice(-500).filter((a) => a === 'e').length / 500;
      expect(lastBest).toBeGreaterThan(0.7);
    }
    expect(thompsonRegret).toBeLessThan(greedyRegret);
    expect(thompsonRegret).toBeLessThan(ucbRegret);
    // Always playing a random arm would cost 0.3 - 0.16 = 0.14 per round.
    expect(greedyRegret / 6_000).toBeLessThan(0.14);
  });

  it('UCB1 plays every arm once before exploiting', async () => {
    const bandit = createUcb1Bandit({ state: createMemoryStore().bandits, name: 'u' });
    const first: string[] = [];
    for (let t = 0; t < 5; t++) {
      const [arm] = await bandit.select(ARMS, 1);
      first.push(arm!);
      await bandit.update([{ arm: arm!, reward: 0 }]);
    }
    expect(first.sort()).toEqual(ARMS);
  });

  it('shares its state between instances through the store', async () => {
    const store = createMemoryStore();
    const one = createThompsonBandit({ state: store.bandits, name: 'shared', seed: 1 });
    const two = createThompsonBandit({ state: store.bandits, name: 'shared', seed: 2 });
    const other = createThompsonBandit({ state: store.bandits, name: 'another', seed: 3 });
    await one.update([
      ...Array.from({ length: 100 }, () => ({ arm: 'x', reward: 1 })),
      ...Array.from({ length: 100 }, () => ({ arm: 'y', reward: 0 })),
    ]);
    expect(await two.select(['y', 'x'], 2)).toEqual(['x', 'y']);
    expect(await store.bandits.getArms('another')).toEqual([]);
    expect(await other.select(['y', 'x'], 1)).toHaveLength(1);
  });

  it('lets old rewards fade with discounting', async () => {
    const store = createMemoryStore();
    const HOUR = 3_600_000;
    const now = Date.UTC(2024, 5, 10);
    const past = now - 48 * HOUR;
    const feedback = [
      ...Array.from({ length: 500 }, () => ({ arm: 'old-hit', reward: 1, at: past })),
      ...Array.from({ length: 500 }, () => ({ arm: 'rising', reward: 0, at: past })),
      ...Array.from({ length: 30 }, () => ({ arm: 'old-hit', reward: 0, at: now })),
      ...Array.from({ length: 30 }, () => ({ arm: 'rising', reward: 1, at: now })),
    ];
    const fading = createThompsonBandit({ state: store.bandits, name: 'fading', discount: { halfLifeMs: 2 * HOUR }, now: () => now });
    const steady = createThompsonBandit({ state: store.bandits, name: 'steady', now: () => now });
    await fading.update(feedback);
    await steady.update(feedback);
    let fadingPicks = 0;
    let steadyPicks = 0;
    for (let t = 0; t < 50; t++) {
      if ((await fading.select(['old-hit', 'rising'], 1))[0] === 'rising') fadingPicks++;
      if ((await steady.select(['old-hit', 'rising'], 1))[0] === 'rising') steadyPicks++;
    }
    expect(fadingPicks).toBeGreaterThan(45);
    expect(steadyPicks).toBeLessThan(5);
    // Buckets that weigh under 1/1000 are pruned from the store.
    const buckets = new Set((await store.bandits.getArms('fading')).map((r) => r.bucket));
    expect(buckets.size).toBe(1);
  });

  it('drops an arm that disappears', async () => {
    const store = createMemoryStore();
    const bandit = createEpsilonGreedyBandit({ state: store.bandits, name: 'g', epsilon: 0 });
    await bandit.update([{ arm: 'deleted', reward: 1 }, { arm: 'kept', reward: 0.5 }]);
    expect(await bandit.select(['deleted', 'kept'], 1)).toEqual(['deleted']);
    await bandit.forget(['deleted']);
    expect((await store.bandits.getArms('g')).map((r) => r.arm)).toEqual(['kept']);
    expect(await bandit.select(['kept', 'new'], 2)).toEqual(['new', 'kept']); // optimistic start for the new arm
  });

  it('LinUCB learns which items suit which users from user × item features', async () => {
    const bandit = createLinUcbBandit({ state: createMemoryStore().bandits, name: 'lin', dimension: 4, alpha: 0.5 });
    const itemType: Record<string, number> = { i0: 0, i1: 0, i2: 1, i3: 1 };
    const oneHot = (k: number) => (k === 0 ? [1, 0] : [0, 1]);
    const rng = createRandom(5);
    for (let t = 0; t < 300; t++) {
      const userType = rng.int(2);
      const features = (arm: string) => crossFeatures(oneHot(userType), oneHot(itemType[arm]!));
      const [arm] = await bandit.select(Object.keys(itemType), 1, { features });
      await bandit.update([{ arm: arm!, reward: itemType[arm!] === userType ? 1 : 0, features: features(arm!) }]);
    }
    for (const userType of [0, 1]) {
      const features = (arm: string) => crossFeatures(oneHot(userType), oneHot(itemType[arm]!));
      const top = await bandit.select(Object.keys(itemType), 2, { features });
      expect(top.map((arm) => itemType[arm])).toEqual([userType, userType]);
    }
  });

  it('rejects rewards outside [0, 1], bad features and bad options', async () => {
    const store = createMemoryStore();
    const bandit = createThompsonBandit({ state: store.bandits, name: 't' });
    for (const reward of [1.5, -0.1, Number.NaN]) {
      await expect(bandit.update([{ arm: 'a', reward: 1 }, { arm: 'b', reward }])).rejects.toSatisfy(
        (e: unknown) => isMyContentError(e, 'INVALID_INPUT') && e.field === 'feedback[1].reward',
      );
    }
    expect(await store.bandits.getArms('t')).toEqual([]); // nothing of the rejected batch was written
    const lin = createLinUcbBandit({ state: store.bandits, name: 'lin', dimension: 2 });
    await expect(lin.update([{ arm: 'a', reward: 1, features: [1] }])).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'INVALID_INPUT') && e.field === 'feedback[0].features');
    await expect(lin.select(['a'], 1)).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'INVALID_INPUT') && e.field === 'context.features');
    expect(() => createEpsilonGreedyBandit({ state: store.bandits, name: 'g', epsilon: 2 })).toThrow(/epsilon must be in \[0, 1\]/);
    expect(() => createThompsonBandit({ state: store.bandits, name: 'g', prior: { alpha: 0, beta: 1 } })).toThrow(/prior/);
    expect(() => createLinUcbBandit({ state: store.bandits, name: 'g', dimension: 0 })).toThrow(/dimension/);
  });
});
