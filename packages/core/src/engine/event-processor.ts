import { interactionSchema, type Interaction } from '../domain/schemas';
import { parseInput } from '../domain/validate';
import { MyContentError } from '../errors/error';
import type { BusMessage, EventBus, Subscription } from '../ports/event-bus';
import type { Recommender } from './recommender';

const SOURCE = 'event-processor';

/** When the processor recomputes (and caches) a user's recommendations after their events. */
export interface RecomputePolicy {
  /** Recompute each time the user's interaction count crosses a multiple of this. @default 20 */
  everyEvents?: number;
  /** Recompute after each of a new user's first events (cold start), up to this count. @default 3 */
  coldUserEvents?: number;
  /** Length of the recomputed list. @default 10 */
  n?: number;
}

/** Options of {@link createEventProcessor}. */
export interface EventProcessorOptions {
  /** The engine the events go into (its store, cache and online models). */
  recommender: Recommender;
  /** Where the events come from. */
  bus: EventBus;
  /** @default 'interactions' */
  topic?: string;
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
  /** Called after each batch, e.g. for metrics. */
  onBatch?: (report: ProcessedBatch) => void;
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
  /** Events rejected (invalid, oversized, or the batch failed); redelivered, then dead-lettered. */
  failed: number;
  /** Users whose recommendations were recomputed. */
  recomputed: number;
  /** Time from publication of the oldest event of the batch to the end of its processing, ms. */
  maxDelayMs: number;
  ms: number;
}

/** Counters since the processor started. */
export interface EventProcessorStats {
  running: boolean;
  batches: number;
  /** Events applied for the first time. */
  processed: number;
  duplicates: number;
  /** Deliveries after the first (a redelivered event counts once per redelivery). */
  retried: number;
  /** Events given up on (they are in the bus's dead letters). */
  deadLettered: number;
  /** Failed deliveries that will be retried. */
  failures: number;
  recomputed: number;
  recomputeErrors: number;
  /** Time of the last batch (epoch ms), 0 if none. */
  lastBatchAt: number;
  /** The last error, if any. */
  lastError?: string;
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
 * The seed's `process_interaction_event`, for a stream of events: each event is validated (an
 * invalid one is retried, then dead-lettered with its error — it never blocks the stream),
 * then every valid event of a batch goes into the engine in one store transaction — user
 * profile, item statistics, online models, cache invalidation — exactly once in effect: each
 * event has an id (its own `eventId`, else `<topic>:<bus message id>`), and an event whose id
 * is already stored changes nothing, so redeliveries after a crash are harmless. Finally, users
 * matching the recompute policy get their recommendations recomputed into the cache.
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
  const policy = options.recompute === false ? undefined : { everyEvents: 20, coldUserEvents: 3, n: 10, ...options.recompute };
  const clock = options.now ?? Date.now;
  const stats: EventProcessorStats = {
    running: false,
    batches: 0,
    processed: 0,
    duplicates: 0,
    retried: 0,
    deadLettered: 0,
    failures: 0,
    recomputed: 0,
    recomputeErrors: 0,
    lastBatchAt: 0,
  };
  let subscription: Subscription | undefined;

  /** Publication time of a bus message: the millisecond part of its id ("<ms>-<seq>"). */
  const publishedAt = (message: BusMessage) => Number(message.id.split('-')[0]) || clock();

  function toInteraction(message: BusMessage): Interaction {
    const bytes = message.bytes ?? JSON.stringify(message.payload)?.length ?? 0;
    if (bytes > maxPayloadBytes) {
      throw new MyContentError('INVALID_INPUT', `event of ${bytes} bytes exceeds maxPayloadBytes (${maxPayloadBytes})`, {
        source: SOURCE,
        field: 'payload',
        value: bytes,
      });
    }
    const payload = message.payload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new MyContentError('INVALID_INPUT', 'event must be a JSON object (an interaction)', { source: SOURCE, field: 'payload', value: payload });
    }
    const input = payload as Record<string, unknown>;
    const interaction = parseInput(
      interactionSchema,
      { ...input, timestamp: input.timestamp ?? publishedAt(message), eventId: input.eventId ?? `${topic}:${message.id}` },
      'event',
      SOURCE,
    );
    if (interaction.timestamp > clock() + maxClockSkewMs) {
      throw new MyContentError(
        'INVALID_INPUT',
        `event: timestamp = ${interaction.timestamp} (${new Date(interaction.timestamp).toISOString()}) is more than ${maxClockSkewMs} ms in the future`,
        { source: SOURCE, field: 'timestamp', value: interaction.timestamp },
      );
    }
    return interaction;
  }

  async function handle(messages: BusMessage[]) {
    const started = clock();
    const failed: { id: string; error: unknown }[] = [];
    const valid: Interaction[] = [];
    let oldest = started;
    for (const message of messages) {
      if (message.deliveries > 1) stats.retried++;
      oldest = Math.min(oldest, publishedAt(message));
      try {
        valid.push(toInteraction(message));
      } catch (error) {
        failed.push({ id: message.id, error });
      }
    }
    let applied = 0;
    let duplicates = 0;
    let recomputed = 0;
    try {
      if (valid.length > 0) {
        const report = await recommender.ingestInteractions(valid);
        applied = report.written;
        duplicates = report.duplicates ?? 0;
        if (policy && report.users) {
          const due = report.users.filter(
            (u) => u.interactionCount <= policy.coldUserEvents || Math.floor(u.interactionCount / policy.everyEvents) > Math.floor((u.interactionCount - u.added) / policy.everyEvents),
          );
          for (const u of due) {
            try {
              await recommender.recommend({ userId: u.userId, n: policy.n });
              recomputed++;
            } catch (error) {
              stats.recomputeErrors++; // e.g. models not trained yet: the events are applied anyway
              stats.lastError = error instanceof Error ? error.message : String(error);
            }
          }
        }
      }
    } catch (error) {
      // The store failed: nothing of the batch was written; every event is redelivered.
      stats.lastError = error instanceof Error ? error.message : String(error);
      for (const message of messages) if (!failed.some((f) => f.id === message.id)) failed.push({ id: message.id, error });
      applied = 0;
      duplicates = 0;
    }
    const byId = new Map(messages.map((m) => [m.id, m]));
    for (const f of failed) {
      if (byId.get(f.id)!.deliveries >= maxDeliveries) stats.deadLettered++;
      else stats.failures++;
    }
    if (failed.length > 0 && stats.lastError === undefined) {
      const first = failed[0]!.error;
      stats.lastError = first instanceof Error ? first.message : String(first);
    }
    stats.batches++;
    stats.processed += applied;
    stats.duplicates += duplicates;
    stats.recomputed += recomputed;
    const end = clock();
    stats.lastBatchAt = end;
    options.onBatch?.({ messages: messages.length, applied, duplicates, failed: failed.length, recomputed, maxDelayMs: end - oldest, ms: end - started });
    return { failed };
  }

  return {
    async start() {
      if (subscription) return;
      // A new group starts from the earliest retained event: nothing published before the first
      // worker started is skipped.
      subscription = await bus.subscribeBatch(topic, handle, { group, batchSize, maxDeliveries, startFrom: 'earliest' });
      stats.running = true;
    },
    async stop() {
      const s = subscription;
      subscription = undefined;
      if (s) await s.close();
      stats.running = false;
    },
    stats() {
      return { ...stats };
    },
  };
}
