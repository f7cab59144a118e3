import type { AssignmentStore } from '../ports/assignment-store';
import type { ExperimentAssigner } from '../experiments/assigner';
import type { ExposureLog } from '../experiments/exposures';
import type { ServedVariant } from './variants';
import type { TelemetryMeter } from '../ports/meter';
import type { ErasureReport } from './user-data';
import type { EventBus } from '../ports/event-bus';
import type { HealthReport } from './health';
import type { Item, ItemInput, ItemStats, PreferencesInput, InteractionInput, Recommendation, UserInput, UserProfile } from '../domain/schemas';
import type { ItemCatalog } from '../catalog/catalog';
import type { FitContext } from '../model/contract';
import type { CacheTtls, RecommendationCache } from '../ports/cache';
import type { Embedder } from '../ports/embedder';
import type { ModelRegistry, ModelVersionInfo } from '../ports/model-registry';
import type { InteractionErasure, ItemStatsStore, RecommendationStore, UserDataExport } from '../ports/store';
import type { NewItemOptions } from './exposure';
import type { RecommendQuery, SimilarItemsOptions, TrendingRequest } from './options';
import type { ProgressiveOptions } from './progressive';
import type { RankingOptions } from './ranker';

/** Options of {@link createRecommender}: where data lives, and how lists are ranked ({@link RankingOptions}). */
export interface RecommenderOptions extends RankingOptions {
  /** Source of truth for items, users and profiles, interactions and statistics. */
  store: RecommendationStore;
  /** Cache for recommendations, profiles, trending and similar items. @default none (`createNoopCache()`) */
  cache?: RecommendationCache;
  /**
   * Where per-item counters are incremented and read, when not in the store (e.g.
   * `createRedisItemStats()`). @default the store's, in the same transaction as the interactions
   */
  itemStats?: ItemStatsStore;
  /**
   * Receives the engine's warnings (a failing cache, at most once per `warningIntervalMs`).
   * @default console
   */
  logger?: RecommenderLogger;
  /** Minimum time between two warnings about the same failing dependency, ms. @default 60_000 */
  warningIntervalMs?: number;
  /** What `deleteUserData()` does with the user's interactions. @default 'delete' */
  erasure?: InteractionErasure;
  /**
   * The bus and topics the engine's events pass through on their way in (those an event processor
   * consumes): `deleteUserData()` erases the user's events from them — retained, pending and
   * dead-lettered — and `exportUserData()` includes them. @default none
   */
  eventLog?: EventLog;
  /**
   * The sticky experiment assignments of the host's experiment assigner: `deleteUserData()` erases
   * the user's, `exportUserData()` includes them. @default none
   */
  assignments?: AssignmentStore;
  /**
   * The host's experiments: each request of a user in a variant is ranked with the variant's
   * engine settings (`blend`, `diversity`, `explore`, `coldStart`; see `variantSettingsSchema`),
   * checked at creation, and the list names its experiments and variants. Assignments are sticky
   * when the assigner has a `sticky` store (then also exported and erased with the user's data).
   * @default none
   */
  experiments?: ExperimentAssigner;
  /**
   * Where every served list is logged (its id, user, items, sources, propensities, experiments):
   * a bus and a topic, consumed into an `ExposureStore` by `createExposureRecorder()`. A list is
   * returned once its exposure is published. @default none
   */
  exposures?: ExposureLog;
  /**
   * Count every item of a list `recommend()` serves (cached lists included) as one impression —
   * the item's `views` statistic, which new-item reach and click-through read — written to the
   * store's item statistics in batches every second. For hosts whose clients do not send `view`
   * interactions; do not do both. `flush()` writes what is pending. @default false
   */
  countImpressions?: boolean;
  /**
   * Per-request blend weights — a hook for experiments run elsewhere: return the weights of the variant the
   * user is assigned to, or `undefined` for the `blend` option. Names must be models; weights
   * non-negative, at least one positive (only ratios matter).
   */
  blendFor?: (context: { userId?: string }) => Record<string, number> | undefined;
  /**
   * Progressive profiling of new users: an onboarding mix (preferred / popular / exploration), a
   * quick-learning phase where early interactions weigh more and exploration falls, then the
   * mature blend with a little exploration; `true` for the defaults. Lists then carry the phase
   * (`cold-start`, `learning`, `personalized`) and each item its source (`explore:fresh` for
   * exploration). @default off (cold start: preferredShare / popular)
   */
  progressive?: ProgressiveOptions | boolean;
  /**
   * Bootstrapping of new items: an item younger than `maxAgeMs` goes into the lists of users who
   * read one of its most similar items (by content, through the similar-items models) — or, for an
   * item no model can place yet (no embedding), of users who read or declared its category —, source
   * `bootstrap:new`, until its impressions (`view` interactions) reach its reach, which grows
   * with its quality score (see `exposureSchema`); `true` for the defaults. @default off
   */
  newItems?: NewItemOptions | boolean;
  /** @deprecated Renamed `newItems`; this name goes in the next minor version. */
  newArticles?: NewItemOptions | boolean;
  /** Model answering `similarItems()`. @default the first model with `capabilities.similarItems` */
  similarModel?: string;
  /**
   * What becomes of the lists cached under the serving models when `loadModels()` /
   * `refreshModels()` switches to other versions: `keep-cached-lists` serves each until it expires
   * (the `reco` TTL) or its reader acts, so the lists are recomputed over the TTL rather than all at
   * once (no latency spike when a promotion reaches a busy instance); `recompute` drops them at
   * once (every list from the new versions immediately). `train()` always recomputes.
   * @default 'keep-cached-lists'
   */
  onModelSwitch?: 'keep-cached-lists' | 'recompute';
  /** Where `saveModels()` / `loadModels()` keep trained models. */
  registry?: ModelRegistry;
  /** Embeds items that arrive with text but no embedding (title, summary and body). */
  embedder?: Embedder;
  /** Dimension every item embedding must have. @default the embedder's, else the first embedding seen */
  embeddingDimension?: number;
  /** Cache TTLs per family, ms. @default {@link DEFAULT_CACHE_TTLS} */
  ttl?: Partial<CacheTtls>;
  /** Half-life of profile category affinities, ms. @default 7 days */
  affinityHalfLifeMs?: number;
  /** Recent items kept per profile. @default 50 */
  recentItems?: number;
  /** Clock for defaults such as `createdAt`, and the time of requests. @default Date.now */
  now?: () => number;
  /**
   * Where the engine's metrics go: an OpenTelemetry meter (`metrics.getMeter('mycontent')` from
   * `@opentelemetry/api`) — `recommend()` latency, errors by code, cold-start and fallback rates,
   * served-list diversity and catalogue coverage, model age, cache results, exposures. @default none
   */
  meter?: TelemetryMeter;
}

