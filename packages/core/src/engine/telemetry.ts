import { isMyContentError } from '../errors/error';
import type { TelemetryMeter } from '../ports/meter';
import type { EngineCore } from './core';
import type { ExposurePublisher } from './exposure-publisher';
import type { RecommendationList } from './types';

/** What the engine records per `recommend()` call. */
export interface EngineTelemetry {
  served(list: RecommendationList, seconds: number): void;
  failed(error: unknown, seconds: number): void;
}

/** Latency buckets of `recommend()`, seconds: 1 ms to 5 s (the alarm is on p95 > 2 s). */
export const RECOMMEND_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

/** How long the items served are remembered for the coverage gauge, ms. */
export const COVERAGE_WINDOW_MS = 3_600_000;

/** Where an item of a list came from, for the fallback rate: a model, or which fallback. */
export function originOf(source: string): string {
  if (source.startsWith('fallback:') || source === 'fill') return 'fallback';
  if (source.startsWith('explore:')) return 'explore';
  if (source.startsWith('bootstrap:')) return 'new-item';
  if (source.startsWith('cold-start')) return 'cold-start';
  if (source.startsWith('learning')) return 'learning';
  return 'model';
}

/**
 * The engine's metrics through `meter`:
 * - `mycontent.recommend.duration` (histogram, s; `phase`, `cached`), `mycontent.recommend.lists`
 *   (`phase`: the cold-start rate), `mycontent.recommend.items` (`origin`: the fallback rate),
 *   `mycontent.recommend.errors` (`code`), `mycontent.recommend.diversity` (histogram: the share of a
 *   list's item pairs in different categories);
 * - read at collection: `mycontent.recommend.coverage` (share of the live catalogue served in the
 *   last hour or so), `mycontent.model.age` (s since the serving models were trained),
 *   `mycontent.cache.operations` (`result`: hit, miss, error — the hit ratio),
 *   `mycontent.interactions.ingested`, `mycontent.exposures.logged` / `.errors` / `.pending`.
 */
export function createEngineTelemetry(meter: TelemetryMeter, core: EngineCore, exposures: ExposurePublisher | undefined): EngineTelemetry {
  const { catalog, counters, clock } = core;
  const duration = meter.createHistogram('mycontent.recommend.duration', {
    description: 'Time of recommend() calls',
    unit: 's',
    advice: { explicitBucketBoundaries: RECOMMEND_DURATION_BUCKETS },
  });
  const lists = meter.createCounter('mycontent.recommend.lists', { description: 'Lists served, by phase (cold-start, learning, personalized)' });
  const items = meter.createCounter('mycontent.recommend.items', { description: 'Items served, by origin (model, fallback, explore, new-item, cold-start, learning)' });
  const errors = meter.createCounter('mycontent.recommend.errors', { description: 'recommend() calls that failed, by error code' });
  const diversity = meter.createHistogram('mycontent.recommend.diversity', {
    description: "Share of a served list's item pairs in different categories",
    unit: '1',
    advice: { explicitBucketBoundaries: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] },
  });

  // Coverage: the items served in this window and the previous one.
  let current = new Uint8Array(0);
  let previous = new Uint8Array(0);
  let windowStart = clock();
  const rotate = (now: number) => {
    if (now - windowStart < COVERAGE_WINDOW_MS) return;
    previous = current;
    current = new Uint8Array(catalog.size);
    windowStart = now;
  };
  const mark = (item: number) => {
    if (item >= current.length) {
      const grown = new Uint8Array(Math.max(item + 1, catalog.size, current.length * 2));
      grown.set(current);
      current = grown;
    }
    current[item] = 1;
  };

  meter.createObservableGauge('mycontent.recommend.coverage', { description: 'Share of the live catalogue served in the last hour or two', unit: '1' }).addCallback((result) => {
    rotate(clock());
    let live = 0;
    let served = 0;
    for (let i = 0; i < catalog.size; i++) {
      if (catalog.active[i] !== 1) continue;
      live++;
      if (current[i] === 1 || previous[i] === 1) served++;
    }
    if (live > 0) result.observe(served / live);
  });
  meter.createObservableGauge('mycontent.model.age', { description: 'Time since the serving models were trained', unit: 's' }).addCallback((result) => {
    if (core.modelsTrainedAt !== undefined) result.observe(Math.max(0, (clock() - core.modelsTrainedAt) / 1000));
  });
  meter.createObservableCounter('mycontent.cache.operations', { description: 'Cache reads, by result (hit, miss, error)' }).addCallback((result) => {
    result.observe(counters.cacheHits, { result: 'hit' });
    result.observe(counters.cacheMisses, { result: 'miss' });
    result.observe(counters.cacheErrors, { result: 'error' });
  });
  meter.createObservableCounter('mycontent.interactions.ingested', { description: 'Interactions written' }).addCallback((result) => result.observe(counters.interactionsIngested));
  if (exposures) {
    meter.createObservableCounter('mycontent.exposures.logged', { description: 'Served lists published to the exposure log' }).addCallback((result) => result.observe(counters.exposuresLogged));
    meter.createObservableCounter('mycontent.exposures.errors', { description: 'Failed publications to the exposure log' }).addCallback((result) => result.observe(counters.exposureErrors));
    meter.createObservableGauge('mycontent.exposures.pending', { description: 'Exposures buffered, not yet published' }).addCallback((result) => result.observe(exposures.pending()));
  }
  if (core.config.countImpressions) {
    meter.createObservableCounter('mycontent.impressions.counted', { description: 'Impressions of served items written to the item statistics' }).addCallback((result) => result.observe(counters.impressionsCounted));
    meter.createObservableCounter('mycontent.impressions.errors', { description: 'Failed writes of impressions' }).addCallback((result) => result.observe(counters.impressionErrors));
  }

  return {
    served(list, seconds) {
      duration.record(seconds, { phase: list.phase, cached: list.cached });
      lists.add(1, { phase: list.phase });
      const origins = new Map<string, number>();
      for (const r of list.items) origins.set(originOf(r.source), (origins.get(originOf(r.source)) ?? 0) + 1);
      for (const [origin, count] of origins) items.add(count, { origin });
      if (list.items.length >= 2) diversity.record(categoryDiversity(list));
      rotate(clock());
      for (const r of list.items) {
        const item = catalog.indexOf(r.itemId);
        if (item >= 0) mark(item);
      }
    },
    failed(error, seconds) {
      const code = isMyContentError(error) ? error.code : 'UNEXPECTED';
      duration.record(seconds, { phase: 'error', cached: false });
      errors.add(1, { code });
    },
  };
}

/** The share of a list's item pairs in different categories (items without one count as different). */
function categoryDiversity(list: RecommendationList): number {
  const categories = list.items.map((r) => r.category);
  let pairs = 0;
  let different = 0;
  for (let i = 0; i < categories.length; i++) {
    for (let j = i + 1; j < categories.length; j++) {
      pairs++;
      if (categories[i] === undefined || categories[i] !== categories[j]) different++;
    }
  }
  return different / pairs;
}
