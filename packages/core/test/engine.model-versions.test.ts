import { describe, expect, it } from 'vitest';
import { createRecommender, type InteractionInput, type ItemInput, type ModelRegistry, type RecommendationStore } from '@mycontent/core';
import { createMemoryCache, createMemoryModelRegistry, createMemoryStore } from '@mycontent/adapters/memory';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

// Serving instances follow the registry: a candidate does not serve until promoted; a promotion
// (and a rollback) reaches a running engine through refreshModels(), blue/green.
const T0 = Date.UTC(2024, 5, 1);
const items: ItemInput[] = ['s1', 's2', 's3', 'p1', 'p2', 'p3'].map((id) => ({ id, category: id.startsWith('s') ? 'sport' : 'politics', createdAt: T0 }));
/** Readers of `first` then `then`. */
const pairs = (first: string, then: string, readers: number, tag: string): InteractionInput[] =>
  Array.from({ length: readers }, (_, u) => [
    { userId: `${tag}${u}`, itemId: first, type: 'click' as const, timestamp: T0 + u * 60_000 },
    { userId: `${tag}${u}`, itemId: then, type: 'click' as const, timestamp: T0 + u * 60_000 + 1 },
  ]).flat();

const models = () => ({ popular: createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY, rerankIntervalMs: 0 }), related: createItemKnnModel({ similarity: 'cooccurrence' }) });
const engine = (store: RecommendationStore, registry: ModelRegistry, serving = models(), onModelSwitch: 'keep-cached-lists' | 'recompute' = 'recompute') =>
  createRecommender({ store, registry, cache: createMemoryCache(), models: serving, blend: { related: 1, popular: 0 }, now: () => T0 + 86_400_000, onModelSwitch });
const next = async (recommender: ReturnType<typeof engine>, userId = 'reader') => (await recommender.recommend({ userId, n: 1 })).items[0]?.itemId;

async function world() {
  const store = createMemoryStore();
  const registry = createMemoryModelRegistry();
  const trainer = engine(store, registry);
  await trainer.ingestItems(items);
  await trainer.ingestInteractions([...pairs('s1', 's2', 6, 'a'), { userId: 'reader', itemId: 's1', type: 'click', timestamp: T0 + 3_600_000 }]);
  await trainer.train();
  await trainer.saveModels({ cycle: 1 });
  const served = models();
  const server = engine(store, registry, served);
  await server.loadModels();
  return { store, registry, trainer, server, served };
}

describe('model versions in a serving engine', () => {
  it('serves a new version only once promoted, and the previous one again after a rollback', async () => {
    const { registry, trainer, server } = await world();
    expect(await next(server)).toBe('s2'); // readers of s1 went on to s2

    // Habits change: s1 readers now go on to s3. The new models are saved as candidates.
    await trainer.ingestInteractions(pairs('s1', 's3', 20, 'b'));
    await trainer.train();
    const saved = await trainer.saveModels({ cycle: 2 }, { promote: false });
    expect(saved.related).toMatchObject({ version: 2, state: 'candidate' });
    expect(await server.refreshModels()).toEqual({ changed: false, versions: { popular: 1, related: 1 } });
    expect(await next(server)).toBe('s2');

    for (const name of ['popular', 'related']) await registry.promote(name, 2);
    expect(await server.refreshModels()).toEqual({ changed: true, versions: { popular: 2, related: 2 }, previous: { popular: 1, related: 1 } });
    expect(await next(server)).toBe('s3');
    expect(server.metrics().recommendations).toBeGreaterThan(0);

    for (const name of ['popular', 'related']) await registry.rollback(name);
    expect((await server.refreshModels()).versions).toEqual({ popular: 1, related: 1 });
    expect(await next(server, 'reader')).toBe('s2');
  });

  it('switches blue/green: the serving models are replaced, not rewritten, and requests during the switch all succeed', async () => {
    const { registry, trainer, server, served } = await world();
    await trainer.ingestInteractions(pairs('s1', 's3', 20, 'b'));
    await trainer.train();
    await trainer.saveModels({ cycle: 2 }); // promoted at once (the default)
    const before = served.related.similar!(0, 3);
    const during = Array.from({ length: 50 }, (_, i) => server.recommend({ userId: i % 2 ? 'reader' : `new${i}`, n: 3, useCache: false }));
    const refresh = server.refreshModels();
    const lists = await Promise.all(during);
    expect(lists.every((l) => l.items.length > 0)).toBe(true);
    expect((await refresh).changed).toBe(true);
    expect(await next(server)).toBe('s3');
    // The instances the engine started with still hold version 1: nothing was restored in place.
    expect(served.related.similar!(0, 3)).toEqual(before);
    void registry;
  });

  it('keeps serving the lists cached before a switch until they expire or their reader acts (the default)', async () => {
    const { store, registry, trainer } = await world();
    const server = engine(store, registry, models(), 'keep-cached-lists');
    await server.loadModels();
    expect(await next(server)).toBe('s2'); // cached under version 1
    await trainer.ingestInteractions(pairs('s1', 's3', 20, 'b'));
    await trainer.train();
    await trainer.saveModels({ cycle: 2 });
    expect((await server.refreshModels()).changed).toBe(true);
    expect(await next(server)).toBe('s2'); // the cached list of version 1, not recomputed at the switch
    expect((await server.recommend({ userId: 'reader', n: 1, useCache: false })).items[0]?.itemId).toBe('s3');
    expect(await next(server, 'new-reader')).toBeDefined(); // nothing cached: from version 2
    await server.feedback({ userId: 'reader', itemId: 's1', type: 'click' }); // the reader acts: their lists go
    expect(await next(server)).toBe('s3');
    expect(() => engine(store, registry, models(), 'sometimes' as never)).toThrow(/onModelSwitch must be/);
  });

  it('serves what it saved as serving: a refresh then has nothing to load', async () => {
    const { trainer } = await world();
    expect(trainer.metrics().modelVersions).toEqual({ popular: 1, related: 1 });
    expect(await trainer.refreshModels()).toEqual({ changed: false, versions: { popular: 1, related: 1 } });
    await trainer.train();
    expect(trainer.metrics().modelVersions).toBeUndefined(); // fit here, not saved
    await trainer.saveModels({}, { promote: false });
    expect(trainer.metrics().modelVersions).toBeUndefined();
  });

  it('changes nothing when a version is missing', async () => {
    const { server } = await world();
    await expect(server.loadModels({ related: 7 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await server.refreshModels()).changed).toBe(false);
    expect(await next(server)).toBe('s2');
  });
});