/** Where the engine writes its warnings. `console` is one. */
export interface RecommenderLogger {
  warn(message: string, details?: Record<string, unknown>): void;
}

/** Which path produced a recommendation list. */
export type RecommendationPhase = 'personalized' | 'learning' | 'cold-start';

/** What `recommend()` returns. */
export interface RecommendationList {
  /**
   * This serving's id, new on every call (cached lists included): feedback that names it as
   * `recommendationId` is attributed to this list and its experiments.
   */
  id: string;
  userId?: string;
  /** The experiments and variants the list was served under (absent when none). */
  experiments?: ServedVariant[];
  items: Recommendation[];
  phase: RecommendationPhase;
  /** True when served from the cache. */
  cached: boolean;
  /** When the list was computed (epoch ms). */
  generatedAt: number;
}

/** What `trending()` and `similarItems()` return per item. */
export type RankedItem = Recommendation;

/** What `train()` reports. */
export interface TrainReport {
  items: number;
  users: number;
  interactions: number;
  /** Training time per model, ms. */
  models: Record<string, { ms: number }>;
  ms: number;
}

/** What an ingestion call reports. */
export interface IngestReport {
  /** Records written. */
  written: number;
  /** Interactions skipped because their `eventId` was already stored (replays change nothing). */
  duplicates?: number;
  /** For interactions: each user concerned, with their interaction count after the write and how many were added. */
  users?: { userId: string; interactionCount: number; added: number }[];
}

/** What `observeInteractions` did. */
export interface ObserveReport {
  /** Interactions fed to the online models. */
  observed: number;
  /** Interactions skipped because their `eventId` was observed before. */
  duplicates: number;
}

/** Where events live before the store: a bus and the topics carrying interactions (`{ userId, ... }` payloads). */
export interface EventLog {
  bus: EventBus;
  topics: readonly string[];
}

/** The counters the engine keeps as it works (its metrics but the models' state and the exposure buffer). */
export type EngineCounters = Omit<RecommenderMetrics, 'models' | 'exposuresPending' | 'modelVersions'>;

/** Options of `saveModels()`. */
export interface SaveModelsOptions {
  /** Serve the new versions at once (`true`), or save them as candidates to promote later. @default true */
  promote?: boolean;
}

/** What `refreshModels()` did. */
export interface ModelRefresh {
  /** Whether new versions were loaded. */
  changed: boolean;
  /** The versions serving now, by model name. */
  versions: Record<string, number>;
  /** The versions served before, when they came from the registry too. */
  previous?: Record<string, number>;
}

/** Counters of the engine since creation. */
export interface RecommenderMetrics {
  recommendations: number;
  coldStarts: number;
  cacheHits: number;
  cacheMisses: number;
  /** Cache operations that failed and were treated as misses (the cache degrades, the engine answers). */
  cacheErrors: number;
  interactionsIngested: number;
  /** Served lists published to the exposure log. */
  exposuresLogged: number;
  /** Failed publications to the exposure log (the exposures were kept and retried). */
  exposureErrors: number;
  /** Exposures buffered, not yet published. */
  exposuresPending: number;
  /** Impressions written to the item statistics (`countImpressions`). */
  impressionsCounted: number;
  /** Failed writes of impressions (the counts were kept and retried). */
  impressionErrors: number;
  /** The registry versions serving, by model name, when they were loaded or saved as serving (absent when the models were fit here and not saved). */
  modelVersions?: Record<string, number>;
  /**
   * What each model keeps that grows with traffic, next to its bound and its evictions
   * (`stateStats()` of the models that have it), by model name.
   */
  models: Record<string, Record<string, number>>;
}

