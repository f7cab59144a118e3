import { describeValue, isMyContentError, MyContentError } from '../errors/error';
import type { BusMessage, EventBus, Subscription } from '../ports/event-bus';
import { z } from 'zod';
import { idSchema, type ItemInput } from '../domain/schemas';
import type { Recommender } from './types';

const SOURCE = 'event-processor';

/** A catalogue event: an item published or updated (validated by `ingestItems`), or removed. */
const itemEventSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), item: z.record(z.string(), z.unknown()) }),
  z.object({ op: z.literal('remove'), itemId: idSchema }),
]);
type ItemEvent = z.output<typeof itemEventSchema>;

/** When the processor recomputes (and caches) a user's recommendations after their events. */
export interface RecomputePolicy {
  /** Recompute each time the user's interaction count crosses a multiple of this. @default 20 */
  everyEvents?: number;
  /** Recompute after each of a new user's first events (cold start), up to this count. @default 3 */
  coldUserEvents?: number;
  /** Length of the recomputed list. @default 10 */
  n?: number;
  /**
   * Recomputations run in the background, after the events are applied and acknowledged, this
   * many at a time, so that they take little from the stream. @default 1
   */
  concurrency?: number;
  /** Users waiting for a recomputation at most; beyond, they are skipped (counted). @default 10_000 */
  maxQueued?: number;
}

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
  /** Users queued for a recomputation of their recommendations. */
  recomputeQueued: number;
  /** Time from publication of the oldest event of the batch to the end of its processing, ms. */
  maxDelayMs: number;
  ms: number;
}

