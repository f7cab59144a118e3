import { MyContentError } from '../errors/error';
import type { BatchOutcome, BusMessage, EventBus, Subscription } from '../ports/event-bus';
import { catalogueEventHandler } from './catalogue-events';
import { createEventBatch, errorText, type Failure, type Pending } from './event-batch';
import { createOutageGate, type OutageCounters, type OutagePolicy } from './outage-gate';
import { createRecomputeQueue, type RecomputePolicy } from './recompute-queue';
import type { Recommender } from './types';
import type { TelemetryMeter } from '../ports/meter';
import { createStreamTelemetry } from './stream-telemetry';
import { createPartitionOwner, type PartitionOwner, type PartitionOwnerOptions } from '../partitions/partition-owner';

export type { RecomputePolicy } from './recompute-queue';
export type { OutagePolicy } from './outage-gate';

const SOURCE = 'event-processor';

/** Options of {@link createEventProcessor}. */
export interface EventProcessorOptions {
  /** The engine the events go into (its store, cache and online models). */
  recommender: Recommender;
  /** Where the events come from. */
  bus: EventBus;
  /** @default 'interactions' */
  topic?: string;
  /**
   * A topic of catalogue events, applied in order: `{ op: 'upsert', item }` publishes or updates
   * an item (recommendable at once), `{ op: 'remove', itemId }` takes one out of every list.
   * @default none (catalogue changes go through `ingestItems` / `removeItems`)
   */
  itemTopic?: string;
  /** Consumer group shared by every worker. @default 'mycontent-event-processor' */
  group?: string;
  /** Events per batch (one store transaction each). @default 500 */
  batchSize?: number;
  /** Deliveries before an event goes to the dead letters. @default 5 */
  maxDeliveries?: number;
  /** Largest accepted event, serialised. @default 16_384 */
  maxPayloadBytes?: number;
  /** How far in the future an event's timestamp may be (clock skew), ms. @default 300_000 */
  maxClockSkewMs?: number;
  /** When to recompute a user's recommendations; `false` never. @default {} (the defaults above) */
  recompute?: RecomputePolicy | false;
  /**
   * How a store outage is ridden out: when a write fails and the store does not answer its ping,
   * the processor holds its events (reading nothing new, counting no failed delivery), probes the
   * store with backoff, and writes them once it answers. @default {} (250 ms doubling to 5 s)
   */
  outage?: OutagePolicy;
  /**
   * Share the topic's partitions between the processors of the group by leases
   * ({@link createPartitionOwner}): each partition is read by one processor at a time, which holds
   * the state built from it (the open sessions of online models) — on a bus made with
   * `partitions`, whose key puts every event of a session on one partition. A processor that
   * stops hands its partitions over; one that dies loses them after `ttlMs`.
   * @default none: every processor reads every partition, sharing the group's messages
   */
  ownership?: Pick<PartitionOwnerOptions, 'leases' | 'member' | 'ttlMs' | 'logger'>;
  /** Called after each batch, e.g. for metrics. */
  onBatch?: (report: ProcessedBatch) => void;
  /** Where the processor's metrics go (an OpenTelemetry meter): lag, batch time, events by outcome. @default none */
  meter?: TelemetryMeter;
  /** @default Date.now */
  now?: () => number;
}

/** What one batch did. */
export interface ProcessedBatch {
  messages: number;
  /** Events applied for the first time. */
  applied: number;
  /** Events already applied before (same event id): skipped, nothing changed. */
  duplicates: number;
  /** Events that failed on their own (invalid, oversized, refused by the store); redelivered, then dead-lettered. */
  failed: number;
  /** Users queued for a recomputation of their recommendations. */
  recomputeQueued: number;
  /** Time from publication of the oldest event of the batch to the end of its processing, ms. */
  maxDelayMs: number;
  ms: number;
}

