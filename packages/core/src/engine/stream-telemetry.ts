import type { TelemetryMeter } from '../ports/meter';
import type { EventProcessorStats, ProcessedBatch } from './event-processor';

/** Lag buckets of the stream, seconds: 10 ms to 10 minutes. */
export const STREAM_LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];

/** What the event processor records per batch. */
export interface StreamTelemetry {
  batch(report: ProcessedBatch): void;
}

/**
 * The event processor's metrics through `meter`: `mycontent.stream.lag` (histogram, s: from the
 * publication of a batch's oldest event to the end of its processing), `mycontent.stream.batch.duration`
 * (histogram, s), and read at collection `mycontent.stream.events` (`outcome`: applied, duplicate,
 * retried, failed, dead-lettered — the dead-letter count), `mycontent.stream.backend.up` (0 while the
 * store is down) and `mycontent.stream.recompute.queue`.
 */
export function createStreamTelemetry(meter: TelemetryMeter, stats: () => EventProcessorStats): StreamTelemetry {
  const lag = meter.createHistogram('mycontent.stream.lag', {
    description: "Time from the publication of a batch's oldest event to the end of its processing",
    unit: 's',
    advice: { explicitBucketBoundaries: STREAM_LAG_BUCKETS },
  });
  const duration = meter.createHistogram('mycontent.stream.batch.duration', { description: 'Time to process one batch of events', unit: 's', advice: { explicitBucketBoundaries: STREAM_LAG_BUCKETS } });
  meter.createObservableCounter('mycontent.stream.events', { description: 'Events by outcome (applied, duplicate, retried, failed, dead-lettered)' }).addCallback((result) => {
    const s = stats();
    result.observe(s.processed, { outcome: 'applied' });
    result.observe(s.duplicates, { outcome: 'duplicate' });
    result.observe(s.retried, { outcome: 'retried' });
    result.observe(s.failures, { outcome: 'failed' });
    result.observe(s.deadLettered, { outcome: 'dead-lettered' });
  });
  meter.createObservableGauge('mycontent.stream.backend.up', { description: '1 while the store answers, 0 while the processor waits for it' }).addCallback((result) => result.observe(stats().backend === 'up' ? 1 : 0));
  meter.createObservableGauge('mycontent.stream.recompute.queue', { description: 'Users waiting for a recomputation of their recommendations' }).addCallback((result) => result.observe(stats().recomputeQueue));
  return {
    batch(report) {
      lag.record(report.maxDelayMs / 1000);
      duration.record(report.ms / 1000);
    },
  };
}
