/**
 * The event processor facing a failing store: an outage (writes fail and the store does not answer
 * its ping) is waited out, holding the events; a write the store refuses while it answers is the
 * events' fault, and only the events at fault fail; a processor stopped mid-outage gives its
 * events back to the bus uncounted.
 */
import { describe, expect, it } from 'vitest';
import { createEventProcessor, createRecommender, MyContentError, type InteractionInput, type RecommendationStore } from '@mycontent/core';
import { createMemoryEventBus, createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';

const T0 = Date.UTC(2024, 5, 1);

/** A memory store that can be taken down (writes and ping fail) or made to refuse one item's events. */
function faultyStore() {
  const inner = createMemoryStore();
  const state = { down: false, poison: undefined as string | undefined, writes: 0 };
  const unreachable = () => new MyContentError('BACKEND', 'the store is unreachable', { source: 'faulty-store' });
  const store: RecommendationStore = {
    ...inner,
    interactions: {
      ...inner.interactions,
      async record(record) {
        state.writes++;
        if (state.down) throw unreachable();
        if (state.poison && record.interactions.some((x) => x.itemId === state.poison)) {
          throw new MyContentError('BACKEND', `value too long for item ${state.poison}; the statement was rolled back`, { source: 'faulty-store' });
        }
        return inner.interactions.record(record);
      },
    },
    async ping() {
      if (state.down) throw unreachable();
    },
  };
  return { store, state };
}

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function setup() {
  const { store, state } = faultyStore();
  const recommender = createRecommender({ store, models: { popular: createPopularityModel() } });
  await recommender.ingestItems(['a', 'b', 'c', 'poison'].map((id) => ({ id, createdAt: T0 })));
  const bus = createMemoryEventBus();
  const processor = createEventProcessor({ recommender, bus, batchSize: 50, maxDeliveries: 3, recompute: false, outage: { retryDelayMs: 10, maxRetryDelayMs: 40 } });
  await processor.start();
  return { store, state, bus, processor };
}

const click = (n: number, itemId = ['a', 'b', 'c'][n % 3]!): InteractionInput => ({ userId: `u${n % 7}`, itemId, type: 'click', timestamp: T0 + n });

describe('event processor: store outages', () => {
  it('holds the events while the store is down and applies each once when it is back', async () => {
    const { store, state, bus, processor } = await setup();
    state.down = true;
    await bus.publishBatch('interactions', Array.from({ length: 120 }, (_, n) => click(n)));
    await until(() => processor.stats().backend === 'down');
    await new Promise((r) => setTimeout(r, 200));
    const during = processor.stats();
    expect(during).toMatchObject({ backend: 'down', processed: 0, failures: 0, deadLettered: 0, outages: 1 });
    expect(state.writes).toBeLessThan(12); // probing with backoff, not hammering
    state.down = false;
    await until(() => processor.stats().processed === 120);
    expect(processor.stats()).toMatchObject({ backend: 'up', failures: 0, deadLettered: 0, retried: 0 });
    expect(processor.stats().outageMs).toBeGreaterThanOrEqual(200);
    expect(await store.interactions.count()).toBe(120);
    expect(await bus.deadLetters('interactions')).toEqual([]);
    await processor.stop();
  });

  it('fails only the events the store refuses while it answers, and dead-letters them', async () => {
    const { store, state, bus, processor } = await setup();
    state.poison = 'poison';
    const events = Array.from({ length: 40 }, (_, n) => click(n));
    events.splice(17, 0, click(1000, 'poison'));
    await bus.publishBatch('interactions', events);
    await until(async () => (await bus.deadLetters('interactions')).length === 1);
    await until(() => processor.stats().processed === 40);
    const [dead] = await bus.deadLetters<InteractionInput>('interactions');
    expect(dead!.message.payload.itemId).toBe('poison');
    expect(dead!.error).toContain('value too long');
    expect(processor.stats()).toMatchObject({ processed: 40, deadLettered: 1, outages: 0 });
    expect(await store.interactions.count()).toBe(40);
    await processor.stop();
  });

  it('gives its events back to the bus, uncounted, when stopped during an outage', async () => {
    const { state, bus, processor } = await setup();
    state.down = true;
    await bus.publishBatch('interactions', Array.from({ length: 10 }, (_, n) => click(n)));
    await until(() => processor.stats().backend === 'down');
    await processor.stop();
    expect(processor.stats()).toMatchObject({ processed: 0, failures: 0, deadLettered: 0 });
    // A new worker of the group gets them, first delivery again, once the store is back.
    state.down = false;
    const deliveries: number[] = [];
    await bus.subscribeBatch('interactions', (messages) => void deliveries.push(...messages.map((m) => m.deliveries)), { group: 'mycontent-event-processor' });
    await until(() => deliveries.length === 10);
    expect(deliveries.every((d) => d === 1)).toBe(true);
  });
});
