import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusMessage, EventBus } from '@mycontent/core';
import { sleep, suiteTitle, type ConformanceOptions } from './shared';

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/**
 * The event bus conformance suite. `factory` returns a fresh bus for each test (isolate topics).
 *
 * @example
 * ```ts
 * describeEventBusConformance('memory', () => createMemoryEventBus());
 * ```
 */
export function describeEventBusConformance(
  name: string,
  factory: () => EventBus | Promise<EventBus>,
  options: ConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('event bus', name, options.skip), () => {
    let bus: EventBus;
    let topic: string;
    let n = 0;
    beforeEach(async () => {
      bus = await factory();
      topic = `conformance-${Date.now()}-${n++}`;
    });
    afterEach(async () => {
      await bus.close();
    });

    it('delivers published messages in order to a subscriber', async () => {
      const got: number[] = [];
      await bus.subscribe<{ n: number }>(topic, (m) => void got.push(m.payload.n));
      for (let i = 0; i < 20; i++) await bus.publish(topic, { n: i });
      await until(() => got.length === 20);
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('gives every group every message, and shares a group between its consumers', async () => {
      const a: number[] = [];
      const b1: number[] = [];
      const b2: number[] = [];
      await bus.subscribe<{ n: number }>(topic, (m) => void a.push(m.payload.n), { group: 'a' });
      await bus.subscribe<{ n: number }>(topic, async (m) => { b1.push(m.payload.n); await sleep(2); }, { group: 'b' });
      await bus.subscribe<{ n: number }>(topic, async (m) => { b2.push(m.payload.n); await sleep(2); }, { group: 'b' });
      for (let i = 0; i < 40; i++) await bus.publish(topic, { n: i });
      await until(() => a.length === 40 && b1.length + b2.length === 40);
      expect([...b1, ...b2].sort((x, y) => x - y)).toEqual(a);
      expect(b1.length).toBeGreaterThan(0);
      expect(b2.length).toBeGreaterThan(0);
    });

    it('redelivers a message whose handler throws, with the delivery count', async () => {
      const deliveries: number[] = [];
      await bus.subscribe(topic, (m: BusMessage) => {
        deliveries.push(m.deliveries);
        if (m.deliveries < 3) throw new Error('transient');
      }, { maxDeliveries: 5 });
      await bus.publish(topic, { n: 1 });
      await until(() => deliveries.length === 3);
      await sleep(50);
      expect(deliveries).toEqual([1, 2, 3]);
      expect(await bus.deadLetters(topic)).toEqual([]);
    });

    it('dead-letters a poison message after maxDeliveries and keeps processing the rest', async () => {
      const ok: number[] = [];
      await bus.subscribe<{ n: number }>(topic, (m) => {
        if (m.payload.n === 0) throw new Error('poison');
        ok.push(m.payload.n);
      }, { maxDeliveries: 2 });
      for (let i = 0; i < 5; i++) await bus.publish(topic, { n: i });
      await until(() => ok.length === 4);
      await until(async () => (await bus.deadLetters(topic)).length === 1);
      const dead = await bus.deadLetters(topic);
      expect(dead[0]!.error).toContain('poison');
      expect(dead[0]!.message.payload).toEqual({ n: 0 });
      expect(ok.sort()).toEqual([1, 2, 3, 4]);
    });

    it('stops delivering to a closed subscription', async () => {
      const got: number[] = [];
      const sub = await bus.subscribe<{ n: number }>(topic, (m) => void got.push(m.payload.n));
      await bus.publish(topic, { n: 1 });
      await until(() => got.length === 1);
      await sub.close();
      await bus.publish(topic, { n: 2 });
      await sleep(50);
      expect(got).toEqual([1]);
    });
  });
}
