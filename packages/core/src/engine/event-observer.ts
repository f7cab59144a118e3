import { isMyContentError, MyContentError } from '../errors/error';
import type { BusMessage, EventBus, Subscription } from '../ports/event-bus';
import type { Recommender } from './types';

const SOURCE = 'event-observer';

/** Options of {@link createEventObserver}. */
export interface EventObserverOptions {
  /** The engine whose online models observe the events. */
  recommender: Recommender;
  /** Where the events come from (the stream the workers store). */
  bus: EventBus;
  /** @default 'interactions' */
  topic?: string;
  /** Events per batch. @default 500 */
  batchSize?: number;
  /**
   * The partitions to observe, on a partitioned bus: those whose sessions this instance serves.
   * @default every partition (fan-out: every instance observes every event)
   */
  partitions?: readonly number[];
  /** @default Date.now */
  now?: () => number;
}

/** Counters since the observer started. */
export interface EventObserverStats {
  running: boolean;
  batches: number;
  /** Events fed to the online models. */
  observed: number;
  /** Events observed before (redelivered): skipped. */
  duplicates: number;
  /** Events that are not valid interactions: skipped here (the workers dead-letter them). */
  invalid: number;
  /** Time from publication to observation of the oldest event of the last batch, ms. */
  lagMs: number;
  lastBatchAt: number;
}

/** The event observer returned by {@link createEventObserver}. */
export interface EventObserver {
  /** Subscribes (from the next event published) and starts observing. */
  start(): Promise<void>;
  /** Stops once the batch in flight is observed. */
  stop(): Promise<void>;
  stats(): EventObserverStats;
}

/**
 * Keeps a serving instance's online models — open sessions, the learned ranking stage — up to date
 * with a stream that stream workers store: each instance subscribes in a group of its own, so
 * every instance observes every event (fan-out), from the moment it starts, and feeds them to
 * `recommender.observeInteractions` (nothing written, no cache touched). The rate one instance
 * can observe bounds this mode (tens of thousands of events a second: `npm run bench:scaling`);
 * past it, give each instance a share of the partitions (`partitions`) and route each
 * session's requests to its instance.
 *
 * Invalid events are counted and skipped (the workers dead-letter them); a redelivered event is
 * observed once.
 *
 * @example
 * ```ts
 * const observer = createEventObserver({ recommender, bus });
 * await observer.start();
 * ```
 */
export function createEventObserver(options: EventObserverOptions): EventObserver {
  const { recommender, bus } = options;
  if (!recommender || typeof recommender.observeInteractions !== 'function') {
    throw new MyContentError('INVALID_CONFIG', 'recommender is required (createRecommender())', { source: SOURCE, field: 'recommender' });
  }
  if (!bus || typeof bus.subscribeBatch !== 'function') {
    throw new MyContentError('INVALID_CONFIG', 'bus is required (an EventBus adapter)', { source: SOURCE, field: 'bus' });
  }
  const topic = options.topic ?? 'interactions';
  const batchSize = options.batchSize ?? 500;
  const clock = options.now ?? Date.now;
  const stats: EventObserverStats = { running: false, batches: 0, observed: 0, duplicates: 0, invalid: 0, lagMs: 0, lastBatchAt: 0 };
  let subscription: Subscription | undefined;

  /** The interactions of a batch, with the bus's time and id where the event has none. */
  const inputOf = (m: BusMessage) => {
    const payload = m.payload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    const input = { ...(payload as Record<string, unknown>) };
    input.timestamp ??= m.publishedAt;
    input.eventId ??= `${topic}:${m.id}`;
    return input;
  };

  async function observe(messages: BusMessage[]): Promise<void> {
    let oldest = clock();
    const inputs: Record<string, unknown>[] = [];
    for (const m of messages) {
      oldest = Math.min(oldest, m.publishedAt);
      const input = inputOf(m);
      if (input) inputs.push(input);
      else stats.invalid++;
    }
    let batch = inputs;
    for (let attempt = 0; batch.length > 0; attempt++) {
      try {
        const report = await recommender.observeInteractions(batch as never);
        stats.observed += report.observed;
        stats.duplicates += report.duplicates;
        break;
      } catch (error) {
        // The engine names the invalid events: skip them and observe the rest, once.
        const bad = isMyContentError(error, 'INVALID_INPUT') ? new Set(error.issues.map((i) => i.index)) : undefined;
        if (attempt > 0 || !bad || bad.has(undefined)) {
          stats.invalid += batch.length;
          break;
        }
        stats.invalid += bad.size;
        batch = batch.filter((_, i) => !bad.has(i));
      }
    }
    stats.batches++;
    stats.lastBatchAt = clock();
    stats.lagMs = stats.lastBatchAt - oldest;
  }

  return {
    async start() {
      if (subscription) return;
      // A group of its own, from now on: every instance observes every event once it runs.
      subscription = await bus.subscribeBatch(topic, observe, {
        batchSize,
        maxDeliveries: 1,
        startFrom: 'latest',
        ...(options.partitions ? { partitions: options.partitions } : {}),
      });
      stats.running = true;
    },
    async stop() {
      const open = subscription;
      subscription = undefined;
      await open?.close();
      stats.running = false;
    },
    stats() {
      return { ...stats };
    },
  };
}
