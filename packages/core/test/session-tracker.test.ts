import { describe, expect, it } from 'vitest';
import { createRecommender, type InteractionInput } from '@mycontent/core';
import { SessionTracker } from '@mycontent/core/internal';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createItemKnnModel, createPopularityModel, createSequentialRulesModel, createSessionKnnModel } from '@mycontent/algorithms';

const T0 = Date.UTC(2024, 5, 1);

describe('session tracker: bounded memory', () => {
  it('holds at most maxOpen sessions, closing the least recently active first, and counts it', () => {
    const tracker = new SessionTracker(30 * 60_000, 10, 3);
    const open = (key: string, t: number) => tracker.push(tracker.sessionAt(key, t, key), 1, t);
    open('a', 1);
    open('b', 2);
    open('c', 3);
    open('a', 4); // a is active again: b is now the least recent
    open('d', 5);
    expect(tracker.size).toBe(3);
    expect(tracker.evicted).toBe(1);
    expect(tracker.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].every((k) => tracker.get(k) !== undefined)).toBe(true);
    expect(tracker.get('a')!.items).toEqual([1, 1]); // a kept its session
    for (let i = 0; i < 1_000; i++) open(`fresh-${i}`, 10 + i);
    expect(tracker.size).toBe(3);
    expect(tracker.evicted).toBe(1 + 1_000);
  });

  it('keeps the session models within their bound under a flood of new visitors, and reports it in the metrics', async () => {
    const models = {
      related: createItemKnnModel({ maxOpenSessions: 50 }),
      rules: createSequentialRulesModel({ maxOpenSessions: 50 }),
      sessions: createSessionKnnModel({ maxOpenSessions: 50 }),
      popular: createPopularityModel(),
    };
    const recommender = createRecommender({ store: createMemoryStore(), models, now: () => T0 + 86_400_000 });
    await recommender.ingestItems(Array.from({ length: 30 }, (_, i) => ({ id: `a${i}`, createdAt: T0 })));
    await recommender.ingestInteractions(Array.from({ length: 60 }, (_, i): InteractionInput => ({ userId: `warm${i % 6}`, itemId: `a${i % 30}`, type: 'click', timestamp: T0 + i })));
    await recommender.train();
    // 2,000 visitors never seen before, two clicks each, within a minute.
    for (let batch = 0; batch < 20; batch++) {
      const events: InteractionInput[] = [];
      for (let v = 0; v < 100; v++) {
        const user = `fresh-${batch * 100 + v}`;
        events.push({ userId: user, itemId: `a${v % 30}`, type: 'click', timestamp: T0 + 10_000 + batch * 100 + v });
        events.push({ userId: user, itemId: `a${(v + 1) % 30}`, type: 'click', timestamp: T0 + 10_001 + batch * 100 + v });
      }
      await recommender.ingestInteractions(events);
    }
    const { models: state } = recommender.metrics();
    for (const name of ['related', 'rules', 'sessions']) {
      expect(state[name]!.openSessions, name).toBeLessThanOrEqual(50);
      expect(state[name]!.openSessionsLimit, name).toBe(50);
      expect(state[name]!.openSessionsEvicted, name).toBeGreaterThanOrEqual(2_000 - 50);
    }
  });
});