/** Counters since the processor started. */
export interface EventProcessorStats extends OutageCounters {
  running: boolean;
  batches: number;
  /** Catalogue events applied (item upserts and removals). */
  itemEvents: number;
  /** Events applied for the first time. */
  processed: number;
  duplicates: number;
  /** Deliveries after the first (a redelivered event counts once per redelivery). */
  retried: number;
  /**
   * Events this processor gave up on (they are in the bus's dead letters). An event that crashed its
   * consumers past `maxDeliveries` is dead-lettered by the bus itself, without reaching a handler:
   * `bus.deadLetters(topic)` lists both.
   */
  deadLettered: number;
  /** Failed deliveries that will be retried. */
  failures: number;
  recomputed: number;
  /** Users waiting for a recomputation now (at most `recompute.maxQueued`). */
  recomputeQueue: number;
  /** Recomputations skipped because the queue was full (the user's list is computed on demand). */
  recomputeSkipped: number;
  recomputeErrors: number;
  /** Time of the last batch (epoch ms), 0 if none. */
  lastBatchAt: number;
  /** The last error, if any. */
  lastError?: string;
  /** With `ownership`: the partitions this processor owns now. */
  partitions?: number[];
}

/** The real-time event processor returned by {@link createEventProcessor}. */
export interface EventProcessor {
  /** Subscribes to the topic and starts processing. */
  start(): Promise<void>;
  /** Stops taking events, finishes the in-flight batch (applied and acknowledged), then resolves. */
  stop(): Promise<void>;
  stats(): EventProcessorStats;
}

/**
 * The real-time path of interactions, for a stream of events: each event is validated (an
 * invalid one is retried, then dead-lettered with its error — it never blocks the stream),
 * then every valid event of a batch goes into the engine in one store transaction — user
 * profile, item statistics, online models, cache invalidation — exactly once in effect: each
 * event has an id (its own `eventId`, else `<topic>:<bus message id>`), and an event whose id
 * is already stored changes nothing, so redeliveries after a crash are harmless. Users matching
 * the recompute policy then get their recommendations recomputed into the cache, in the
 * background (the stream never waits for it).
 *
 * Run one per worker process; workers of one `group` share the stream.
 *
 * @example
 * ```ts
 * const processor = createEventProcessor({ recommender, bus: createRedisEventBus({ client }) });
 * await processor.start();
 * process.on('SIGTERM', async () => { await processor.stop(); process.exit(0); });
 * ```
 */
