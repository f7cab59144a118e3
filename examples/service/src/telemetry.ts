/**
 * The engine's OpenTelemetry metrics, exposed to Prometheus: a meter provider whose reader is the
 * Prometheus exporter (its own server off — `/metrics` serves its text next to the service's own
 * metrics). The engine and the in-process event consumer record through `meter`.
 */
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { TelemetryMeter } from '@mycontent/core';

/** The meter the engine records through, and its metrics as Prometheus text. */
export interface Telemetry {
  meter: TelemetryMeter;
  /** The current values, Prometheus text format. */
  text(): Promise<string>;
  shutdown(): Promise<void>;
}

export function createTelemetry(): Telemetry {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  // No target_info series and no otel_scope_name label: the same names and labels as the rules read.
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  return {
    meter: provider.getMeter('mycontent'),
    async text() {
      const { resourceMetrics } = await exporter.collect();
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () => provider.shutdown(),
  };
}
