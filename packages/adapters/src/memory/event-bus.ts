import {
  handleEachMessage,
  type BatchHandler,
  type BusMessage,
  type DeadLetter,
  type EventBus,
  type Subscription,
  type SubscribeOptions,
} from '@mycontent/core';

/** Name of the in-process event bus adapter. */
export const MEMORY_EVENT_BUS_NAME = 'memory-event-bus';

/** Options of {@link createMemoryEventBus}. */
export interface MemoryEventBusOptions {
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
  const topics = new Map<string, Map<string, Group>>();
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
    let groups = topics.get(topic);
    if (!groups) topics.set(topic, (groups = new Map()));
    const name = options.group ?? `anonymous-${anonymous++}`;
    let group = groups.get(name);
    if (!group) {
      const queue = options.startFrom === 'earliest' ? (history.get(topic) ?? []).slice(-retain) : [];
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

  function publishOne(topic: string, payload: unknown): string {
    const id = String(++sequence);
    const json = JSON.stringify(payload);
    const message: BusMessage<unknown> = { id, publishedAt: clock(), topic, payload: JSON.parse(json), deliveries: 0, bytes: Buffer.byteLength(json) };
    let kept = history.get(topic);
    if (!kept) history.set(topic, (kept = []));
    kept.push(message);
    if (kept.length > retain + 1_024) kept.splice(0, kept.length - retain); // trimmed in chunks
    const groups = topics.get(topic);
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
    capabilities: { durable: false, distributed: false },
    async publish<T>(topic: string, payload: T) {
      return publishOne(topic, payload);
    },
    async publishBatch<T>(topic: string, payloads: readonly T[]) {
      return payloads.map((p) => publishOne(topic, p));
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
      for (const m of history.get(topic) ?? []) consider(m);
      for (const group of topics.get(topic)?.values() ?? []) for (const m of group.queue) consider(m);
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
      const kept = history.get(topic);
      if (kept) history.set(topic, kept.filter(keep));
      for (const group of topics.get(topic)?.values() ?? []) group.queue = group.queue.filter(keep);
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
