/**
 * The engine's and the event processor's metrics, through the real OpenTelemetry SDK (a meter
 * provider with an in-memory reader): names, units, attributes and values.
 */
import { describe, expect, it } from 'vitest';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';
import { createEventProcessor, createRecommender } from '@mycontent/core';
import { createMemoryCache, createMemoryEventBus, createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';
import { fixedModel, rejection } from './helpers';

const T0 = Date.UTC(2024, 5, 1);

function otel() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('mycontent'),
    async collect(): Promise<Map<string, MetricData>> {
      const { resourceMetrics } = await reader.collect();
      return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
    },
    shutdown: () => provider.shutdown(),
  };
}

const points = (metric: MetricData | undefined) => (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
const valueAt = (metric: MetricData | undefined, attributes: Record<string, unknown>) =>
  points(metric).find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))?.value;

describe('engine metrics through OpenTelemetry', () => {
  it('records latency, phases, origins, errors, diversity, coverage, model age and cache results', async () => {
    const telemetry = otel();
    let clock = T0 + 3_600_000;
    const recommender = createRecommender({
      store: createMemoryStore(),
      cache: createMemoryCache(),
      models: { popular: createPopularityModel({ rerankIntervalMs: 0 }), politics: fixedModel({ p1: 10, p2: 9 }) },
      blend: { politics: 1, popular: 0 },
      meter: telemetry.meter,
      now: () => clock,
    });
    await recommender.ingestItems(['p1', 'p2', 'p3', 's1'].map((id) => ({ id, category: id.startsWith('p') ? 'politics' : 'sport', createdAt: T0 })));
    await recommender.ingestInteractions([{ userId: 'u', itemId: 'p3', type: 'click', timestamp: T0 }]);
    await recommender.train();
    clock += 90_000;
    await recommender.recommend({ userId: 'u', n: 3 }); // p1, p2 from the model, s1 filled
    await recommender.recommend({ userId: 'u', n: 3 }); // cached
    await recommender.recommend({ userId: 'newcomer', n: 2 }); // cold start: p3 popular, p1 filled
    expect((await rejection(recommender.recommend({ userId: 'u', n: 0 }))).code).toBe('INVALID_INPUT');

    const m = await telemetry.collect();
    const duration = m.get('mycontent.recommend.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    expect((valueAt(duration, { phase: 'personalized', cached: false }) as Histogram).count).toBe(1);
    expect((valueAt(duration, { phase: 'personalized', cached: true }) as Histogram).count).toBe(1);
    expect((valueAt(duration, { phase: 'error' }) as Histogram).count).toBe(1);
    expect(valueAt(m.get('mycontent.recommend.lists'), { phase: 'cold-start' })).toBe(1);
    expect(valueAt(m.get('mycontent.recommend.lists'), { phase: 'personalized' })).toBe(2);
    expect(valueAt(m.get('mycontent.recommend.items'), { origin: 'model' })).toBe(4);
    expect(valueAt(m.get('mycontent.recommend.items'), { origin: 'fallback' })).toBe(3);
    expect(valueAt(m.get('mycontent.recommend.items'), { origin: 'cold-start' })).toBe(1);
    expect(valueAt(m.get('mycontent.recommend.errors'), { code: 'INVALID_INPUT' })).toBe(1);
    const diversity = valueAt(m.get('mycontent.recommend.diversity'), {}) as Histogram;
    expect(diversity.count).toBe(3);
    // p1 p2 s1 (served twice): 2 of 3 pairs in different categories; p3 p1: none.
    expect(diversity.sum).toBeCloseTo(2 / 3 + 2 / 3 + 0, 10);
    expect(valueAt(m.get('mycontent.model.age'), {})).toBe(90);
    expect(valueAt(m.get('mycontent.recommend.coverage'), {})).toBeGreaterThan(0.5);
    expect(valueAt(m.get('mycontent.cache.operations'), { result: 'hit' })).toBeGreaterThanOrEqual(1);
    expect(valueAt(m.get('mycontent.interactions.ingested'), {})).toBe(1);
    await telemetry.shutdown();
  });

  it('records the stream lag, batch time and events by outcome of the event processor', async () => {
    const telemetry = otel();
    const recommender = createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() } });
    await recommender.ingestItems([{ id: 'a', createdAt: T0 }]);
    const bus = createMemoryEventBus();
    const processor = createEventProcessor({ recommender, bus, meter: telemetry.meter, maxDeliveries: 1, recompute: false });
    await processor.start();
    await bus.publishBatch('interactions', [
      { userId: 'u', itemId: 'a', type: 'click', timestamp: T0, eventId: 'e1' },
      { userId: 'u', itemId: 'a', type: 'teleport', timestamp: T0 },
    ]);
    const deadline = Date.now() + 5_000;
    while (processor.stats().processed + processor.stats().deadLettered < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await processor.stop();
    const m = await telemetry.collect();
    expect(valueAt(m.get('mycontent.stream.events'), { outcome: 'applied' })).toBe(1);
    expect(valueAt(m.get('mycontent.stream.events'), { outcome: 'dead-lettered' })).toBe(1);
    expect((valueAt(m.get('mycontent.stream.lag'), {}) as Histogram).count).toBeGreaterThanOrEqual(1);
    expect(m.get('mycontent.stream.lag')!.descriptor.unit).toBe('s');
    expect(valueAt(m.get('mycontent.stream.backend.up'), {})).toBe(1);
    await telemetry.shutdown();
  });

  it('records nothing and loads nothing without a meter', async () => {
    const recommender = createRecommender({ store: createMemoryStore(), models: { popular: createPopularityModel() } });
    await recommender.ingestItems([{ id: 'a', createdAt: T0 }]);
    await recommender.train();
    expect((await recommender.recommend({ userId: 'u' })).items).toHaveLength(1);
  });
});
