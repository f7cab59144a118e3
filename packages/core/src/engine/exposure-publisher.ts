import type { ExposureLog, ListExposure } from '../experiments/exposures';
import { createFlushLoop } from '../scheduling/flush-loop';
import type { EngineCounters, RecommenderLogger } from './types';

/** How the engine hands served lists to the exposure log. */
export interface ExposurePublisher {
  /** Logs one served list: at once (`awaited`), or into the buffer (`buffered`). */
  publish(exposure: ListExposure): Promise<void>;
  /** Publishes everything buffered; rejects if the bus refuses (the exposures stay buffered). */
  flush(): Promise<void>;
  /** Exposures buffered, not yet published. */
  pending(): number;
}

/** Defaults of the buffered delivery. */
export const EXPOSURE_DEFAULTS = { flushIntervalMs: 50, maxBuffered: 10_000 } as const;

/**
 * The engine's side of the exposure log. `awaited`: each `recommend()` resolves once its exposure
 * is published (nothing is lost, the bus's round trip is in every request). `buffered` (the
 * default): exposures are published in batches every `flushIntervalMs`, off the request path; a
 * failed batch stays buffered and is retried (counted in `exposureErrors`, warned about); past
 * `maxBuffered` pending exposures a request waits for a flush (backpressure, never a drop). A
 * process that crashes loses at most what it buffered — call `flush()` on shutdown.
 */
export function createExposurePublisher(log: ExposureLog, counters: EngineCounters, logger: RecommenderLogger, warningIntervalMs: number, clock: () => number): ExposurePublisher {
  const delivery = log.delivery ?? 'buffered';
  const flushIntervalMs = log.flushIntervalMs ?? EXPOSURE_DEFAULTS.flushIntervalMs;
  const maxBuffered = log.maxBuffered ?? EXPOSURE_DEFAULTS.maxBuffered;
  let buffer: ListExposure[] = [];
  let lastWarning = Number.NEGATIVE_INFINITY;

  async function send(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer;
      buffer = [];
      try {
        await log.bus.publishBatch(log.topic, batch);
        counters.exposuresLogged += batch.length;
      } catch (error) {
        buffer = batch.concat(buffer);
        counters.exposureErrors++;
        const now = clock();
        if (now - lastWarning >= warningIntervalMs) {
          lastWarning = now;
          logger.warn(`[mycontent] [engine] exposure log "${log.bus.name}" failed; ${buffer.length} exposures kept for the next attempt`, {
            error: error instanceof Error ? error.message : String(error),
          });
        }
        throw error;
      }
    }
  }

  const loop = createFlushLoop(send, () => buffer.length > 0, flushIntervalMs);

  return {
    async publish(exposure) {
      if (delivery === 'awaited') {
        await log.bus.publish(log.topic, exposure);
        counters.exposuresLogged++;
        return;
      }
      buffer.push(exposure);
      if (buffer.length < maxBuffered) return loop.schedule();
      // Backpressure: wait for the buffer to go out. While the bus is down it keeps growing (and
      // warns): an exposure is never dropped, and a list is still served.
      await loop.flush().catch(() => undefined);
    },
    flush: loop.drain,
    pending: () => buffer.length,
  };
}
