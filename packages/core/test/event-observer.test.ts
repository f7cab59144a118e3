import { describe, expect, it } from 'vitest';
import { createEventObserver, createEventProcessor, createRecommender, type InteractionInput, type Recommender } from '@mycontent/core';
import { createMemoryEventBus, createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel, createSessionKnnModel } from '@mycontent/algorithms';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const T0 = Date.UTC(2026, 0, 1);
const until = async (check: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
};

/** A serving instance: session neighbours (open sessions) trained on a shared history. */
async function instance(history: InteractionInput[], store = createMemoryStore()): Promise<Recommender> {
  const recommender = createRecommender({
    store,
    models: { related: createSessionKnnModel(), popular: createPopularityModel() },
    blend: { related: 0.9, popular: 0.1 },
  });
  await recommender.ingestItems(Array.from({ length: 20 }, (_, i) => ({ id: `a${i}`, createdAt: T0, category: 'news' })));
  await recommender.ingestInteractions(history);
  await recommender.train();
  return recommender;
}
const openSessions = (r: Recommender) => r.metrics().models.related!.openSessions!;

describe('the event observer (fan-out to serving instances)', () => {
  it('gives every instance every event for its online models while one worker stores them', async () => {
    const history = Array.from({ length: 200 }, (_, n) => ({ userId: `h${n % 20}`, itemId: `a${(n * 7) % 20}`, type: 'click' as const, timestamp: T0 + n }));
    const bus = createMemoryEventBus();
    const instances = [await instance(history), await instance(history)];
    const before = instances.map(openSessions);
    const observers = instances.map((recommender) => createEventObserver({ recommender, bus, batchSize: 50 }));
    for (const o of observers) await o.start();
    const store = createMemoryStore();
    const worker = createRecommender({ store, models: { popular: createPopularityModel() } });
    const processor = createEventProcessor({ recommender: worker, bus, recompute: false });
    await processor.start();

    const events = Array.from({ length: 300 }, (_, n) => ({ userId: `u${n % 30}`, sessionId: `s${n % 30}`, itemId: `a${n % 20}`, type: 'click', timestamp: T0 + 10_000 + n, eventId: `e${n}` }));
    await bus.publishBatch('interactions', events);
    await until(() => observers.every((o) => o.stats().observed === 300) && processor.stats().processed === 300);
    // Each instance holds every session; the worker stored every event; the instances stored none.
    expect(instances.map(openSessions)).toEqual(before.map((n) => n + 30));
    expect(await store.interactions.count()).toBe(300);
    for (const r of instances) expect((await r.exportUserData('u1')).interactions).toEqual([]);

    // A redelivered event is observed once; an event that is not an interaction is skipped.
    await bus.publishBatch('interactions', [events[0], { userId: 'u1', itemId: 'a1', type: 'teleport', timestamp: T0 }, 'not an object']);
    await until(() => observers.every((o) => o.stats().batches >= 7 && o.stats().duplicates === 1 && o.stats().invalid === 2));
    expect(observers[0]!.stats()).toMatchObject({ running: true, observed: 300, duplicates: 1, invalid: 2 });
    for (const o of observers) await o.stop();
    await processor.stop();
    expect(observers[0]!.stats().running).toBe(false);
  });

  it('leaves an instance in the state storing the events would: online models and lists alike', async () => {
    // Past sessions of 4 clicks walking the catalogue in steps of 3.
    const history = Array.from({ length: 200 }, (_, n) => ({ userId: `h${n % 20}`, sessionId: `p${Math.floor(n / 4)}`, itemId: `a${(Math.floor(n / 4) + (n % 4) * 3) % 20}`, type: 'click' as const, timestamp: T0 + n }));
    const stored = await instance(history);
    // Two instances reading the store a worker writes: one observes the stream, one does not.
    const shared = createMemoryStore();
    const observed = await instance(history, shared);
    const blind = createRecommender({ store: shared, models: { related: createSessionKnnModel(), popular: createPopularityModel() }, blend: { related: 0.9, popular: 0.1 } });
    await blind.train();
    const worker = createRecommender({ store: shared, models: { popular: createPopularityModel() } });
    // A burst on a19, in sessions: the worker stores it, `observed` observes it in two batches.
    const burst = Array.from({ length: 60 }, (_, k) => ({ userId: `r${k % 12}`, sessionId: `v${k % 12}`, itemId: k % 2 === 0 ? 'a19' : `a${k % 5}`, type: 'click' as const, timestamp: T0 + 50_000 + k, eventId: `v${k}` }));
    await worker.ingestInteractions(burst);
    await stored.ingestInteractions(burst);
    await observed.observeInteractions(burst.slice(0, 25));
    await observed.observeInteractions(burst.slice(25));
    const top = async (r: Recommender) => (await r.trending({ n: 3 })).map((x) => x.itemId);
    expect(await top(observed)).toEqual(await top(stored));
    expect((await top(observed))[0]).toBe('a19');
    expect((await top(blind))[0]).not.toBe('a19'); // its popularity never saw the burst
    const list = async (r: Recommender) => (await r.recommend({ userId: 'r3', n: 5 })).items.map((x) => x.itemId);
    expect(await list(observed)).toEqual(await list(stored));
    expect(openSessions(observed) - openSessions(blind)).toBe(12);
    expect(await observed.observeInteractions(burst)).toEqual({ observed: 0, duplicates: 60 });
  });

  it('refuses a missing bus or engine with the field named', () => {
    expect(() => createEventObserver({ recommender: undefined as never, bus: createMemoryEventBus() })).toThrow(/recommender is required/);
    expect(() => createEventObserver({ recommender: { observeInteractions: () => {} } as never, bus: undefined as never })).toThrow(/bus is required/);
  });
});
