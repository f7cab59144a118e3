import { describe, expect, it, vi } from 'vitest';
import { createMemoryAssignmentStore, createMemoryCache, createMemoryEventBus, createMemoryExposureStore, createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';
import { createExperimentAssigner, createExposureRecorder, createRecommender, experimentResults, type ExperimentInput, type ListExposure, type RecommenderOptions } from '@mycontent/core';
import { fixedModel } from './helpers';

const T0 = Date.UTC(2024, 5, 1);
const POLITICS = ['p1', 'p2', 'p3', 'p4', 'p0'];
const SPORT = ['s1', 's2', 's3', 's4', 's0'];
const FRESH = Array.from({ length: 10 }, (_, i) => `f${i}`);
const USERS = Array.from({ length: 40 }, (_, i) => `u${i}`);

const blendTest: ExperimentInput = {
  key: 'blend',
  variants: [
    { key: 'control', weight: 0.5, settings: {} },
    { key: 'sport', weight: 0.5, settings: { blend: { politics: 0, sport: 1 }, copy: 'host setting, left alone' } },
  ],
};

async function setUp(experiments: ExperimentInput[], options: Partial<RecommenderOptions> = {}) {
  const store = createMemoryStore();
  const bus = createMemoryEventBus();
  const exposures = createMemoryExposureStore();
  const sticky = createMemoryAssignmentStore();
  const assigner = createExperimentAssigner({ experiments, sticky });
  let clock = T0 + 3_600_000;
  const recommender = createRecommender({
    store,
    cache: createMemoryCache(),
    models: {
      popular: createPopularityModel({ rerankIntervalMs: 0 }),
      politics: fixedModel({ p1: 10, p2: 9, p3: 8, p4: 7 }),
      sport: fixedModel({ s1: 10, s2: 9, s3: 8, s4: 7 }),
    },
    blend: { politics: 1, sport: 0 },
    experiments: assigner,
    exposures: { bus, topic: 'exposures', store: exposures },
    now: () => clock,
    ...options,
  });
  await recommender.ingestItems([
    ...POLITICS.map((id) => ({ id, category: 'politics', createdAt: T0 - 86_400_000 })),
    ...SPORT.map((id) => ({ id, category: 'sport', createdAt: T0 - 86_400_000 })),
    ...FRESH.map((id) => ({ id, category: 'fresh', createdAt: T0 })),
  ]);
  await recommender.ingestInteractions(USERS.map((userId) => ({ userId, itemId: 'p0', type: 'click' as const, timestamp: T0 })));
  await recommender.train();
  const recorder = createExposureRecorder({ bus, topic: 'exposures', store: exposures });
  await recorder.start();
  return { store, bus, sticky, assigner, recommender, exposures, recorder, tick: (ms: number) => (clock += ms) };
}

describe('engine: experiments change the lists of the users in them', () => {
  it('ranks each variant with its settings, and names the experiment and variant on the list', async () => {
    const { recommender, assigner, recorder } = await setUp([blendTest]);
    const seen = new Set<string>();
    for (const userId of USERS) {
      const list = await recommender.recommend({ userId, n: 4 });
      const variant = assigner.assign('blend', userId).variant!;
      seen.add(variant);
      expect(list.experiments).toEqual([{ experiment: 'blend', variant }]);
      expect(list.items.map((r) => r.itemId)).toEqual(variant === 'sport' ? ['s1', 's2', 's3', 's4'] : ['p1', 'p2', 'p3', 'p4']);
    }
    expect(seen).toEqual(new Set(['control', 'sport']));
    await recorder.stop();
  });

  it('gives every serving a new id, cached or not, and logs each one as an exposure', async () => {
    const { recommender, exposures, recorder } = await setUp([blendTest]);
    const first = await recommender.recommend({ userId: 'u1', n: 3 });
    const again = await recommender.recommend({ userId: 'u1', n: 3 });
    expect(again.cached).toBe(true);
    expect(again.id).not.toBe(first.id);
    expect(again.items).toEqual(first.items);
    await vi.waitFor(() => expect(recorder.stats().recorded).toBe(2));
    const logged = (await exposures.get(again.id))!;
    expect(logged).toEqual({
      id: again.id,
      userId: 'u1',
      servedAt: T0 + 3_600_000,
      experiments: first.experiments!,
      items: first.items.map((r) => r.itemId),
      sources: first.items.map((r) => r.source),
      propensities: [1, 1, 1],
      phase: 'personalized',
      cached: true,
    } satisfies ListExposure);
    const anonymous = await recommender.recommend({ n: 2 });
    expect(anonymous.experiments).toBeUndefined();
    await vi.waitFor(async () => expect((await exposures.get(anonymous.id))?.experiments).toEqual([]));
    await recorder.stop();
  });

  it('applies diversity, exploration and the cold-start mix of a variant', async () => {
    const experiments: ExperimentInput[] = [
      {
        key: 'mix',
        variants: [{ key: 'explore', settings: { explore: 0.5, coldStart: { explore: 1 }, diversity: { lambda: 0.5 } } }],
      },
    ];
    const { recommender, recorder, exposures } = await setUp(experiments, { blend: { politics: 1, sport: 0.5 } });
    const mature = await recommender.recommend({ userId: 'u1', n: 4 });
    const explored = mature.items.filter((r) => r.source === 'explore:fresh');
    expect(explored).toHaveLength(2);
    // Two drawn from the 17 items neither read (p0) nor ranked above.
    for (const r of explored) expect(r.propensity).toBeCloseTo(2 / 17, 10);
    expect(new Set(mature.items.filter((r) => r.source !== 'explore:fresh').map((r) => r.category))).toEqual(new Set(['politics', 'sport']));
    const newcomer = await recommender.recommend({ userId: 'nobody-yet', n: 3 });
    expect(newcomer.phase).toBe('cold-start');
    expect(newcomer.items.map((r) => r.source)).toEqual(['explore:fresh', 'explore:fresh', 'explore:fresh']);
    await vi.waitFor(async () => expect((await exposures.get(newcomer.id))?.propensities).toEqual([3 / 20, 3 / 20, 3 / 20]));
    await recorder.stop();
  });

  it('keeps a user in their variant when the weights change (sticky), and erases the assignment with the user', async () => {
    const first = await setUp([blendTest]);
    const before = await first.recommender.recommend({ userId: 'u7', n: 2 });
    await first.recorder.stop();
    const shifted: ExperimentInput = { ...blendTest, variants: blendTest.variants.map((v) => ({ ...v, weight: v.key === before.experiments![0]!.variant ? 0 : 1 })) };
    const assigner = createExperimentAssigner({ experiments: [shifted], sticky: first.sticky });
    const again = createRecommender({ store: first.store, models: { popular: createPopularityModel(), politics: fixedModel({ p1: 1 }), sport: fixedModel({ s1: 1 }) }, blend: { politics: 1, sport: 0 }, experiments: assigner });
    await again.train();
    expect((await again.recommend({ userId: 'u7', n: 1 })).experiments).toEqual(before.experiments);
    const report = await again.deleteUserData('u7');
    expect(report.assignments).toBe(1);
    expect(await first.sticky.get('u7')).toEqual({});
  });

  it('asks the sticky store once a minute per user, not on every request', async () => {
    const store = createMemoryAssignmentStore();
    let reads = 0;
    const counting = { ...store, get: async (userId: string) => (reads++, store.get(userId)) };
    let clock = T0;
    const recommender = createRecommender({
      store: createMemoryStore(),
      models: { popular: createPopularityModel(), politics: fixedModel({ p1: 1 }), sport: fixedModel({ s1: 1 }) },
      blend: { politics: 1, sport: 0 },
      experiments: createExperimentAssigner({ experiments: [blendTest], sticky: counting }),
      now: () => clock,
    });
    await recommender.ingestItems([{ id: 'p1', createdAt: T0 }, { id: 's1', createdAt: T0 }]);
    await recommender.train();
    for (let i = 0; i < 5; i++) await recommender.recommend({ userId: 'u1', useCache: false });
    expect(reads).toBe(1);
    clock += 61_000;
    await recommender.recommend({ userId: 'u1', useCache: false });
    expect(reads).toBe(2);
  });

  it("exports and erases the lists served to a user, stored or still on the topic", async () => {
    const { recommender, recorder, exposures, bus } = await setUp([blendTest]);
    const stored = await recommender.recommend({ userId: 'u3', n: 2 });
    await vi.waitFor(() => expect(recorder.stats().recorded).toBe(1));
    await recorder.stop();
    const pending = await recommender.recommend({ userId: 'u3', n: 2 });
    await recommender.recommend({ userId: 'u4', n: 2 });
    expect((await recommender.exportUserData('u3')).exposures?.map((x) => x.id)).toEqual([stored.id, pending.id]);
    const report = await recommender.deleteUserData('u3');
    expect(report.exposures).toBe(2);
    expect(await exposures.ofUser('u3')).toEqual([]);
    expect(await bus.findMessages!('exposures', (x: ListExposure) => x.userId === 'u3')).toEqual([]);
    expect(await bus.findMessages!('exposures', (x: ListExposure) => x.userId === 'u4')).toHaveLength(1);
  });

  it('publishes exposures in batches off the request path, keeps and retries them when the bus fails, or awaits each one', async () => {
    const bus = createMemoryEventBus();
    let failures = 1;
    const flaky = { ...bus, name: 'flaky', publishBatch: async <T,>(topic: string, payloads: readonly T[]) => {
      if (failures-- > 0) throw new Error('bus down');
      return bus.publishBatch(topic, payloads);
    } };
    const warnings: string[] = [];
    const { recommender } = await setUp([blendTest], { exposures: { bus: flaky, topic: 'exposures', flushIntervalMs: 10_000 }, logger: { warn: (m) => warnings.push(m) } });
    await recommender.recommend({ userId: 'u1' });
    await recommender.recommend({ userId: 'u2' });
    expect(recommender.metrics()).toMatchObject({ exposuresPending: 2, exposuresLogged: 0 });
    await expect(recommender.flush()).rejects.toThrow('bus down');
    expect(recommender.metrics()).toMatchObject({ exposuresPending: 2, exposureErrors: 1 });
    expect(warnings[0]).toContain('2 exposures kept for the next attempt');
    await recommender.flush();
    expect(recommender.metrics()).toMatchObject({ exposuresPending: 0, exposuresLogged: 2, exposureErrors: 1 });
    expect(await bus.findMessages!('exposures', () => true)).toHaveLength(2);

    const awaited = await setUp([blendTest], { exposures: { bus, topic: 'awaited', delivery: 'awaited' } });
    const list = await awaited.recommender.recommend({ userId: 'u1' });
    expect((await bus.findMessages!<ListExposure>('awaited', () => true)).map((m) => m.payload.id)).toEqual([list.id]);
    expect(awaited.recommender.metrics()).toMatchObject({ exposuresPending: 0, exposuresLogged: 1 });
  });

  it('refuses variant settings it cannot apply, naming the field', () => {
    const make = (settings: Record<string, unknown>) => () =>
      createRecommender({
        store: createMemoryStore(),
        models: { popular: createPopularityModel(), politics: fixedModel({ p1: 1 }) },
        experiments: createExperimentAssigner({ experiments: [{ key: 'x', variants: [{ key: 'a' }, { key: 'b', settings }] }] }),
      });
    expect(make({ blend: { nope: 1 } })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', field: 'experiments.0.variants.1.settings.blend.nope' }));
    expect(make({ blend: { politics: 0, popular: 0 } })).toThrow(expect.objectContaining({ field: 'experiments.0.variants.1.settings.blend' }));
    expect(make({ explore: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'explore' }));
    expect(make({ coldStart: { preferred: 0 } })).toThrow(expect.objectContaining({ field: 'coldStart' }));
    expect(make({ diversity: { lambda: 2 } })).toThrow(expect.objectContaining({ field: 'diversity.lambda' }));
    const logTo = (exposures: Record<string, unknown>) => () =>
      createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() }, exposures: { bus: createMemoryEventBus(), topic: 'x', ...exposures } as never });
    expect(logTo({ topic: '' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', field: 'exposures.topic' }));
    expect(logTo({ delivery: 'later' })).toThrow(expect.objectContaining({ field: 'exposures.delivery' }));
    expect(logTo({ maxBuffered: 0 })).toThrow(expect.objectContaining({ field: 'exposures.maxBuffered' }));
  });
});

describe('interleaving inside the engine', () => {
  it('merges two rankers into each list by team draft, logs the teams, and finds the one readers prefer', async () => {
    const experiment: ExperimentInput = {
      key: 'rankers',
      variants: [{ key: 'interleaved', settings: { interleave: { a: { blend: { politics: 1, sport: 0 } }, b: { blend: { politics: 0, sport: 1 } } } } }],
    };
    const { recommender, assigner, exposures, recorder, store, tick } = await setUp([experiment]);
    const lists = new Map<string, Awaited<ReturnType<typeof recommender.recommend>>>();
    for (const userId of USERS) lists.set(userId, await recommender.recommend({ userId, n: 4 }));
    const first = lists.get('u0')!;
    expect(first.items.map((r) => r.team).sort()).toEqual(['a', 'a', 'b', 'b']);
    for (const r of first.items) expect(r.category).toBe(r.team === 'a' ? 'politics' : 'sport');
    expect(new Set(first.items.map((r) => r.itemId))).toEqual(new Set(['p1', 'p2', 's1', 's2']));
    // The coin that picks who starts is seeded per reader: the same reader gets the same list.
    expect((await recommender.recommend({ userId: 'u0', n: 4, useCache: false })).items.map((r) => r.itemId)).toEqual(first.items.map((r) => r.itemId));
    await vi.waitFor(() => expect(recorder.stats().recorded).toBe(USERS.length + 1));
    expect((await exposures.get(first.id))!.teams).toEqual(first.items.map((r) => r.team));

    // Readers click the sport item of their list most of the time, a politics one sometimes.
    tick(60_000);
    const clicks = USERS.map((userId, i) => {
      const list = lists.get(userId)!;
      const team = i % 5 === 0 ? 'a' : 'b';
      return { userId, itemId: list.items.find((r) => r.team === team)!.itemId, type: 'click' as const, timestamp: T0 + 3_660_000, recommendationId: list.id };
    });
    await recommender.ingestInteractions(clicks);
    const results = await experimentResults({ experiment: assigner.experiments[0]!, exposures: exposures.scan({ experiment: 'rankers' }), interactions: store.interactions.scan() });
    const preference = results.interleaving.interleaved!;
    expect(preference.treatment).toBeCloseTo(32 / 40, 10); // b won 32 of the 40 decided lists
    // Per reader (bWins − aWins) / lists, averaged: u0 was served twice (one list clicked, one tie).
    expect(preference.difference).toBeCloseTo((32 - 7 - 0.5) / 40, 10);
    expect(preference.significant).toBe(true);
    await recorder.stop();
  });

  it('refuses interleaving rankers it cannot build', () => {
    const make = () =>
      createRecommender({
        store: createMemoryStore(),
        models: { popular: createPopularityModel(), politics: fixedModel({ p1: 1 }) },
        experiments: createExperimentAssigner({ experiments: [{ key: 'x', variants: [{ key: 'a', settings: { interleave: { a: {}, b: { blend: { nope: 1 } } } } }] }] }),
      });
    expect(make).toThrow(expect.objectContaining({ field: 'experiments.0.variants.0.settings.interleave.b.blend.nope' }));
  });
});

describe('feedback attributed to the lists served', () => {
  it('joins clicks to their list by id or by window, counts unknown ids, and compares the variants', async () => {
    const { recommender, assigner, exposures, recorder, store, tick } = await setUp([blendTest]);
    const served = new Map<string, { id: string; items: string[] }>();
    for (const userId of USERS) {
      const list = await recommender.recommend({ userId, n: 4 });
      served.set(userId, { id: list.id, items: list.items.map((r) => r.itemId) });
    }
    await vi.waitFor(() => expect(recorder.stats().recorded).toBe(USERS.length));
    tick(60_000);
    // Sport readers click twice, politics readers once; every other user names the list.
    const clicks = USERS.flatMap((userId, i) => {
      const { id, items } = served.get(userId)!;
      const sport = assigner.assign('blend', userId).variant === 'sport';
      const named = i % 2 === 0 ? { recommendationId: id } : {};
      const at = T0 + 3_600_000 + 60_000;
      return (sport ? items.slice(0, 2) : items.slice(0, 1)).map((itemId) => ({ userId, itemId, type: 'read' as const, timestamp: at, duration: 30, ...named }));
    });
    await recommender.ingestInteractions([
      ...clicks,
      { userId: 'u0', itemId: 'p1', type: 'click', timestamp: T0 + 3_700_000, recommendationId: 'no-such-list' },
      { userId: 'u1', itemId: 'p1', type: 'click', timestamp: T0 + 9 * 3_600_000 }, // hours later: outside the window
    ]);
    const stored = await store.interactions.ofUser('u0');
    expect(stored.some((x) => x.recommendationId === 'no-such-list')).toBe(true);

    const results = await experimentResults({
      experiment: assigner.experiments[0]!,
      exposures: exposures.scan({ experiment: 'blend' }),
      interactions: store.interactions.scan(),
      categoryOf: (id) => recommender.catalog.categoryOf(recommender.catalog.indexOf(id)),
    });
    const sportUsers = USERS.filter((u) => assigner.assign('blend', u).variant === 'sport').length;
    const byKey = Object.fromEntries(results.variants.map((v) => [v.variant, v]));
    expect(byKey.sport!.users).toBe(sportUsers);
    expect(byKey.control!.users).toBe(USERS.length - sportUsers);
    expect(byKey.sport!.ctr).toBeCloseTo(2 / 4, 10);
    expect(byKey.control!.ctr).toBeCloseTo(1 / 4, 10);
    expect(byKey.sport!.engagementSecondsPerList).toBeCloseTo(60, 10);
    expect(byKey.control!.diversity).toBe(0);
    expect(results.attribution).toEqual({ byListId: clicks.filter((c) => 'recommendationId' in c).length, byWindow: clicks.filter((c) => !('recommendationId' in c)).length, unknownListId: 1, notInList: 0, unattributed: 1 });
    const sport = results.comparisons.sport!;
    expect(sport.ctr.difference).toBeCloseTo(0.25, 10);
    expect(sport.ctr.significant).toBe(true);
    expect(sport.clicksPerUser.difference).toBe(1);
    // Every reader clicked once before the experiment: a covariate that explains nothing.
    expect(results.cuped).toEqual({ theta: 0, varianceReduction: 0 });
    expect(sport.clicksPerUserCuped?.difference).toBe(1);
    expect(results.sampleRatio?.mismatch).toBe(false);
    expect(results.usersInSeveralVariants).toBe(0);
    await recorder.stop();
  });
});
