import { ItemCatalog } from '../catalog/catalog';
import type { Item } from '../domain/schemas';
import type { Embedder } from '../ports/embedder';
import type { ModelRegistry } from '../ports/model-registry';
import type { ItemStatsStore, RecommendationStore } from '../ports/store';
import { createNoopCache } from '../ports/noop-cache';
import { createCacheGuard, type CacheGuard } from './cache-guard';
import { resolveConfig, type EngineConfig } from './config';
import { NewestItems } from './newest';
import { ObservedEvents } from './observed-events';
import type { RankingScope } from './ranking';
import type { EngineCounters, RecommenderOptions } from './types';

/**
 * The state every stage of the engine shares: configuration, ports, the catalogue, counters.
 * Created once by `createRecommender`; each stage is a function of it.
 */
export interface EngineCore extends RankingScope {
  readonly config: EngineConfig;
  readonly store: RecommendationStore;
  /** Per-item counters: the store's, or the `itemStats` option's. */
  readonly itemStats: ItemStatsStore;
  /** True when the counters live in the store (written in the same transaction as the interactions). */
  readonly statsInStore: boolean;
  readonly cache: CacheGuard;
  readonly registry: ModelRegistry | undefined;
  readonly embedder: Embedder | undefined;
  readonly clock: () => number;
  readonly counters: EngineCounters;
  /** What observing events (without storing them) remembers: event ids, users' recent items. */
  readonly observed: ObservedEvents;
  /** Dimension of item embeddings, once known. */
  embeddingDimension: number | undefined;
  /** Identifies the models serving now (it changes with every fit or load), part of every cache key. */
  modelsVersion: string;
  /** When the models serving now were trained (fit here, or saved by the process that fit them). */
  modelsTrainedAt: number | undefined;
  /** The registry versions serving now, by model name, when they were loaded or saved as serving. */
  loadedVersions: Record<string, number> | undefined;
  /** The models version before the last switch by `loadModels()`, whose cached lists still serve (`onModelSwitch`)... */
  previousModelsVersion: string | undefined;
  /** ...until this time (engine clock): the last of them has expired by then. */
  previousModelsUntil: number;
  /** When items were last published or removed (the engine's clock): a list cached before is stale. */
  catalogueChangedAt: number;
  /** Loads the catalogue from the store on first use (and again after a failure). */
  ensureCatalog(): Promise<void>;
  /** Gives new item embeddings to the content models. */
  indexContent(items: readonly Item[]): Promise<void>;
}

/** Builds the engine's shared state from its options (checked here, once). */
export function createEngineCore(options: RecommenderOptions): EngineCore {
  const config = resolveConfig(options);
  const { store } = options;
  const clock = options.now ?? Date.now;
  const counters: EngineCounters = { recommendations: 0, coldStarts: 0, cacheHits: 0, cacheMisses: 0, cacheErrors: 0, interactionsIngested: 0, exposuresLogged: 0, exposureErrors: 0, impressionsCounted: 0, impressionErrors: 0 };
  const catalog = new ItemCatalog();
  const models = config.ranker.models;
  let catalogLoaded: Promise<void> | undefined;

  const core: EngineCore = {
    config,
    store,
    itemStats: options.itemStats ?? store.itemStats,
    statsInStore: options.itemStats === undefined || options.itemStats === store.itemStats,
    cache: createCacheGuard(options.cache ?? createNoopCache(), {
      logger: options.logger ?? console,
      warningIntervalMs: config.warningIntervalMs,
      clock,
      counters,
    }),
    registry: options.registry,
    embedder: options.embedder,
    clock,
    counters,
    catalog,
    newest: new NewestItems(catalog),
    observed: new ObservedEvents(),
    embeddingDimension: options.embeddingDimension ?? options.embedder?.dimension,
    modelsVersion: 'untrained',
    modelsTrainedAt: undefined,
    loadedVersions: undefined,
    previousModelsVersion: undefined,
    previousModelsUntil: 0,
    catalogueChangedAt: Number.NEGATIVE_INFINITY,

    ensureCatalog() {
      catalogLoaded ??= (async () => {
        for await (const page of store.items.scan()) {
          for (const item of page) {
            catalog.upsert(item);
            if (core.embeddingDimension === undefined && item.embedding) core.embeddingDimension = item.embedding.length;
          }
          await core.indexContent(page);
        }
      })().catch((error) => {
        catalogLoaded = undefined;
        throw error;
      });
      return catalogLoaded;
    },

    async indexContent(items) {
      if (config.contentModels.length === 0) return;
      const entries = items
        .filter((item) => item.embedding !== undefined && item.embedding.length === core.embeddingDimension)
        .map((item) => ({ item: catalog.indexOf(item.id), embedding: item.embedding! }));
      if (entries.length === 0) return;
      for (const name of config.contentModels) await models[name]!.indexItems!(entries);
    },
  };
  return core;
}
