import { MyContentError } from '../errors/error';
import { fnv1a32 } from '../hash/fnv';

/**
 * How an event bus splits each topic into partitions: the messages of one key (a session, a
 * user) go to one partition, in the order published, and a consumer can take a chosen set of
 * partitions — the unit that stateful consumers own ({@link createPartitionOwner}).
 *
 * Every process of a deployment must use the same `partitions`: durable buses record it with the
 * topic and refuse a different count.
 */
export interface PartitioningOptions {
  /** Partitions of each topic. @default 1 (unpartitioned) */
  partitions?: number;
  /**
   * The partition key of a message when the publisher names none; messages without a key go to
   * partition 0, in order. @default {@link interactionPartitionKey}
   */
  partitionKey?: (topic: string, payload: unknown) => string | undefined;
}

/** Options of `EventBus.publish`. */
export interface PublishOptions {
  /** The message's partition key (overrides the bus's `partitionKey`). */
  key?: string;
}

/** Options of `EventBus.publishBatch`. */
export interface PublishBatchOptions {
  /** The partition key of each message, by index (overrides the bus's `partitionKey`). */
  keys?: readonly (string | undefined)[];
}

/**
 * The partition of a key among `partitions`: FNV-1a (32 bits, over the key's UTF-16 code units)
 * modulo the count, the same in every process; no key is partition 0.
 *
 * @example
 * ```ts
 * partitionOf('session-42', 8); // the partition every event of session-42 goes to
 * ```
 */
export function partitionOf(key: string | undefined, partitions: number): number {
  return key === undefined || partitions <= 1 ? 0 : fnv1a32(key) % partitions;
}

/**
 * The default partition key: an interaction's session, else its user — so that every event of a
 * session reaches one partition in order. Payloads with neither have no key.
 */
export function interactionPartitionKey(_topic: string, payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const { sessionId, userId } = payload as { sessionId?: unknown; userId?: unknown };
  if (typeof sessionId === 'string') return sessionId;
  return typeof userId === 'string' ? userId : undefined;
}

/** The checked partitioning of a bus adapter: its count and the key of each message. */
export interface Partitioning {
  readonly partitions: number;
  /** The partition of each payload, by index (the publisher's keys first, then the bus's key). */
  assign(topic: string, payloads: readonly unknown[], keys?: readonly (string | undefined)[]): number[];
  /** The partitions a subscription takes: all by default; bad values are an `INVALID_INPUT` error. */
  consumed(selected: readonly number[] | undefined): number[];
}

/** Checks a bus adapter's {@link PartitioningOptions} (an `INVALID_CONFIG` error names the bad one). */
export function resolvePartitioning(source: string, options: PartitioningOptions): Partitioning {
  const partitions = options.partitions ?? 1;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 4_096) {
    throw new MyContentError('INVALID_CONFIG', `partitions must be an integer from 1 to 4096, got ${JSON.stringify(partitions)}`, { source, field: 'partitions', value: partitions });
  }
  const key = options.partitionKey ?? interactionPartitionKey;
  return {
    partitions,
    assign(topic, payloads, keys) {
      if (partitions === 1) return payloads.map(() => 0);
      return payloads.map((payload, i) => partitionOf(keys?.[i] ?? key(topic, payload), partitions));
    },
    consumed(selected) {
      if (selected === undefined) return Array.from({ length: partitions }, (_, p) => p);
      const bad = selected.find((p) => !Number.isInteger(p) || p < 0 || p >= partitions);
      if (bad !== undefined || selected.length === 0) {
        throw new MyContentError('INVALID_INPUT', `partitions must be distinct integers from 0 to ${partitions - 1}, got ${JSON.stringify(selected)}`, {
          source,
          field: 'partitions',
          value: selected,
        });
      }
      return [...new Set(selected)].sort((a, b) => a - b);
    },
  };
}
