import { describe, expect, it } from 'vitest';
import { createEventProcessor, createRecommender, type InteractionInput } from '@mycontent/core';
import { createMemoryCache, createMemoryEventBus, createMemoryStore } from '@mycontent/adapters/memory';
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

const T0 = Date.UTC(2024, 5, 1);
const minute = (m: number) => T0 + m * 60_000;

async function engine() {
  const store = createMemoryStore();
  const recommender = createRecommender({
    store,
    cache: createMemoryCache(),
    models: { popular: createPopularityModel({ rerankIntervalMs: 0 }), related: createItemKnnModel({ similarity: 'cooccurrence' }) },
    blend: { related: 1 },
    now: () => minute(100),
  });
  await recommender.ingestItems(['a', 'b', 'c', 'd'].map((id) => ({ id, category: 'news', createdAt: minute(0) })));
  const clicks: InteractionInput[] = [];
  // Everyone reads a then b; some read c; d is read once.
  for (let u = 0; u < 6; u++) {
    clicks.push({ userId: `u${u}`, itemId: 'a', type: 'click', timestamp: minute(u * 2) });
    clicks.push({ userId: `u${u}`, itemId: 'b', type: 'click', timestamp: minute(u * 2 + 1) });
    if (u < 3) clicks.push({ userId: `u${u}`, itemId: 'c', type: 'click', timestamp: minute(u * 2 + 1) + 1 });
  }
  clicks.push({ userId: 'u9', itemId: 'd', type: 'click', timestamp: minute(20) });
  await recommender.ingestInteractions(clicks);
  await recommender.train();
  return { store, recommender };
}

const ids = (list: { itemId: string }[]) => list.map((r) => r.itemId);

describe('removing items', () => {
  it('takes an item out of every list at once, cached ones included, and out of the store', async () => {
    const { store, recommender } = await engine();
    await recommender.ingestInteractions([{ userId: 'reader', itemId: 'a', type: 'click', timestamp: minute(50) }]);
    expect(ids((await recommender.recommend({ userId: 'reader', n: 3 })).items)[0]).toBe('b'); // now cached
    expect(ids(await recommender.trending({ n: 4 }))).toContain('b');
    expect(ids(await recommender.similarItems('a', { n: 3 }))).toContain('b');

    expect(await recommender.removeItems(['b', 'never-existed'])).toEqual({ written: 1 });
    const list = await recommender.recommend({ userId: 'reader', n: 3 });
    expect(list.cached).toBe(false);
    expect(ids(list.items)).not.toContain('b');
    expect(ids(list.items)[0]).toBe('c');
    expect(ids(await recommender.trending({ n: 4 }))).not.toContain('b');
    expect(ids(await recommender.similarItems('a', { n: 3 }))).not.toContain('b');
    expect(ids((await recommender.recommend({ userId: 'newcomer', n: 4 })).items)).not.toContain('b');
    expect(await store.items.get(['b'])).toEqual([undefined]);
    expect(await recommender.getItem('b')).toBeUndefined();
  });

  it('rejects ids that are not ids, naming the record', async () => {
    const { recommender } = await engine();
    await expect(recommender.removeItems(['a', '' as string])).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [{ index: 1 }] });
    expect(ids(await recommender.trending({ n: 4 }))).toContain('a');
  });

  it('applies catalogue events from the bus in order: publish, update, remove; a malformed one is dead-lettered', async () => {
    const { recommender } = await engine();
    const bus = createMemoryEventBus();
    const processor = createEventProcessor({ recommender, bus, itemTopic: 'items', maxDeliveries: 1 });
    await processor.start();
    await bus.publishBatch('items', [
      { op: 'upsert', item: { id: 'scoop', title: 'Scoop', category: 'sport', createdAt: minute(90) } },
      { op: 'upsert', item: { id: 'scoop', title: 'Scoop, updated', category: 'sport', createdAt: minute(90) } },
      { op: 'remove', itemId: 'c' },
      { op: 'upsert', item: { id: 'broken' } },
      { op: 'rename', itemId: 'a' },
    ]);
    for (let i = 0; i < 200 && processor.stats().itemEvents + (await bus.deadLetters('items')).length < 5; i++) await new Promise((r) => setTimeout(r, 5));
    await processor.stop();
    expect(processor.stats().itemEvents).toBe(3);
    expect((await recommender.getItem('scoop'))?.item.title).toBe('Scoop, updated');
    expect(ids((await recommender.recommend({ userId: 'newcomer', n: 5 })).items)).not.toContain('c');
    const dead = await bus.deadLetters<{ op: string }>('items');
    expect(dead.map((d) => d.message.payload.op).sort()).toEqual(['rename', 'upsert']);
    expect(dead.find((d) => d.message.payload.op === 'upsert')!.error).toContain('createdAt');
  });
});
