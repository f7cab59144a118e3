import type { BusMessage, DeadLetter, EventBus, Subscription, SubscribeOptions } from '@mycontent/core';

/** Name of the in-process event bus adapter. */
export const MEMORY_EVENT_BUS_NAME = 'memory-event-bus';

interface Consumer {
  handler: (message: BusMessage<unknown>) => Promise<void> | void;
  busy: boolean;
  closed: boolean;
  idle: Promise<void>;
  resolveIdle: () => void;
}

interface Group {
  queue: BusMessage<unknown>[];
  consumers: Consumer[];
  next: number;
  maxDeliveries: number;
}

/**
 * An in-process event bus with the semantics of the durable ones: consumer groups (each group
 * receives every message, consumers of one group share them), acknowledgement when the handler
 * resolves, redelivery when it throws, and dead letters after `maxDeliveries`. Messages live in
 * memory only. A message is delivered to the groups that exist when it is published.
 *
 * @example
 * ```ts
 * const bus = createMemoryEventBus();
 * await bus.subscribe('interactions', async (m) => apply(m.payload), { group: 'profile-updater' });
 * await bus.publish('interactions', { userId: '1', itemId: '2', type: 'click' });
 * ```
 */
export function createMemoryEventBus(): EventBus {
  const topics = new Map<string, Map<string, Group>>();
  const dead = new Map<string, DeadLetter<unknown>[]>();
  let sequence = 0;
  let anonymous = 0;

  function pump(topic: string, group: Group): void {
    while (group.queue.length > 0) {
      const free = group.consumers.filter((c) => !c.busy && !c.closed);
      if (free.length === 0) return;
      const consumer = free[group.next++ % free.length]!;
      const message = group.queue.shift()!;
      const delivery = { ...message, deliveries: message.deliveries + 1 };
      consumer.busy = true;
      consumer.idle = new Promise((resolve) => (consumer.resolveIdle = resolve));
      void (async () => {
        try {
          await consumer.handler(delivery);
        } catch (error) {
          if (delivery.deliveries >= group.maxDeliveries) {
            let list = dead.get(topic);
            if (!list) dead.set(topic, (list = []));
            list.push({ message: delivery, error: error instanceof Error ? error.message : String(error) });
          } else {
            group.queue.push(delivery);
          }
        } finally {
          consumer.busy = false;
          consumer.resolveIdle();
          setImmediate(() => pump(topic, group));
        }
      })();
    }
  }

  return {
    name: MEMORY_EVENT_BUS_NAME,
    capabilities: { durable: false, distributed: false },
    async publish<T>(topic: string, payload: T) {
      const id = `${Date.now()}-${sequence++}`;
      const message: BusMessage<unknown> = { id, topic, payload: structuredClone(payload), deliveries: 0 };
      const groups = topics.get(topic);
      if (groups) {
        for (const group of groups.values()) {
          group.queue.push(message);
          pump(topic, group);
        }
      }
      return id;
    },
    async subscribe<T>(topic: string, handler: (message: BusMessage<T>) => Promise<void> | void, options: SubscribeOptions = {}) {
      let groups = topics.get(topic);
      if (!groups) topics.set(topic, (groups = new Map()));
      const name = options.group ?? `anonymous-${anonymous++}`;
      let group = groups.get(name);
      if (!group) groups.set(name, (group = { queue: [], consumers: [], next: 0, maxDeliveries: options.maxDeliveries ?? 5 }));
      const consumer: Consumer = {
        handler: handler as Consumer['handler'],
        busy: false,
        closed: false,
        idle: Promise.resolve(),
        resolveIdle: () => {},
      };
      group.consumers.push(consumer);
      const g = group;
      pump(topic, g);
      const subscription: Subscription = {
        async close() {
          consumer.closed = true;
          await consumer.idle;
          g.consumers = g.consumers.filter((c) => c !== consumer);
        },
      };
      return subscription;
    },
    async deadLetters<T>(topic: string) {
      return (dead.get(topic) ?? []) as DeadLetter<T>[];
    },
    async close() {
      const closing: Promise<void>[] = [];
      for (const groups of topics.values()) {
        for (const group of groups.values()) {
          for (const c of group.consumers) {
            c.closed = true;
            closing.push(c.idle);
          }
          group.consumers = [];
        }
      }
      await Promise.all(closing);
    },
  };
}