/** An item as JSON carries it: every field of {@link Item}, the embedding a plain array of numbers. */
export type ItemView = Omit<Item, 'embedding'> & { embedding?: number[] };

/** An item with its statistics, every field JSON-serialisable. */
export interface ItemDetails {
  item: ItemView;
  stats: ItemStats;
}

/** The recommender engine returned by {@link createRecommender}. */
export interface Recommender {
  /** The shared item index (loaded from the store on first use). */
  readonly catalog: ItemCatalog;
  /** Validates and stores items (atomic batch). They are recommendable at once by non-collaborative paths. */
  ingestItems(items: readonly ItemInput[]): Promise<IngestReport>;
  /**
   * Removes items from the store and from every list: no source recommends them any more, and
   * cached lists holding one are recomputed. Unknown ids are ignored.
   */
  removeItems(itemIds: readonly string[]): Promise<IngestReport>;
  /** Validates and stores users (atomic batch); declared preferences go to the profile. */
  ingestUsers(users: readonly UserInput[]): Promise<IngestReport>;
  /**
   * Validates and stores interactions (atomic batch), updates item statistics and profiles, feeds
   * online models and invalidates the users' cached recommendations.
   */
  ingestInteractions(interactions: readonly InteractionInput[]): Promise<IngestReport>;
  /**
   * Validates interactions that another process stores and feeds them to this process's online
   * models (open sessions, the learned ranking stage) — nothing is written and no cache is
   * touched: how every serving instance keeps its session state when stream workers do the
   * writing (`createEventObserver`). Each event id is observed once; a user's previous items are
   * those this process observed.
   */
  observeInteractions(interactions: readonly InteractionInput[]): Promise<ObserveReport>;
  /** Records one interaction (a like, a click...) on an item of the catalogue. `timestamp` defaults to now. */
  feedback(interaction: Omit<InteractionInput, 'timestamp'> & { timestamp?: InteractionInput['timestamp'] }): Promise<void>;
  /** Reads every item and interaction from the store and fits every model. */
  train(options?: FitContext): Promise<TrainReport>;
  /** Recommendations for a user or a session (never throws for unknown users: cold start). */
  recommend(query: RecommendQuery): Promise<RecommendationList>;
  /** Popular items right now, overall or in one category. */
  trending(query?: TrendingRequest): Promise<RankedItem[]>;
  /** Items similar to one item; unknown or unclicked items get popular items of their category. */
  similarItems(itemId: string, options?: SimilarItemsOptions): Promise<RankedItem[]>;
  /** An item and its statistics, or `undefined`. */
  getItem(itemId: string): Promise<ItemDetails | undefined>;
  /** A user's profile; an empty one for unknown users. */
  getProfile(userId: string): Promise<UserProfile>;
  /** Sets declared preferences (onboarding: categories of the catalogue) and returns the updated profile. */
  setPreferences(userId: string, preferences: PreferencesInput): Promise<UserProfile>;
  /** GDPR export: the user, their profile and every interaction. */
  exportUserData(userId: string): Promise<UserDataExport>;
  /** GDPR erasure: user, profile, interactions (deleted or anonymised, per the `erasure` option) and every cache entry of the user. */
  deleteUserData(userId: string): Promise<ErasureReport>;
  /**
   * Saves every trained model to the registry as a new version — serving at once, or, with
   * `promote: false`, as a candidate for a later `promote` (an evaluation gate in between).
   */
  saveModels(metadata?: Record<string, unknown>, options?: SaveModelsOptions): Promise<Record<string, ModelVersionInfo>>;
  /**
   * Loads the serving (or given) version of every model from the registry, blue/green: the new
   * versions are restored into fresh copies and warmed while the current ones answer, then replace
   * them all at once. Returns the versions loaded.
   */
  loadModels(versions?: Record<string, number>): Promise<Record<string, number>>;
  /**
   * Loads the registry's serving versions if any differs from those loaded — call it on a timer in
   * every serving instance to follow promotions and rollbacks without a restart.
   */
  refreshModels(): Promise<ModelRefresh>;
  /** Counters since creation. */
  metrics(): RecommenderMetrics;
  /** Pings the store and the cache: whether the engine can write and answer now (for a readiness probe). */
  health(): Promise<HealthReport>;
  /** Publishes the exposures still buffered and writes the impressions still counted (see `exposures`, `countImpressions`): call it before the process exits. */
  flush(): Promise<void>;
}
