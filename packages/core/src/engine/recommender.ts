import { getItem, similarItems, trending } from './catalogue-queries';
import { createEngineCore } from './core';
import { health } from './health';
import { feedback, ingestInteractions, ingestItems, observeInteractions, removeItems } from './ingestion';
import { loadModels, refreshModels, saveModels, train } from './models';
import { createNewItemBootstrap } from './new-items';
import { recommend, type RecommendHooks } from './recommend';
import { createEngineExperiments } from './variants';
import { createExposurePublisher } from './exposure-publisher';
import { createImpressionCounter } from './impressions';
import type { RecommenderModel } from '../model/contract';
import type { RecommendationList, Recommender, RecommenderOptions } from './types';
import { createEngineTelemetry, type EngineTelemetry } from './telemetry';
import { getProfile, ingestUsers, setPreferences } from './users';
import { deleteUserData, exportUserData } from './user-data';

/**
 * Creates the recommender engine over a store, an optional cache and a set of models. Each
 * method is one stage file of `engine/`; `recommend()` reads top-down in `recommend.ts`.
 *
 * @example
 * ```ts
 * import { createRecommender } from '@mycontent/core';
 * import { createMemoryStore, createMemoryCache } from '@mycontent/adapters/memory';
 * import { createPopularityModel, createItemKnnModel } from '@mycontent/algorithms';
 *
 * const recommender = createRecommender({
 *   store: createMemoryStore(),
 *   cache: createMemoryCache(),
 *   models: { popular: createPopularityModel(), related: createItemKnnModel() },
 *   blend: { related: 0.8, popular: 0.2 },
 * });
 * await recommender.ingestItems(items);
 * await recommender.ingestInteractions(clicks);
 * await recommender.train();
 * const { items: recs } = await recommender.recommend({ userId: '42', n: 10 });
 * ```
 */
export function createRecommender(options: RecommenderOptions): Recommender {
  const core = createEngineCore(options);
  const hooks: RecommendHooks = {
    blendFor: options.blendFor,
    newItems: core.config.exposure ? createNewItemBootstrap(core, core.config.exposure) : undefined,
    experiments: options.experiments ? createEngineExperiments(options.experiments, core.config.ranker, core.clock) : undefined,
    exposures: core.config.exposures
      ? createExposurePublisher(core.config.exposures, core.counters, options.logger ?? console, core.config.warningIntervalMs, core.clock)
      : undefined,
    impressions: core.config.countImpressions ? createImpressionCounter(core.itemStats, core.counters, options.logger ?? console, core.config.warningIntervalMs, core.clock) : undefined,
  };
  const telemetry = options.meter ? createEngineTelemetry(options.meter, core, hooks.exposures) : undefined;
  return {
    catalog: core.catalog,
    ingestItems: (items) => ingestItems(core, items),
    removeItems: (ids) => removeItems(core, ids),
    ingestUsers: (users) => ingestUsers(core, users),
    ingestInteractions: (interactions) => ingestInteractions(core, interactions),
    observeInteractions: (interactions) => observeInteractions(core, interactions),
    feedback: (interaction) => feedback(core, interaction),
    train: (context) => train(core, context),
    recommend: telemetry ? (query) => timed(telemetry, () => recommend(core, hooks, query)) : (query) => recommend(core, hooks, query),
    trending: (query) => trending(core, query),
    similarItems: (itemId, query) => similarItems(core, itemId, query),
    getItem: (itemId) => getItem(core, itemId),
    getProfile: (userId) => getProfile(core, userId),
    setPreferences: (userId, preferences) => setPreferences(core, userId, preferences),
    // Buffered exposures go out first: an export includes them, an erasure reaches them.
    exportUserData: async (userId) => {
      await hooks.exposures?.flush();
      return exportUserData(core, userId);
    },
    deleteUserData: async (userId) => {
      await hooks.exposures?.flush();
      const report = await deleteUserData(core, userId);
      hooks.experiments?.forget(userId);
      return report;
    },
    saveModels: (metadata, saveOptions) => saveModels(core, metadata, saveOptions),
    loadModels: (versions) => loadModels(core, versions),
    refreshModels: () => refreshModels(core),
    metrics: () => ({
      ...core.counters,
      exposuresPending: hooks.exposures?.pending() ?? 0,
      ...(core.loadedVersions ? { modelVersions: { ...core.loadedVersions } } : {}),
      models: modelStateStats(core.config.ranker.models),
    }),
    health: () => health(core),
    flush: async () => {
      await Promise.all([hooks.exposures?.flush(), hooks.impressions?.flush()]);
    },
  };
}

/** A `recommend()` call, timed and recorded. */
async function timed(telemetry: EngineTelemetry, call: () => Promise<RecommendationList>): Promise<RecommendationList> {
  const started = performance.now();
  try {
    const list = await call();
    telemetry.served(list, (performance.now() - started) / 1000);
    return list;
  } catch (error) {
    telemetry.failed(error, (performance.now() - started) / 1000);
    throw error;
  }
}

/** `stateStats()` of every model that reports it. */
function modelStateStats(models: Record<string, RecommenderModel>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [name, model] of Object.entries(models)) {
    const stats = model.stateStats?.();
    if (stats) out[name] = stats;
  }
  return out;
}