/** Counters since the processor started. */
export interface EventProcessorStats {
  running: boolean;
  batches: number;
  /** Catalogue events applied (item upserts and removals). */
  itemEvents: number;
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
  /** Recomputations skipped because the queue was full (the user's list is computed on demand). */
  recomputeSkipped: number;
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
    recomputeSkipped: 0,
    recomputeErrors: 0,
    lastBatchAt: 0,
  };
  let subscription: Subscription | undefined;
  let itemSubscription: Subscription | undefined;

  // Background recomputation: a de-duplicated queue of users, drained a few at a time.
  const queued = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  function recompute(userIds: readonly string[]): void {
    if (!policy) return;
    for (const userId of userIds) {
      if (queued.has(userId)) continue;
      if (queued.size >= policy.maxQueued) stats.recomputeSkipped++;
      else queued.add(userId);
    }
    drain();
  }
  function drain(): void {
    while (policy && inFlight.size < policy.concurrency && queued.size > 0) {
      const userId = queued.values().next().value!;
      queued.delete(userId);
      const task: Promise<void> = recommender
        .recommend({ userId, n: policy.n })
        .then(
          () => void stats.recomputed++,
          (error: unknown) => {
            stats.recomputeErrors++; // e.g. models not trained yet: the events are applied anyway
            stats.lastError = error instanceof Error ? error.message : String(error);
          },
        )
        .finally(() => {
          inFlight.delete(task);
          drain();
        });
      inFlight.add(task);
    }
  }


  /** Cheap checks and defaults; the engine validates the rest (once, for the whole batch). */
  function toInput(message: BusMessage): Record<string, unknown> {
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
      throw new MyContentError('INVALID_INPUT', `event must be a JSON object (an interaction), got ${describeValue(payload)}`, {
        source: SOURCE,
        field: 'payload',
        value: payload,
      });
    }
    const input = { ...(payload as Record<string, unknown>) };
    input.timestamp ??= message.publishedAt;
    input.eventId ??= `${topic}:${message.id}`;
    const t = input.timestamp;
    const ms = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : Number.NaN;
    if (ms > clock() + maxClockSkewMs) {
      throw new MyContentError('INVALID_INPUT', `event: timestamp = ${describeValue(t)} is more than ${maxClockSkewMs} ms in the future`, {
        source: SOURCE,
        field: 'timestamp',
        value: t,
      });
    }
    return input;
  }

  /**
   * Applies the events in one engine call. When some are invalid, the engine names them (index,
   * field, value): they are reported failed and the others applied in a second call.
   */
  async function ingest(inputs: { id: string; input: Record<string, unknown> }[], failed: { id: string; error: unknown }[]) {
    try {
      return await recommender.ingestInteractions(inputs.map((x) => x.input) as never);
    } catch (error) {
      if (!isMyContentError(error, 'INVALID_INPUT') || error.issues.length === 0) throw error;
      const bad = new Map<number, string[]>();
      for (const issue of error.issues) {
        const list = bad.get(issue.index ?? -1) ?? [];
        list.push(`${issue.field} = ${describeValue(issue.value)}: ${issue.message}`);
        bad.set(issue.index ?? -1, list);
      }
      if (bad.has(-1)) throw error;
      for (const [index, problems] of bad) {
        failed.push({ id: inputs[index]!.id, error: new MyContentError('INVALID_INPUT', `event: ${problems.join('; ')}`, { source: SOURCE }) });
      }
      const rest = inputs.filter((_, i) => !bad.has(i));
      return rest.length > 0 ? recommender.ingestInteractions(rest.map((x) => x.input) as never) : undefined;
    }
  }

  async function handle(messages: BusMessage[]) {
    const started = clock();
    const failed: { id: string; error: unknown }[] = [];
    const inputs: { id: string; input: Record<string, unknown> }[] = [];
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
    try {
      const report = inputs.length > 0 ? await ingest(inputs, failed) : undefined;
      if (report) {
        applied = report.written;
        duplicates = report.duplicates ?? 0;
        if (policy && report.users) {
          const due = report.users
            .filter((u) => u.interactionCount <= policy.coldUserEvents || Math.floor(u.interactionCount / policy.everyEvents) > Math.floor((u.interactionCount - u.added) / policy.everyEvents))
            .map((u) => u.userId);
          recomputeQueued = due.length;
          recompute(due);
        }
      }
    } catch (error) {
      // The store failed: nothing of the batch was written; every event is redelivered.
      stats.lastError = error instanceof Error ? error.message : String(error);
      const already = new Set(failed.map((f) => f.id));
      for (const message of messages) if (!already.has(message.id)) failed.push({ id: message.id, error });
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
    const end = clock();
    stats.lastBatchAt = end;
    options.onBatch?.({ messages: messages.length, applied, duplicates, failed: failed.length, recomputeQueued, maxDelayMs: end - oldest, ms: end - started });
    return { failed };
  }

  /**
   * Catalogue events, in order: runs of upserts go to `ingestItems` in one call, removals to
   * `removeItems`. A malformed event fails alone (redelivered, then dead-lettered); a store
   * failure fails the rest of the batch.
   */
  async function handleItems(messages: BusMessage[]) {
    const failed: { id: string; error: unknown }[] = [];
    const events: { id: string; event: ItemEvent }[] = [];
    for (const message of messages) {
      const parsed = itemEventSchema.safeParse(message.payload);
      if (parsed.success) events.push({ id: message.id, event: parsed.data });
      else {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join('.') || '(root)';
        failed.push({ id: message.id, error: new MyContentError('INVALID_INPUT', `catalogue event: ${field}: ${issue.message}`, { source: SOURCE, field }) });
      }
    }
    for (let at = 0; at < events.length; ) {
      const op = events[at]!.event.op;
      let end = at;
      while (end < events.length && events[end]!.event.op === op) end++;
      const run = events.slice(at, end);
      try {
        if (op === 'remove') {
          await recommender.removeItems(run.map((e) => (e.event as { itemId: string }).itemId));
          stats.itemEvents += run.length;
        } else stats.itemEvents += await applyUpserts(run, failed);
      } catch (error) {
        stats.lastError = error instanceof Error ? error.message : String(error);
        for (const e of events.slice(at)) failed.push({ id: e.id, error });
        break;
      }
      at = end;
    }
    return { failed };
  }

  /** Item upserts in one call; when some are invalid, those fail alone and the others are applied. Resolves with how many were. */
  async function applyUpserts(run: { id: string; event: ItemEvent }[], failed: { id: string; error: unknown }[]): Promise<number> {
    const items = run.map((e) => (e.event.op === 'upsert' ? e.event.item : {}) as unknown as ItemInput);
    try {
      return (await recommender.ingestItems(items)).written;
    } catch (error) {
      if (!isMyContentError(error, 'INVALID_INPUT') || error.issues.length === 0 || error.issues.some((i) => i.index === undefined)) throw error;
      const bad = new Set(error.issues.map((i) => i.index!));
      for (const index of bad) failed.push({ id: run[index]!.id, error: new MyContentError('INVALID_INPUT', `catalogue event: ${error.message}`, { source: SOURCE }) });
      const rest = items.filter((_, i) => !bad.has(i));
      return rest.length > 0 ? (await recommender.ingestItems(rest)).written : 0;
    }
  }

  return {
    async start() {
      if (subscription) return;
      // A new group starts from the earliest retained event: nothing published before the first
      // worker started is skipped.
      subscription = await bus.subscribeBatch(topic, handle, { group, batchSize, maxDeliveries, startFrom: 'earliest' });
      if (options.itemTopic !== undefined) {
        itemSubscription = await bus.subscribeBatch(options.itemTopic, handleItems, { group, batchSize, maxDeliveries, startFrom: 'earliest' });
      }
      stats.running = true;
    },
    async stop() {
      const open = [subscription, itemSubscription];
      subscription = undefined;
      itemSubscription = undefined;
      for (const s of open) if (s) await s.close();
      // Queued recomputations are only cache warming: dropped; the running ones finish.
      queued.clear();
      await Promise.all([...inFlight]);
      stats.running = false;
    },
    stats() {
      return { ...stats };
    },
  };
}
