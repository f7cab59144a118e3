import { MyContentError } from '../errors/error';
import { listExposureSchema, type ListExposure } from './exposures';
import type { BatchOutcome, BusMessage, EventBus, Subscription } from '../ports/event-bus';
import type { ExposureStore } from '../ports/exposure-store';

const SOURCE = 'exposure-recorder';

/** Options of {@link createExposureRecorder}. */
export interface ExposureRecorderOptions {
  /** The bus the engine logs exposures to (its `exposures.bus`). */
  bus: EventBus;
  /** The exposure topic (the engine's `exposures.topic`). */
  topic: string;
  /** Where exposures are kept. */
  store: ExposureStore;
  /** Consumer group shared by every recorder. @default 'mycontent-exposure-recorder' */
  group?: string;
  /** Exposures per store write. @default 500 */
  batchSize?: number;
  /** Deliveries before an invalid exposure goes to the dead letters. @default 5 */
  maxDeliveries?: number;
  /** First wait after a failed store write, ms; doubled per failure up to 5 s. @default 250 */
  retryDelayMs?: number;
}

/** Counters since the recorder started. */
export interface ExposureRecorderStats {
  running: boolean;
  /** Exposures stored for the first time. */
  recorded: number;
  /** Exposures already stored (a redelivery): nothing changed. */
  duplicates: number;
  /** Messages that are not exposures: redelivered, then dead-lettered with their error. */
  invalid: number;
  /** Store writes that failed; their batch was given back to the bus and written later. */
  storeFailures: number;
  lastError?: string;
}

/** Moves exposures from the bus into an {@link ExposureStore}. */
export interface ExposureRecorder {
  /** Subscribes to the topic (from the earliest message it still holds, for a new group). */
  start(): Promise<void>;
  /** Stops taking exposures once the batch in progress is written. */
  stop(): Promise<void>;
  stats(): ExposureRecorderStats;
}

/**
 * The consumer of the exposure topic: each batch is validated (a message that is not an
 * exposure is failed on its own, and dead-lettered past `maxDeliveries`) and written to the store
 * in one append, idempotent on the list id, so redeliveries change nothing. When the store
 * fails, the batch is given back to the bus unacknowledged (not counted against its messages)
 * after a backoff: no exposure is lost to an outage.
 *
 * @example
 * ```ts
 * const bus = createMemoryEventBus();
 * const exposures = createMemoryExposureStore();
 * const recommender = createRecommender({ ...options, exposures: { bus, topic: 'exposures' } });
 * await createExposureRecorder({ bus, topic: 'exposures', store: exposures }).start();
 * ```
 */
export function createExposureRecorder(options: ExposureRecorderOptions): ExposureRecorder {
  const { bus, topic, store } = options;
  if (!bus || typeof bus.subscribeBatch !== 'function') throw new MyContentError('INVALID_CONFIG', 'bus must be an EventBus adapter', { source: SOURCE, field: 'bus' });
  if (typeof topic !== 'string' || topic === '') throw new MyContentError('INVALID_CONFIG', 'topic must be a topic name', { source: SOURCE, field: 'topic', value: topic });
  if (!store || typeof store.append !== 'function') throw new MyContentError('INVALID_CONFIG', 'store must be an ExposureStore adapter', { source: SOURCE, field: 'store' });
  const firstDelay = options.retryDelayMs ?? 250;
  const stats: ExposureRecorderStats = { running: false, recorded: 0, duplicates: 0, invalid: 0, storeFailures: 0 };
  let subscription: Subscription | undefined;
  let delay = firstDelay;
  let wake: (() => void) | undefined;

  async function handle(messages: BusMessage<unknown>[]): Promise<BatchOutcome> {
    const failed: BatchOutcome['failed'] = [];
    const valid: ListExposure[] = [];
    for (const message of messages) {
      const parsed = listExposureSchema.safeParse(message.payload);
      if (parsed.success) valid.push(parsed.data);
      else {
        stats.invalid++;
        const issue = parsed.error.issues[0]!;
        failed.push({ id: message.id, error: new MyContentError('INVALID_INPUT', `not an exposure: ${issue.path.join('.') || 'payload'} ${issue.message}`, { source: SOURCE, field: issue.path.join('.') }) });
      }
    }
    if (valid.length === 0) return { failed };
    try {
      const added = await store.append(valid);
      stats.recorded += added;
      stats.duplicates += valid.length - added;
      delay = firstDelay;
      return { failed };
    } catch (error) {
      stats.storeFailures++;
      stats.lastError = error instanceof Error ? error.message : String(error);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
      delay = Math.min(5_000, delay * 2);
      const invalid = new Set(failed.map((f) => f.id));
      return { failed, released: messages.filter((m) => !invalid.has(m.id)).map((m) => m.id) };
    }
  }

  return {
    async start() {
      if (subscription) return;
      subscription = await bus.subscribeBatch(topic, handle, {
        group: options.group ?? 'mycontent-exposure-recorder',
        batchSize: options.batchSize ?? 500,
        maxDeliveries: options.maxDeliveries ?? 5,
        startFrom: 'earliest',
      });
      stats.running = true;
    },
    async stop() {
      wake?.();
      await subscription?.close();
      subscription = undefined;
      stats.running = false;
    },
    stats: () => ({ ...stats }),
  };
}
