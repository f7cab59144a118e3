import { resolvePartitioning } from '@mycontent/core/internal';
import {
  handleEachMessage,
  type PartitioningOptions,
  type BatchHandler,
  type BusMessage,
  type DeadLetter,
  type EventBus,
  type PublishBatchOptions,
  type PublishOptions,
  type Subscription,
  type SubscribeOptions,
} from '@mycontent/core';

/** Name of the in-process event bus adapter. */
export const MEMORY_EVENT_BUS_NAME = 'memory-event-bus';

/** Options of {@link createMemoryEventBus}. */
export interface MemoryEventBusOptions extends PartitioningOptions {
  /** Messages each topic retains for groups created later with `startFrom: 'earliest'`. @default 100_000 */
  retain?: number;
  /** Clock of `publishedAt`. @default Date.now */
  now?: () => number;
}

interface Consumer {
  handler: BatchHandler<unknown>;
  batchSize: number;
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

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * An in-process event bus with the semantics of the durable ones: consumer groups (each group
 * receives every message, consumers of one group share them), batches, acknowledgement when the
 * handler resolves, redelivery of what failed, and dead letters after `maxDeliveries`. Messages
 * live in memory only. A message is delivered to the groups that exist when it is published.
 * With `partitions`, each partition of a topic is a queue of its own per group.
 *
 * @example
 * ```ts
 * const bus = createMemoryEventBus();
 * await bus.subscribe('interactions', async (m) => apply(m.payload), { group: 'profile-updater' });
 * await bus.publish('interactions', { userId: '1', itemId: '2', type: 'click' });
 * ```
 */
export function createMemoryEventBus(options: MemoryEventBusOptions = {}): EventBus {
  const retain = options.retain ?? 100_000;
  const clock = options.now ?? Date.now;
  const partitioning = resolvePartitioning('memory', options);
  /** A partition of a topic: its groups and history are its own. */
  const lane = (topic: string, partition: number) => (partitioning.partitions === 1 ? topic : `${topic}#${partition}`);
  const lanes = (topic: string) => partitioning.consumed(undefined).map((p) => lane(topic, p));
  /** Groups by lane. */
  const topics = new Map<string, Map<string, Group>>();
  /** Retained messages by lane. */
  const history = new Map<string, BusMessage<unknown>[]>();
  const dead = new Map<string, DeadLetter<unknown>[]>();
  let sequence = 0;
  let anonymous = 0;

  function pump(topic: string, group: Group): void {
    while (group.queue.length > 0) {
      const free = group.consumers.filter((c) => !c.busy && !c.closed);
      if (free.length === 0) return;
      const consumer = free[group.next++ % free.length]!;
      const batch = group.queue.splice(0, consumer.batchSize).map((m) => ({ ...m, deliveries: m.deliveries + 1 }));
      consumer.busy = true;
      consumer.idle = new Promise((resolve) => (consumer.resolveIdle = resolve));
      void (async () => {
        let failed: Map<string, string>;
        let released = new Set<string>();
        try {
          const outcome = await consumer.handler(batch);
          failed = new Map((outcome?.failed ?? []).map((f) => [f.id, errorText(f.error)]));
          released = new Set(outcome?.released ?? []);
        } catch (error) {
          failed = new Map(batch.map((m) => [m.id, errorText(error)]));
        }
        // Released messages go back first, in order, their delivery uncounted.
        const giveBack = batch.filter((m) => released.has(m.id) && !failed.has(m.id)).map((m) => ({ ...m, deliveries: m.deliveries - 1 }));
        if (giveBack.length > 0) group.queue.unshift(...giveBack);
        for (const message of batch) {
          const error = failed.get(message.id);
          if (error === undefined) continue;
          if (message.deliveries >= group.maxDeliveries) {
            let list = dead.get(topic);
            if (!list) dead.set(topic, (list = []));
            list.push({ message, error });
          } else {
            group.queue.push(message);
          }
        }
        consumer.busy = false;
        consumer.resolveIdle();
        setImmediate(() => pump(topic, group));
      })();
    }
  }

  async function subscribeBatch<T>(topic: string, handler: BatchHandler<T>, options: SubscribeOptions = {}): Promise<Subscription> {
    const name = options.group ?? `anonymous-${anonymous++}`;
    const parts = await Promise.all(partitioning.consumed(options.partitions).map((p) => subscribeLane(topic, lane(topic, p), name, handler, options)));
    return {
      async close() {
        await Promise.all(parts.map((part) => part.close()));
      },
    };
  }

  async function subscribeLane<T>(topic: string, key: string, name: string, handler: BatchHandler<T>, options: SubscribeOptions): Promise<Subscription> {
    let groups = topics.get(key);
    if (!groups) topics.set(key, (groups = new Map()));
    let group = groups.get(name);
    if (!group) {
      const queue = options.startFrom === 'earliest' ? (history.get(key) ?? []).slice(-retain) : [];
      groups.set(name, (group = { queue, consumers: [], next: 0, maxDeliveries: options.maxDeliveries ?? 5 }));
    }
    const consumer: Consumer = {
      handler: handler as BatchHandler<unknown>,
      batchSize: Math.max(1, options.batchSize ?? 100),
      busy: false,
      closed: false,
      idle: Promise.resolve(),
      resolveIdle: () => {},
    };
    group.consumers.push(consumer);
    const g = group;
    pump(topic, g);
    return {
      async close() {
        consumer.closed = true;
        await consumer.idle;
        g.consumers = g.consumers.filter((c) => c !== consumer);
      },
    };
  }

  function publishOne(topic: string, payload: unknown, partition: number): string {
    const id = String(++sequence);
    const json = JSON.stringify(payload);
    const message: BusMessage<unknown> = { id, publishedAt: clock(), topic, payload: JSON.parse(json), deliveries: 0, bytes: Buffer.byteLength(json) };
    const key = lane(topic, partition);
    let kept = history.get(key);
    if (!kept) history.set(key, (kept = []));
    kept.push(message);
    if (kept.length > retain + 1_024) kept.splice(0, kept.length - retain); // trimmed in chunks
    const groups = topics.get(key);
    if (groups) {
      for (const group of groups.values()) {
        group.queue.push(message);
        pump(topic, group);
      }
    }
    return id;
  }

  return {
    name: MEMORY_EVENT_BUS_NAME,
    capabilities: { durable: false, distributed: false, partitions: partitioning.partitions },
    async publish<T>(topic: string, payload: T, publish: PublishOptions = {}) {
      return publishOne(topic, payload, partitioning.assign(topic, [payload], [publish.key])[0]!);
    },
    async publishBatch<T>(topic: string, payloads: readonly T[], publish: PublishBatchOptions = {}) {
      const partitions = partitioning.assign(topic, payloads, publish.keys);
      return payloads.map((p, i) => publishOne(topic, p, partitions[i]!));
    },
    subscribe<T>(topic: string, handler: (message: BusMessage<T>) => Promise<void> | void, options: SubscribeOptions = {}) {
      return subscribeBatch<T>(topic, handleEachMessage(handler), { batchSize: 1, ...options });
    },
    subscribeBatch,
    async deadLetters<T>(topic: string) {
      return (dead.get(topic) ?? []) as DeadLetter<T>[];
    },
    async findMessages<T>(topic: string, match: (payload: T) => boolean) {
      const found = new Map<string, BusMessage<T>>();
      const consider = (m: BusMessage<unknown>) => {
        if (!found.has(m.id) && match(m.payload as T)) found.set(m.id, m as BusMessage<T>);
      };
      for (const key of lanes(topic)) {
        for (const m of history.get(key) ?? []) consider(m);
        for (const group of topics.get(key)?.values() ?? []) for (const m of group.queue) consider(m);
      }
      for (const d of dead.get(topic) ?? []) consider(d.message);
      return [...found.values()];
    },
    async eraseMessages<T>(topic: string, match: (payload: T) => boolean) {
      const erased = new Set<string>();
      const keep = (m: BusMessage<unknown>) => {
        if (!match(m.payload as T)) return true;
        erased.add(m.id);
        return false;
      };
      for (const key of lanes(topic)) {
        const kept = history.get(key);
        if (kept) history.set(key, kept.filter(keep));
        for (const group of topics.get(key)?.values() ?? []) group.queue = group.queue.filter(keep);
      }
      const letters = dead.get(topic);
      if (letters) dead.set(topic, letters.filter((d) => keep(d.message)));
      return erased.size;
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