export function createEventProcessor(options: EventProcessorOptions): EventProcessor {
  const { recommender, bus } = options;
  if (!recommender || typeof recommender.ingestInteractions !== 'function') {
    throw new MyContentError('INVALID_CONFIG', 'recommender is required (createRecommender())', { source: SOURCE, field: 'recommender' });
  }
  if (!bus || typeof bus.subscribeBatch !== 'function') {
    throw new MyContentError('INVALID_CONFIG', 'bus is required (an EventBus adapter)', { source: SOURCE, field: 'bus' });
  }
  const topic = options.topic ?? 'interactions';
  const group = options.group ?? 'mycontent-event-processor';
  const batchSize = options.batchSize ?? 500;
  const maxDeliveries = options.maxDeliveries ?? 5;
  const maxPayloadBytes = options.maxPayloadBytes ?? 16_384;
  const maxClockSkewMs = options.maxClockSkewMs ?? 300_000;
  const policy = options.recompute === false ? undefined : { everyEvents: 20, coldUserEvents: 3, n: 10, concurrency: 1, maxQueued: 10_000, ...options.recompute };
  const clock = options.now ?? Date.now;
  const stats: EventProcessorStats = {
    running: false,
    batches: 0,
    itemEvents: 0,
    processed: 0,
    duplicates: 0,
    retried: 0,
    deadLettered: 0,
    failures: 0,
    recomputed: 0,
    recomputeQueue: 0,
    recomputeSkipped: 0,
    recomputeErrors: 0,
    lastBatchAt: 0,
    backend: 'up',
    outages: 0,
    outageMs: 0,
  };
  let subscription: Subscription | undefined;
  let itemSubscription: Subscription | undefined;
  /** With ownership: one subscription per owned partition. */
  const owned = new Map<number, Subscription>();
  let owner: PartitionOwner | undefined;
  if (options.ownership) {
    const { leases, member, ttlMs, logger } = options.ownership;
    owner = createPartitionOwner({
      leases,
      group: `${topic}/${group}`,
      partitions: bus.capabilities.partitions ?? 1,
      ...(member !== undefined ? { member } : {}),
      ...(ttlMs !== undefined ? { ttlMs } : {}),
      onAssigned: async (partitions) => {
        for (const p of partitions) owned.set(p, await bus.subscribeBatch(topic, handle, { group, batchSize, maxDeliveries, startFrom: 'earliest', partitions: [p] }));
      },
      onRevoked: async (partitions) => {
        // Each closes once its batch in flight is applied and acknowledged.
        await Promise.all(partitions.map((p) => owned.get(p)?.close()));
        for (const p of partitions) owned.delete(p);
      },
      ...(logger ? { logger } : {}),
    });
  }

  const recompute = createRecomputeQueue(recommender, policy, stats);
  const telemetry = options.meter ? createStreamTelemetry(options.meter, () => stats) : undefined;
  let gate = createOutageGate(recommender, options.outage ?? {}, stats, clock);
  const { toInput, apply } = createEventBatch({ recommender, gate: () => gate, stats, topic, maxPayloadBytes, maxClockSkewMs, clock, source: SOURCE });

  async function handle(messages: BusMessage[]): Promise<BatchOutcome> {
    const started = clock();
    const failed: Failure[] = [];
    const inputs: Pending[] = [];
    let oldest = started;
    for (const message of messages) {
      if (message.deliveries > 1) stats.retried++;
      oldest = Math.min(oldest, message.publishedAt);
      try {
        inputs.push({ id: message.id, input: toInput(message) });
      } catch (error) {
        failed.push({ id: message.id, error });
      }
    }
    let applied = 0;
    let duplicates = 0;
    let recomputeQueued = 0;
    const reports = inputs.length > 0 ? await apply(inputs, failed) : [];
    if (reports === 'released') {
      // Stopped during an outage: the events go back to the bus, uncounted (what was written is a duplicate next time).
      const at = new Set(failed.map((f) => f.id));
      return { failed, released: messages.filter((m) => !at.has(m.id)).map((m) => m.id) };
    }
    for (const report of reports) {
      applied += report.written;
      duplicates += report.duplicates ?? 0;
      if (policy && report.users) {
        const due = report.users
          .filter((u) => u.interactionCount <= policy.coldUserEvents || Math.floor(u.interactionCount / policy.everyEvents) > Math.floor((u.interactionCount - u.added) / policy.everyEvents))
          .map((u) => u.userId);
        recomputeQueued += due.length;
        recompute.add(due);
      }
    }
    const byId = new Map(messages.map((m) => [m.id, m]));
    for (const f of failed) {
      if (byId.get(f.id)!.deliveries >= maxDeliveries) stats.deadLettered++;
      else stats.failures++;
    }
    if (failed.length > 0 && stats.lastError === undefined) stats.lastError = errorText(failed[0]!.error);
    stats.batches++;
    stats.processed += applied;
    stats.duplicates += duplicates;
    const end = clock();
    stats.lastBatchAt = end;
    const report = { messages: messages.length, applied, duplicates, failed: failed.length, recomputeQueued, maxDelayMs: end - oldest, ms: end - started };
    telemetry?.batch(report);
    options.onBatch?.(report);
    return { failed };
  }
  return {
    async start() {
      if (subscription) return;
      gate = createOutageGate(recommender, options.outage ?? {}, stats, clock);
      // A new group starts from the earliest retained event: nothing published before the first
      // worker started is skipped.
      if (owner) await owner.start();
      else subscription = await bus.subscribeBatch(topic, handle, { group, batchSize, maxDeliveries, startFrom: 'earliest' });
      if (options.itemTopic !== undefined) {
        const handleItems = catalogueEventHandler(recommender, SOURCE, gate, {
          applied: (count) => void (stats.itemEvents += count),
          failed: (error) => void (stats.lastError = error instanceof Error ? error.message : String(error)),
        });
        itemSubscription = await bus.subscribeBatch(options.itemTopic, handleItems, { group, batchSize, maxDeliveries, startFrom: 'earliest' });
      }
      stats.running = true;
    },
    async stop() {
      const open = [subscription, itemSubscription];
      subscription = undefined;
      itemSubscription = undefined;
      gate.stop(); // a batch waiting for the store gives its events back to the bus
      for (const s of open) if (s) await s.close();
      await owner?.stop(); // closes the partitions' subscriptions, then hands them over
      // Queued recomputations are only cache warming: dropped; the running ones finish.
      await recompute.stop();
      stats.running = false;
    },
    stats() {
      return owner ? { ...stats, partitions: owner.ownership().owned } : { ...stats };
    },
  };
}
