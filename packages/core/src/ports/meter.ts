/**
 * The metrics port: the part of OpenTelemetry's `Meter` the SDK records through. Pass
 * `metrics.getMeter('mycontent')` from `@opentelemetry/api` (an optional peer dependency) and the
 * host's meter provider exports the engine's and the stream worker's metrics (to Prometheus,
 * OTLP...); without a meter nothing is recorded and nothing is loaded.
 */

/** Metric attributes (labels). */
export type MetricAttributes = Record<string, string | number | boolean>;

/** Options of an instrument. */
export interface InstrumentOptions {
  description?: string;
  /** UCUM unit: `s`, `By`, `1`... */
  unit?: string;
  /** Bucket boundaries of a histogram (OpenTelemetry's advice). */
  advice?: { explicitBucketBoundaries?: number[] };
}

/** What an observable instrument's callback reports through. */
export interface ObservableResult {
  observe(value: number, attributes?: MetricAttributes): void;
}

/** An instrument read at collection time. */
export interface ObservableInstrument {
  addCallback(callback: (result: ObservableResult) => void): void;
}

/** A meter: OpenTelemetry's `Meter` is one. */
export interface TelemetryMeter {
  createHistogram(name: string, options?: InstrumentOptions): { record(value: number, attributes?: MetricAttributes): void };
  createCounter(name: string, options?: InstrumentOptions): { add(value: number, attributes?: MetricAttributes): void };
  createObservableGauge(name: string, options?: InstrumentOptions): ObservableInstrument;
  createObservableCounter(name: string, options?: InstrumentOptions): ObservableInstrument;
}
