/** A message delivered by an {@link EventBus}. */
export interface BusMessage<T = unknown> {
  /** Id assigned by the bus at publish time. */
  id: string;
  topic: string;
  payload: T;
  /** How many times this message has been delivered, including this delivery (1 on the first). */
  deliveries: number;
}

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
}

/**
 * The event bus port: at-least-once delivery of JSON messages by topic. A message is
 * acknowledged only after its handler resolves; a handler that throws gets the message again,
 * up to `maxDeliveries`, then the message goes to the topic's dead letters.
 *
 * Implementations: `createMemoryEventBus()` (`@mycontent/adapters/memory`). Every
 * implementation passes `describeEventBusConformance` (`@mycontent/adapters/testing`).
 */
export interface EventBus {
  readonly name: string;
  readonly capabilities: EventBusCapabilities;
  /** Publishes a message and returns its id. */
  publish<T>(topic: string, payload: T): Promise<string>;
  /** Delivers the topic's messages published from now on to `handler`. */
  subscribe<T>(
    topic: string,
    handler: (message: BusMessage<T>) => Promise<void> | void,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Messages of the topic that exhausted their deliveries. */
  deadLetters<T>(topic: string): Promise<DeadLetter<T>[]>;
  /** Stops every subscription. */
  close(): Promise<void>;
}
