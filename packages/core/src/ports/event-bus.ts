import type { PartitioningOptions, PublishBatchOptions, PublishOptions } from './partitions';

/** A message delivered by an {@link EventBus}. */
export interface BusMessage<T = unknown> {
  /** Id assigned by the bus at publish time (opaque: its format is the bus's). */
  id: string;
  /** When the message was published (epoch ms, the bus's clock). */
  publishedAt: number;
  topic: string;
  payload: T;
  /** How many times this message has been delivered, including this delivery (1 on the first). */
  deliveries: number;
  /** Size of the serialised payload in bytes, when the bus knows it (durable buses do). */
  bytes?: number;
}

/** What a batch handler reports: the messages it could not process (the others are acknowledged). */
export interface BatchOutcome {
  /** Messages that failed on their own: redelivered, then dead-lettered past `maxDeliveries`. */
  failed?: { id: string; error: unknown }[];
  /**
   * Messages given back unprocessed through no fault of their own (the handler is stopping, or a
   * backend it needs is down): neither acknowledged nor counted as a failed delivery. They are
   * delivered again later, to this consumer or another, with the same delivery count.
   */
  released?: string[];
}

/**
 * Handles a batch of messages. Resolving acknowledges every message except those listed in
 * `failed` (redelivered, then dead-lettered past `maxDeliveries`) or `released` (delivered again,
 * uncounted); throwing fails the whole batch.
 *
 * A handler may take long — waiting out a database outage, say: durable buses keep its messages
 * claimed meanwhile, so no other consumer takes them over, and read nothing new for it.
 */
export type BatchHandler<T = unknown> = (messages: BusMessage<T>[]) => Promise<BatchOutcome | void> | BatchOutcome | void;

/** A message that exhausted its deliveries, with the last error. */
export interface DeadLetter<T = unknown> {
  message: BusMessage<T>;
  /** The last error thrown by the handler. */
  error: string;
}

/** Options of a subscription. */
export interface SubscribeOptions {
  /**
   * Consumer group: subscribers of the same group share the messages (each message goes to one
   * of them); each group receives every message. @default the subscription gets its own group
   */
  group?: string;
  /** Deliveries before a failing message is dead-lettered. @default 5 */
  maxDeliveries?: number;
  /** Most messages handed to one call of a batch handler. @default 100 (1 for `subscribe`) */
  batchSize?: number;
  /**
   * Where a group that does not exist yet starts: `latest` (messages published from now on) or
   * `earliest` (every message the topic still retains, so that events published before the
   * first worker started are not skipped). An existing group always resumes where it stopped.
   * @default 'latest'
   */
  startFrom?: 'latest' | 'earliest';
  /**
   * The partitions this subscription takes, on a partitioned bus (`capabilities.partitions` > 1):
   * for each, the group's consumer of that partition, which resumes where the group's last
   * consumer of it stopped — so ownership of a partition can move between processes. A batch
   * never mixes partitions. @default every partition
   */
  partitions?: readonly number[];
}

/** A live subscription. */
export interface Subscription {
  /** Stops delivery once the in-flight message (if any) is done. */
  close(): Promise<void>;
}

/** What an event bus adapter can do beyond the required contract. */
export interface EventBusCapabilities {
  /** Messages survive a process crash (Redis Streams). */
  durable: boolean;
  /** Several processes can share one group. */
  distributed: boolean;
  /** Partitions of each topic ({@link PartitioningOptions}); absent means 1. */
  partitions?: number;
}

/**
 * The event bus port: at-least-once delivery of JSON messages by topic. A message is
 * acknowledged only after its handler resolves; a handler that throws gets the message again,
 * up to `maxDeliveries`, then the message goes to the topic's dead letters.
 *
 * Implementations: `createMemoryEventBus()` (`@mycontent/adapters/memory`),
 * `createRedisEventBus()` (`@mycontent/adapters/redis`, Redis Streams), `createNatsEventBus()`
 * (`@mycontent/adapters/nats`, NATS JetStream). Every implementation
 * passes `describeEventBusConformance` (`@mycontent/adapters/testing`).
 */
export interface EventBus {
  readonly name: string;
  readonly capabilities: EventBusCapabilities;
  /** Publishes a message and returns its id. */
  publish<T>(topic: string, payload: T, options?: PublishOptions): Promise<string>;
  /**
   * Publishes messages in order (per partition on a partitioned bus), in one round trip where the
   * backend allows, and returns their ids.
   */
  publishBatch<T>(topic: string, payloads: readonly T[], options?: PublishBatchOptions): Promise<string[]>;
  /** Delivers the topic's messages published from now on to `handler`. */
  subscribe<T>(
    topic: string,
    handler: (message: BusMessage<T>) => Promise<void> | void,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /**
   * Delivers the topic's messages in batches of up to `batchSize` to `handler`: the way to
   * process a high-volume topic (one store transaction per batch).
   */
  subscribeBatch<T>(topic: string, handler: BatchHandler<T>, options?: SubscribeOptions): Promise<Subscription>;
  /** Messages of the topic that exhausted their deliveries, with their last error. */
  deadLetters<T>(topic: string): Promise<DeadLetter<T>[]>;
  /**
   * Every message the topic still holds — retained, pending or dead-lettered — whose payload
   * `match` accepts (a data export reads a user's events with it). Scans the whole topic.
   */
  findMessages?<T>(topic: string, match: (payload: T) => boolean): Promise<BusMessage<T>[]>;
  /**
   * Removes every message of the topic — retained, pending or dead-lettered — whose payload
   * `match` accepts, and returns how many (an erasure removes a user's events with it). A message
   * a handler is processing right now is not recalled.
   */
  eraseMessages?<T>(topic: string, match: (payload: T) => boolean): Promise<number>;
  /** Stops every subscription. */
  close(): Promise<void>;
}

/**
 * A {@link BatchHandler} that hands the messages to `handler` one by one and reports each
 * failure on its own message: how adapters implement `subscribe` on top of `subscribeBatch`.
 */
export function handleEachMessage<T>(handler: (message: BusMessage<T>) => Promise<void> | void): BatchHandler<T> {
  return async (messages) => {
    const failed: { id: string; error: unknown }[] = [];
    for (const m of messages) {
      try {
        await handler(m);
      } catch (error) {
        failed.push({ id: m.id, error });
      }
    }
    return { failed };
  };
}
