import { ItemCatalog } from '../catalog/catalog';
import { parseBatch, parseInput } from '../domain/validate';
import {
  embeddingSchema,
  idSchema,
  interactionSchema,
  itemSchema,
  preferencesSchema,
  userSchema,
  type Interaction,
  type InteractionInput,
  type Item,
  type ItemInput,
  type ItemStats,
  type ItemStatsDelta,
  type PreferencesInput,
  type Recommendation,
  type User,
  type UserInput,
  type UserProfile,
} from '../domain/schemas';
import { MyContentError } from '../errors/error';
import type { FitContext, ModelQuery, ObservedInteraction, Progress, RecommenderModel, ScoredItems } from '../model/contract';
import { NO_ITEMS } from '../model/contract';
import { createRandom } from '../data/random';
import { TopK } from '../model/top-k';
import { DatasetBuilder, DEFAULT_INTERACTION_WEIGHTS, interactionWeight, type InteractionWeights } from '../model/dataset';
import { decodeModelArtifact, encodeModelArtifact } from '../model/artifact';
import { DEFAULT_CACHE_TTLS, type CacheKey, type CacheTtls, type RecommendationCache } from '../ports/cache';
import type { ModelRegistry, ModelVersionInfo } from '../ports/model-registry';
import type { Embedder } from '../ports/embedder';
import type { InteractionErasure, ItemStatsStore, RecommendationStore, UserDataExport } from '../ports/store';
import { blendSources, type BlendNormalization, type BlendSource, type BlendedCandidate } from './blend';
import { cosineSimilarity, rerankMmr } from './diversity';
import { interleave, learningExploreShare, progressiveSchema, type ProgressiveOptions, type ProgressivePolicy } from './progressive';
import { articleReach, exposureSchema, type ExposurePolicy, type NewArticleOptions } from './exposure';
import {
  engineSettingsSchema,
  recommendQuerySchema,
  similarQuerySchema,
  trendingQuerySchema,
  type DiversityOptions,
  type RecommendFilters,
  type RecommendQuery,
  type SimilarItemsOptions,
  type TrendingRequest,
} from './options';
import { applyInteractionToProfile, cloneProfile, emptyProfile, type ProfileSettings } from './profile';

/** Options of {@link createRecommender}. */
export interface RecommenderOptions {
  /** Source of truth for items, users, interactions, statistics and profiles. */
  store: RecommendationStore;
  /** Cache for recommendations, profiles, trending and similar items. Without one nothing is cached. */
  cache?: RecommendationCache;
  /**
   * Where per-item counters are incremented and read, when not in the store (e.g.
   * `createRedisItemStats()`). @default the store, in the same transaction as the interactions
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
  /** The models, by name. Names appear as `source` in every result. */
  models: Record<string, RecommenderModel>;
  /**
   * Blend weight per model name. Weights need not sum to 1 (only ratios matter); a model with
   * weight 0 is trained but not blended. @default by role (see `roleWeights`) for personalised models, 0 for the others
   */
  blend?: Record<string, number>;
  /**
   * How each model's scores are made comparable before blending: `minmax` or `rank` (reciprocal
   * rank fusion). @default 'minmax'
   */
  blendNormalization?: BlendNormalization;
  /**
   * Per-request blend weights — the hook for experiments: return the weights of the variant the
   * user is assigned to, or `undefined` for the `blend` option. Names must be models; weights
   * non-negative, at least one positive (only ratios matter).
   */
  blendFor?: (context: { userId?: string }) => Record<string, number> | undefined;
  /** Diversity re-ranking of personalised lists, unless a request says otherwise. @default none */
  diversity?: DiversityOptions;
  /**
   * The default blend by model role, the seed's mature hybrid: collaborative models (personalised,
   * neither content nor sequential) share `collaborative`, content models `content`, session
   * models (`capabilities.sequential`) `sequential`; exploration is `progressive.mature.explore`.
   * `blend` overrides it per model. @default { collaborative: 0.4, content: 0.3, sequential: 0.2 }
   */
  roleWeights?: { collaborative?: number; content?: number; sequential?: number };
  /**
   * Inactivity that ends a session: the user's interactions chained by shorter gaps (or sharing
   * the latest one's `sessionId`) are the current session that session models recommend from,
   * when a request does not list its `session`. @default 30 minutes
   */
  sessionGapMs?: number;
  /**
   * Favour recent articles in personalised lists: each blended score is multiplied by
   * `(1 − weight) + weight · 2^(−age / halfLifeMs)` (age from the article's `createdAt`; articles
   * without one are not affected). For news, a half-life of a few hours. @default none
   */
  freshness?: { halfLifeMs: number; weight: number };
  /**
   * The seed's progressive profiling for new users: onboarding mix (preferred / popular /
   * exploration), a quick-learning phase with early interactions weighing more and a falling
   * exploration rate, then the mature blend with a little exploration; `true` for the seed's
   * numbers. Lists then carry the phase (`cold-start`, `learning`, `personalized`) and each item
   * its source (`explore:fresh` for exploration). @default off (cold start: preferredShare / popular)
   */
  progressive?: ProgressiveOptions | boolean;
  /**
   * The seed's bootstrapping of new articles: an article younger than `maxAgeMs` goes into the
   * lists of users who read one of its most similar articles (by content, through the similar-items
   * models), source `bootstrap:new`, until its impressions (`view` interactions) reach its reach,
   * which grows with its quality score (see `exposureSchema`); `true` for the seed's numbers.
   * @default off
   */
  newArticles?: NewArticleOptions | boolean;
  /** Model answering `trending()` and cold starts. @default the first model with `capabilities.trending` */
  trendingModel?: string;
  /** Model answering `similarItems()`. @default the first model with `capabilities.similarItems` */
  similarModel?: string;
  /** Where `saveModels()` / `loadModels()` keep trained models. */
  registry?: ModelRegistry;
  /** Embeds items that arrive with text but no embedding (title, summary and body). */
  embedder?: Embedder;
  /** Dimension every item embedding must have. @default the embedder's, else the first embedding seen */
  embeddingDimension?: number;
  /** Cache TTLs per family, ms. @default {@link DEFAULT_CACHE_TTLS} */
  ttl?: Partial<CacheTtls>;
  /** Signal weight per interaction type. @default {@link DEFAULT_INTERACTION_WEIGHTS} */
  interactionWeights?: Partial<InteractionWeights>;
  /** History items given to models. @default 50 */
  historyLength?: number;
  /** A user's most recent interactions read to exclude already-seen items. @default 500 */
  seenWindow?: number;
  /** Candidates asked from each model before blending and filtering. @default 200 */
  candidates?: number;
  /** Half-life of profile category affinities, ms. @default 7 days */
  affinityHalfLifeMs?: number;
  /** Recent items kept per profile. @default 50 */
  recentItems?: number;
  /** Share of a cold-start list taken from the user's preferred categories. @default 0.7 */
  preferredShare?: number;
  /** Clock for defaults such as `createdAt`. @default Date.now */
  now?: () => number;
}

/** Where the engine writes its warnings. `console` is one. */
export interface RecommenderLogger {
  warn(message: string, details?: Record<string, unknown>): void;
}

/** Which path produced a recommendation list. */
export type RecommendationPhase = 'personalized' | 'learning' | 'cold-start';

/** What `recommend()` returns. */
export interface RecommendationList {
  userId?: string;
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

/** Counters of the engine since creation. */
export interface RecommenderMetrics {
  recommendations: number;
  coldStarts: number;
  cacheHits: number;
  cacheMisses: number;
  /** Cache operations that failed and were treated as misses (the cache degrades, the engine answers). */
  cacheErrors: number;
  interactionsIngested: number;
}

/** An item with its statistics. */
export interface ItemDetails {
  item: Item;
  stats: ItemStats;
}

/** The recommender engine returned by {@link createRecommender}. */
export interface Recommender {
  /** The shared item index (loaded from the store on first use). */
  readonly catalog: ItemCatalog;
  /** Validates and stores items (atomic batch). They are recommendable at once by non-collaborative paths. */
  ingestItems(items: readonly ItemInput[]): Promise<IngestReport>;
  /** Validates and stores users (atomic batch); declared preferences go to the profile. */
  ingestUsers(users: readonly UserInput[]): Promise<IngestReport>;
  /**
   * Validates and stores interactions (atomic batch), updates item statistics and profiles, feeds
   * online models and invalidates the users' cached recommendations.
   */
  ingestInteractions(interactions: readonly InteractionInput[]): Promise<IngestReport>;
  /** Records one interaction (the seed's `POST /feedback`). `timestamp` defaults to now. */
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
  /** Sets declared preferences (onboarding) and returns the updated profile. */
  setPreferences(userId: string, preferences: PreferencesInput): Promise<UserProfile>;
  /** GDPR export: the user, their profile and every interaction. */
  exportUserData(userId: string): Promise<UserDataExport>;
  /** GDPR erasure: user, profile, interactions (deleted or anonymised, per the `erasure` option) and every cache entry of the user. */
  deleteUserData(userId: string): Promise<{ interactions: number }>;
  /** Saves every trained model to the registry. */
  saveModels(metadata?: Record<string, unknown>): Promise<Record<string, ModelVersionInfo>>;
  /** Loads the latest (or given) version of every model from the registry. */
  loadModels(versions?: Record<string, number>): Promise<void>;
  /** Counters since creation. */
  metrics(): RecommenderMetrics;
}

const SOURCE = 'engine';

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/**
 * Creates the recommender engine over a store, an optional cache and a set of models.
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
  const settings = parseInput(engineSettingsSchema, options, 'recommender options', SOURCE);
  const { store, cache, registry } = options;
  const itemStats: ItemStatsStore = options.itemStats ?? store;
  const exposure: ExposurePolicy | undefined =
    options.newArticles === undefined || options.newArticles === false
      ? undefined
      : parseInput(exposureSchema, options.newArticles === true ? {} : options.newArticles, 'newArticles options', SOURCE);
  const progressive: ProgressivePolicy | undefined =
    options.progressive === undefined || options.progressive === false
      ? undefined
      : parseInput(progressiveSchema, options.progressive === true ? {} : options.progressive, 'progressive options', SOURCE);
  const logger: RecommenderLogger = options.logger ?? console;
  const warningIntervalMs = settings.warningIntervalMs;
  if (!store || typeof store.getItems !== 'function') {
    throw new MyContentError('INVALID_CONFIG', 'a store is required (e.g. createMemoryStore())', { source: SOURCE, field: 'store' });
  }
  const models = options.models ?? {};
  const names = Object.keys(models);
  if (names.length === 0) {
    throw new MyContentError('INVALID_CONFIG', 'at least one model is required (e.g. createPopularityModel())', {
      source: SOURCE,
      field: 'models',
    });
  }
  for (const name of names) {
    const m = models[name];
    if (!m || typeof m.fit !== 'function' || typeof m.recommend !== 'function') {
      throw new MyContentError('INVALID_CONFIG', `models.${name} does not implement the model contract`, {
        source: SOURCE,
        field: `models.${name}`,
      });
    }
  }
  // The default blend is the seed's mature hybrid: each role's weight shared by its models
  // (roles without a model leave the ratios of the others); non-personalised models weigh 0.
  const roleOf = (m: RecommenderModel) => (m.capabilities.content ? 'content' : m.capabilities.sequential ? 'sequential' : 'collaborative');
  const defaultBlend: Record<string, number> = {};
  const anyPersonalized = names.some((n) => models[n]!.capabilities.personalized);
  const perRole = new Map<string, number>();
  for (const name of names) if (models[name]!.capabilities.personalized) perRole.set(roleOf(models[name]!), (perRole.get(roleOf(models[name]!)) ?? 0) + 1);
  for (const name of names) {
    const m = models[name]!;
    defaultBlend[name] = !anyPersonalized ? 1 : m.capabilities.personalized ? settings.roleWeights[roleOf(m)] / perRole.get(roleOf(m))! : 0;
  }
  /** Checks blend weights (`field` names where they come from) and completes them with zeros. */
  const checkBlend = (weights: Record<string, number>, base: Record<string, number>, field: string): Record<string, number> => {
    const out = { ...base };
    for (const [name, weight] of Object.entries(weights)) {
      if (!(name in models)) {
        throw new MyContentError('INVALID_CONFIG', `${field} names unknown model "${name}" (models: ${names.join(', ')})`, {
          source: SOURCE,
          field: `${field}.${name}`,
          value: weight,
        });
      }
      if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
        throw new MyContentError('INVALID_CONFIG', `${field}.${name} must be a finite, non-negative number`, { source: SOURCE, field: `${field}.${name}`, value: weight });
      }
      out[name] = weight;
    }
    if (!names.some((n) => out[n]! > 0)) {
      throw new MyContentError('INVALID_CONFIG', `every ${field} weight is 0: at least one model must have a positive weight`, { source: SOURCE, field });
    }
    return out;
  };
  const blend = checkBlend(settings.blend ?? {}, defaultBlend, 'blend');
  const embeddingModel = names.find((n) => typeof models[n]!.embeddingOf === 'function');
  const pick = (explicit: string | undefined, field: string, has: (m: RecommenderModel) => boolean): string | undefined => {
    if (explicit !== undefined) {
      if (!(explicit in models) || !has(models[explicit]!)) {
        throw new MyContentError('INVALID_CONFIG', `${field} "${explicit}" is not a model with that capability`, {
          source: SOURCE,
          field,
          value: explicit,
        });
      }
      return explicit;
    }
    return names.find((n) => has(models[n]!));
  };
  const trendingName = pick(options.trendingModel, 'trendingModel', (m) => m.capabilities.trending && typeof m.trending === 'function');
  if (trendingName === undefined) {
    throw new MyContentError(
      'INVALID_CONFIG',
      'no model can answer trending and cold-start requests: add one with capabilities.trending (e.g. createPopularityModel())',
      { source: SOURCE, field: 'models' },
    );
  }
  const similarName = pick(options.similarModel, 'similarModel', (m) => m.capabilities.similarItems && typeof m.similar === 'function');
  const similarChain = [
    ...(similarName === undefined ? [] : [similarName]),
    ...names.filter((n) => n !== similarName && models[n]!.capabilities.similarItems && typeof models[n]!.similar === 'function'),
  ];
  const contentModels = names.filter((n) => typeof models[n]!.indexItems === 'function');
  const embedder = options.embedder;
  let embeddingDimension = options.embeddingDimension ?? embedder?.dimension;
  const trendingModel = models[trendingName]!;
  const ttl: CacheTtls = { ...DEFAULT_CACHE_TTLS, ...settings.ttl };
  const weights: InteractionWeights = { ...DEFAULT_INTERACTION_WEIGHTS, ...options.interactionWeights };
  const clock = options.now ?? Date.now;
  const profileSettings: ProfileSettings = { affinityHalfLifeMs: settings.affinityHalfLifeMs, recentItems: settings.recentItems };

  const catalog = new ItemCatalog();
  let catalogLoaded: Promise<void> | undefined;
  let modelsVersion = 'untrained';
  const counters: RecommenderMetrics = {
    recommendations: 0,
    coldStarts: 0,
    cacheHits: 0,
    cacheMisses: 0,
    cacheErrors: 0,
    interactionsIngested: 0,
  };

  async function indexContent(items: readonly Item[]): Promise<void> {
    if (contentModels.length === 0) return;
    const entries = items
      .filter((item) => item.embedding !== undefined && item.embedding.length === embeddingDimension)
      .map((item) => ({ item: catalog.indexOf(item.id), embedding: item.embedding! }));
    if (entries.length === 0) return;
    for (const name of contentModels) await models[name]!.indexItems!(entries);
  }

  function ensureCatalog(): Promise<void> {
    catalogLoaded ??= (async () => {
      for await (const page of store.scanItems()) {
        for (const item of page) {
          catalog.upsert(item);
          if (embeddingDimension === undefined && item.embedding) embeddingDimension = item.embedding.length;
        }
        await indexContent(page);
      }
    })().catch((error) => {
      catalogLoaded = undefined;
      throw error;
    });
    return catalogLoaded;
  }

  // Documented policy: a failing cache is a miss. Each failure is counted; a warning is logged
  // at most once per interval, with the number of failures since the previous one.
  let lastCacheWarning = Number.NEGATIVE_INFINITY;
  let cacheErrorsAtLastWarning = 0;
  function cacheFailed(operation: string, error: unknown): void {
    counters.cacheErrors++;
    const now = Date.now();
    if (now - lastCacheWarning < warningIntervalMs) return;
    lastCacheWarning = now;
    logger.warn(`[mycontent] [engine] cache "${cache!.name}" failed; answering without it`, {
      operation,
      failuresSinceLastWarning: counters.cacheErrors - cacheErrorsAtLastWarning,
      error: error instanceof Error ? error.message : String(error),
    });
    cacheErrorsAtLastWarning = counters.cacheErrors;
  }

  async function cacheGet<T>(key: CacheKey): Promise<T | undefined> {
    if (!cache) return undefined;
    try {
      const value = await cache.get<T>(key);
      if (value === undefined) counters.cacheMisses++;
      else counters.cacheHits++;
      return value;
    } catch (error) {
      cacheFailed('get', error);
      return undefined;
    }
  }

  async function cacheSet<T>(key: CacheKey, value: T, ttlMs: number): Promise<void> {
    if (!cache) return;
    try {
      await cache.set(key, value, ttlMs);
    } catch (error) {
      cacheFailed('set', error);
    }
  }

  async function cacheInvalidateUsers(userIds: readonly string[]): Promise<void> {
    if (!cache || userIds.length === 0) return;
    if (!cache.invalidateUsers) {
      await Promise.all(userIds.map(cacheInvalidateUser));
      return;
    }
    try {
      await cache.invalidateUsers(userIds);
    } catch (error) {
      cacheFailed('invalidateUsers', error);
    }
  }

  async function cacheInvalidateUser(userId: string): Promise<void> {
    if (!cache) return;
    try {
      await cache.invalidateUser(userId);
    } catch (error) {
      cacheFailed('invalidateUser', error);
    }
  }

  function toRecommendations(
    list: readonly { item: number; score: number; source: string; contributions: Record<string, number> }[],
  ): Recommendation[] {
    return list.map((entry, i) => {
      const rec: Recommendation = {
        itemId: catalog.idAt(entry.item),
        score: entry.score,
        rank: i + 1,
        source: entry.source,
        contributions: entry.contributions,
      };
      const category = catalog.categoryOf(entry.item);
      if (category !== undefined) rec.category = category;
      return rec;
    });
  }

  /** Rescales blended scores by article age (see the `freshness` option) and keeps the best `n`. */
  function favourFresh(list: BlendedCandidate[], now: number, freshness: { halfLifeMs: number; weight: number }, n: number): BlendedCandidate[] {
    const created = catalog.createdAt;
    for (const entry of list) {
      const at = created[entry.item]!;
      if (at > 0) entry.score *= 1 - freshness.weight + freshness.weight * Math.pow(2, -Math.max(0, now - at) / freshness.halfLifeMs);
    }
    return list.sort((a, b) => b.score - a.score || a.item - b.item).slice(0, n);
  }

  function scored(result: ScoredItems, source: string): Recommendation[] {
    const list = [];
    for (let i = 0; i < result.items.length; i++) {
      const score = result.scores[i]!;
      list.push({ item: result.items[i]!, score, source, contributions: { [source]: score } });
    }
    return toRecommendations(list);
  }

  /** Builds the candidate filter for one query: active items, not excluded, matching filters. */
  function buildFilter(excluded: ReadonlySet<number>, filters: RecommendFilters | undefined, now: number): (item: number) => boolean {
    const active = catalog.active;
    const categoryOf = catalog.category;
    let allowed: Uint8Array | undefined;
    if (filters?.categories) {
      allowed = new Uint8Array(catalog.categories.length + 1);
      for (const c of filters.categories) {
        const code = catalog.categoryCode(c);
        if (code >= 0) allowed[code] = 1;
      }
    }
    let banned: Uint8Array | undefined;
    if (filters?.excludeCategories) {
      banned = new Uint8Array(catalog.categories.length + 1);
      for (const c of filters.excludeCategories) {
        const code = catalog.categoryCode(c);
        if (code >= 0) banned[code] = 1;
      }
    }
    let publishers: Set<number> | undefined;
    if (filters?.publishers) publishers = new Set(filters.publishers.map((p) => catalog.publisherCode(p)).filter((c) => c >= 0));
    const minCreated = filters?.maxAgeMs === undefined ? undefined : now - filters.maxAgeMs;
    const createdAt = catalog.createdAt;
    const publisherOf = catalog.publisher;
    return (i: number) => {
      if (excluded.has(i)) return false;
      if (active[i] !== 1) return false;
      const c = categoryOf[i]!;
      if (allowed && (c < 0 || allowed[c] !== 1)) return false;
      if (banned && c >= 0 && banned[c] === 1) return false;
      if (publishers && !publishers.has(publisherOf[i]!)) return false;
      if (minCreated !== undefined && !(createdAt[i]! >= minCreated)) return false;
      return true;
    };
  }

  async function loadProfile(userId: string): Promise<UserProfile | undefined> {
    const key: CacheKey = { family: 'profile', id: 'profile', userId };
    const cached = await cacheGet<UserProfile>(key);
    if (cached) return cached;
    const profile = await store.getProfile(userId);
    if (profile) await cacheSet(key, profile, ttl.profile);
    return profile;
  }

  /**
   * Cold start: a share of the list from what is trending in the user's preferred categories,
   * the rest from what is trending overall. Scores are scaled so that they decrease with rank:
   * preferred items in [0.5, 1], the others in (0, 0.5], each relative to its list's best.
   */
  function coldStart(profile: UserProfile | undefined, n: number, filter: (item: number) => boolean, preferredShare = settings.preferredShare): Recommendation[] {
    const preferred = (profile?.preferences.categories ?? []).map((c) => catalog.categoryCode(c)).filter((c) => c >= 0);
    const out: { item: number; score: number; source: string; contributions: Record<string, number> }[] = [];
    const taken = new Set<number>();
    const push = (item: number, score: number, source: string) => {
      taken.add(item);
      out.push({ item, score, source, contributions: { [source]: score } });
    };
    if (preferred.length > 0) {
      const quota = Math.round(n * preferredShare);
      const merged = blendSources(
        preferred.map((category, i) => ({ name: String(i), weight: 1, result: trendingModel.trending!({ category, k: quota, filter }) })),
        quota,
      );
      const best = merged[0]?.score ?? 1;
      for (const entry of merged) push(entry.item, 0.5 + (0.5 * entry.score) / best, 'cold-start:preferred');
    }
    const rest = trendingModel.trending!({ k: n - out.length, filter: (i) => !taken.has(i) && filter(i) });
    const best = rest.scores[0] || 1;
    for (let i = 0; i < rest.items.length; i++) push(rest.items[i]!, (0.5 * rest.scores[i]!) / best, 'cold-start:popular');
    for (const item of freshFill(n - out.length, filter, taken)) push(item, 0, 'fallback:fresh');
    return toRecommendations(out);
  }

  // The newest active articles, exploration's pool (rebuilt after items are ingested).
  let newest: Int32Array | undefined;
  function newestItems(limit: number): Int32Array {
    if (!newest || (newest.length < limit && newest.length < catalog.size)) {
      const top = new TopK(Math.max(limit, newest?.length ?? 0));
      const { createdAt, active } = catalog;
      for (let i = 0; i < catalog.size; i++) if (active[i] === 1 && createdAt[i]! >= top.threshold) top.push(i, createdAt[i]!);
      newest = top.drain().items;
    }
    return newest.subarray(0, limit);
  }

  // New-article bootstrapping: each new article's most similar articles, and its statistics
  // (reused for statsTtlMs), to decide who sees it and whether its reach is used up.
  const similarSets = new Map<number, Set<number>>();
  const exposureStats = new Map<number, { stats: ItemStats; at: number }>();
  async function similarSetOf(item: number, k: number): Promise<Set<number>> {
    let set = similarSets.get(item);
    if (!set) {
      set = new Set();
      for (const name of similarChain) {
        const result = await models[name]!.similar!(item, k);
        if (result.items.length > 0) {
          set = new Set(result.items);
          break;
        }
      }
      // Only cache a non-empty answer: an article indexed later gets its neighbours then.
      if (set.size > 0) similarSets.set(item, set);
    }
    return set;
  }
  /** Reads the statistics of `items` whose copy is older than the policy's `statsTtlMs`. */
  async function refreshExposure(items: readonly number[], policy: ExposurePolicy, now: number): Promise<void> {
    const stale = items.filter((i) => (exposureStats.get(i)?.at ?? Number.NEGATIVE_INFINITY) < now - policy.statsTtlMs);
    if (stale.length === 0) return;
    const stats = await itemStats.getItemStats(stale.map((i) => catalog.idAt(i)));
    stale.forEach((item, k) => exposureStats.set(item, { stats: stats[k]!, at: now }));
  }
  /** Whether a new article has used up its current reach (its impressions, `views`, reached it). */
  function atReach(item: number, policy: ExposurePolicy, now: number): boolean {
    const entry = exposureStats.get(item);
    return entry !== undefined && entry.stats.views >= articleReach(entry.stats, now - catalog.createdAt[item]!, policy);
  }
  /** New articles that have used up their reach: no source of any list shows them until it grows. */
  async function heldBack(policy: ExposurePolicy, now: number): Promise<number[]> {
    const fresh = Array.from(newestItems(500)).filter((i) => catalog.createdAt[i]! >= now - policy.maxAgeMs);
    await refreshExposure(fresh, policy, now);
    return fresh.filter((i) => atReach(i, policy, now));
  }
  async function bootstrap(policy: ExposurePolicy, now: number, positive: ReadonlySet<number>, filter: (item: number) => boolean, taken: Set<number>): Promise<Recommendation[]> {
    const fresh = Array.from(newestItems(500)).filter((i) => catalog.createdAt[i]! >= now - policy.maxAgeMs && !taken.has(i) && filter(i));
    const eligible: number[] = [];
    for (const item of fresh) {
      const similar = await similarSetOf(item, policy.similar);
      for (const s of similar) {
        if (positive.has(s)) {
          eligible.push(item);
          break;
        }
      }
    }
    if (eligible.length === 0) return [];
    await refreshExposure(eligible, policy, now);
    const open = eligible.filter((i) => !atReach(i, policy, now));
    return toRecommendations(open.slice(0, policy.slots).map((item) => ({ item, score: 0, source: 'bootstrap:new', contributions: { 'bootstrap:new': 0 } })));
  }

  /**
   * The newest articles passing `filter`, for lists that models and trending could not fill
   * (e.g. a freshness filter leaves only articles nobody has clicked yet).
   */
  function freshFill(count: number, filter: (item: number) => boolean, taken: ReadonlySet<number>): number[] {
    if (count <= 0) return [];
    const out: number[] = [];
    for (const item of newestItems(Math.max(500, 4 * count))) {
      if (out.length >= count) break;
      if (!taken.has(item) && filter(item)) out.push(item);
    }
    return out;
  }

  /** `count` fresh articles drawn (seeded by user and state) from the newest ones passing `filter`. */
  function explore(policy: ProgressivePolicy, count: number, filter: (item: number) => boolean, taken: Set<number>, seedKey: string): Recommendation[] {
    if (count <= 0) return [];
    const pool = Array.from(newestItems(policy.explorePool)).filter((i) => !taken.has(i) && filter(i));
    const rng = createRandom(policy.seed ^ parseInt(fnv1a(seedKey), 36));
    const picked: Recommendation[] = [];
    while (picked.length < count && pool.length > 0) {
      const item = pool.splice(rng.int(pool.length), 1)[0]!;
      picked.push(...toRecommendations([{ item, score: 0, source: 'explore:fresh', contributions: { 'explore:fresh': 0 } }]));
    }
    return picked;
  }

  /** Mixes extra items (exploration, new articles) into a list, re-ranking; each gets its neighbour's score. */
  function withExtras(main: Recommendation[], extra: Recommendation[], n: number): Recommendation[] {
    if (extra.length === 0) return main.slice(0, n);
    const added = new Set(extra);
    const all = interleave(main, extra, n);
    let previous = all.find((x) => !added.has(x))?.score ?? 0; // an extra on top takes the first score
    return all.map((r, i) => {
      if (!added.has(r)) previous = r.score;
      return { ...r, rank: i + 1, score: added.has(r) ? previous : r.score };
    });
  }

  /** Maximal marginal relevance over the blended candidates, by category or embedding. */
  function diversify<T extends { item: number; score: number }>(candidates: T[], n: number, diversity: { lambda: number; by: 'category' | 'embedding' }): T[] {
    if (diversity.by === 'category') {
      const category = catalog.category;
      return rerankMmr(candidates, n, diversity.lambda, (c) => c.score, (a, b) => (category[a.item]! >= 0 && category[a.item] === category[b.item] ? 1 : 0));
    }
    if (embeddingModel === undefined) {
      throw new MyContentError('INVALID_CONFIG', "diversity by 'embedding' needs a model that exposes item embeddings (e.g. the content model)", {
        source: SOURCE,
        field: 'diversity.by',
        value: diversity.by,
      });
    }
    const vectors = new Map(candidates.map((c) => [c.item, models[embeddingModel]!.embeddingOf!(c.item)]));
    return rerankMmr(candidates, n, diversity.lambda, (c) => c.score, (a, b) => Math.max(0, cosineSimilarity(vectors.get(a.item), vectors.get(b.item))));
  }

  function assertTrained(): void {
    for (const name of names) {
      if (!models[name]!.trained) {
        throw new MyContentError('NOT_TRAINED', `model "${name}" is not trained: call train() or loadModels() first`, {
          source: SOURCE,
          field: `models.${name}`,
        });
      }
    }
  }

  /** Statistic deltas of interactions, one per item. */
  function statDeltasOf(interactions: readonly Interaction[]): ItemStatsDelta[] {
    const deltas = new Map<string, ItemStatsDelta>();
    for (const x of interactions) {
      let d = deltas.get(x.itemId);
      if (!d) deltas.set(x.itemId, (d = { itemId: x.itemId, lastInteractionAt: 0 }));
      switch (x.type) {
        case 'view': d.views = (d.views ?? 0) + 1; break;
        case 'click': d.clicks = (d.clicks ?? 0) + 1; break;
        case 'read': d.reads = (d.reads ?? 0) + 1; break;
        case 'like': d.likes = (d.likes ?? 0) + 1; break;
        case 'dislike': d.dislikes = (d.dislikes ?? 0) + 1; break;
        case 'share': d.shares = (d.shares ?? 0) + 1; break;
        case 'rating':
          d.ratings = (d.ratings ?? 0) + 1;
          d.ratingSum = (d.ratingSum ?? 0) + (x.rating ?? 0);
          break;
      }
      if (x.duration !== undefined) d.readSeconds = (d.readSeconds ?? 0) + x.duration;
      d.lastInteractionAt = Math.max(d.lastInteractionAt ?? 0, x.timestamp);
    }
    return [...deltas.values()];
  }

  async function applyInteractions(batch: Interaction[]): Promise<IngestReport> {
    // Catalogue positions and weights, computed once, outside the store's write.
    const resolved = new Map<Interaction, { item: number; category: string | undefined; weight: number }>();
    for (const x of batch) {
      const item = catalog.ensure(x.itemId);
      resolved.set(x, { item, category: catalog.categoryOf(item), weight: interactionWeight(x, weights) });
    }
    let statDeltas: ItemStatsDelta[] = [];
    let users: { userId: string; interactionCount: number; added: number }[] = [];
    let recentBefore = new Map<string, readonly string[]>(); // each user's recent items before the batch, newest first
    // One atomic write: the interactions not seen before (by event id), their statistics (when
    // the store keeps them) and the profiles, rewritten from their locked current state so that
    // concurrent ingests lose nothing.
    const { recorded } = await store.recordInteractions({
      interactions: batch,
      apply: (fresh, current) => {
        statDeltas = statDeltasOf(fresh);
        const byUser = new Map<string, Interaction[]>();
        for (const x of fresh) {
          let list = byUser.get(x.userId);
          if (!list) byUser.set(x.userId, (list = []));
          list.push(x);
        }
        recentBefore = new Map([...byUser.keys()].map((userId) => [userId, current.get(userId)?.recentItems ?? []]));
        const profiles = [...byUser].map(([userId, list]) => {
          const existing = current.get(userId);
          const profile = existing ? cloneProfile(existing) : emptyProfile(userId);
          for (const x of list) {
            const info = resolved.get(x)!;
            // Progressive profiling: a new user's first interactions weigh more.
            const early = progressive && profile.interactionCount < progressive.learning.interactions ? progressive.learning.earlyWeight : 1;
            applyInteractionToProfile(profile, x, info.category, info.weight * early, profileSettings);
          }
          return profile;
        });
        users = profiles.map((p) => ({ userId: p.userId, interactionCount: p.interactionCount, added: byUser.get(p.userId)!.length }));
        return itemStats === store ? { profiles, itemStats: statDeltas } : { profiles };
      },
    });
    counters.interactionsIngested += recorded.length;
    if (itemStats !== store && statDeltas.length > 0) await itemStats.incrementItemStats(statDeltas);
    // Online models learn once the write is committed.
    const online = names.filter((n) => models[n]!.capabilities.online && models[n]!.trained && models[n]!.observe);
    if (online.length > 0) {
      // Each interaction carries the user's previous items (oldest first, at most 50), computed
      // only if a model reads them (item-kNN does, popularity does not).
      const batchItems = new Map<string, number[]>();
      const before = new Map<string, number[]>();
      const previousOf = (userId: string, count: number): Int32Array => {
        let old = before.get(userId);
        if (!old) {
          old = [...(recentBefore.get(userId) ?? [])].reverse().map((id) => catalog.indexOf(id)).filter((i) => i >= 0);
          before.set(userId, old);
        }
        return Int32Array.from(old.concat(batchItems.get(userId)!.slice(0, count)).slice(-50));
      };
      for (const x of recorded) {
        const info = resolved.get(x)!;
        let mine = batchItems.get(x.userId);
        if (!mine) batchItems.set(x.userId, (mine = []));
        const count = mine.length;
        let previous: Int32Array | undefined;
        const observed: ObservedInteraction = {
          userId: x.userId,
          item: info.item,
          weight: info.weight,
          timestamp: x.timestamp,
          ...(x.sessionId === undefined ? {} : { sessionId: x.sessionId }),
          get previous() {
            return (previous ??= previousOf(x.userId, count));
          },
        };
        for (const name of online) models[name]!.observe!(observed);
        if (info.weight > 0) mine.push(info.item);
      }
    }
    await cacheInvalidateUsers(users.map((u) => u.userId));
    return { written: recorded.length, duplicates: batch.length - recorded.length, users };
  }

  const engine: Recommender = {
    catalog,

    async ingestItems(input) {
      const items = parseBatch(itemSchema, input, 'item', SOURCE);
      await ensureCatalog();
      // Items that arrive with text only are embedded by the embedder port.
      if (embedder) {
        const missing = items.filter((item) => item.embedding === undefined && (item.title || item.summary || item.body));
        if (missing.length > 0) {
          const vectors = await embedder.embed(missing.map((item) => [item.title, item.summary, item.body].filter(Boolean).join('\n')));
          missing.forEach((item, i) => (item.embedding = parseInput(embeddingSchema, vectors[i], `embedding of item ${item.id} from ${embedder.name}`, SOURCE)));
        }
      }
      const issues = [];
      for (let i = 0; i < items.length; i++) {
        const embedding = items[i]!.embedding;
        if (embedding === undefined) continue;
        embeddingDimension ??= embedding.length;
        if (embedding.length !== embeddingDimension) {
          issues.push({ index: i, field: 'embedding', value: embedding.length, message: `has dimension ${embedding.length}, the catalogue uses ${embeddingDimension}` });
        }
      }
      if (issues.length > 0) {
        throw new MyContentError('INVALID_INPUT', `invalid item: record ${issues[0]!.index}: embedding ${issues[0]!.message}`, { source: SOURCE, issues });
      }
      await store.upsertItems(items);
      for (const item of items) catalog.upsert(item);
      newest = undefined; // the exploration pool is rebuilt with the new articles
      await indexContent(items);
      return { written: items.length };
    },

    async ingestUsers(input) {
      const now = clock();
      const users = parseBatch(userSchema, input, 'user', SOURCE).map((u) => ({ ...u, createdAt: u.createdAt ?? now }));
      await store.upsertUsers(users);
      const withPreferences = users.filter((u) => u.preferences !== undefined);
      if (withPreferences.length > 0) {
        const existing = await Promise.all(withPreferences.map((u) => store.getProfile(u.id)));
        await store.putProfiles(
          withPreferences.map((u, i) => ({ ...(existing[i] ?? emptyProfile(u.id)), preferences: u.preferences! })),
        );
        await Promise.all(withPreferences.map((u) => cacheInvalidateUser(u.id)));
      }
      return { written: users.length };
    },

    async ingestInteractions(input) {
      const batch = parseBatch(interactionSchema, input, 'interaction', SOURCE);
      if (batch.length === 0) return { written: 0, duplicates: 0, users: [] };
      await ensureCatalog();
      return applyInteractions(batch);
    },

    async feedback(input) {
      const interaction = parseInput(interactionSchema, { ...input, timestamp: input.timestamp ?? clock() }, 'feedback', SOURCE);
      await ensureCatalog();
      await applyInteractions([interaction]);
    },

    async train(context = {}) {
      const started = performance.now();
      await ensureCatalog();
      const report = (progress: Progress) => context.onProgress?.(progress);
      const total = await store.countInteractions();
      const builder = new DatasetBuilder(catalog, weights, Math.max(1024, total));
      for await (const page of store.scanInteractions()) {
        if (context.signal?.aborted) throw new MyContentError('ABORTED', 'training aborted', { source: SOURCE });
        builder.addAll(page);
        report({ phase: 'reading interactions', done: builder.length, total });
      }
      const data = builder.build();
      const timings: Record<string, { ms: number }> = {};
      for (const name of names) {
        const t0 = performance.now();
        await models[name]!.fit(data, {
          ...(context.signal ? { signal: context.signal } : {}),
          onProgress: (p) => report({ ...p, phase: `${name}: ${p.phase}` }),
        });
        timings[name] = { ms: performance.now() - t0 };
      }
      modelsVersion = `t${clock().toString(36)}`;
      return {
        items: catalog.size,
        users: data.users.length,
        interactions: data.length,
        models: timings,
        ms: performance.now() - started,
      };
    },

    async recommend(input) {
      const query = parseInput(recommendQuerySchema, input, 'recommendation query', SOURCE);
      assertTrained();
      await ensureCatalog();
      counters.recommendations++;
      const hooked = options.blendFor?.(query.userId === undefined ? {} : { userId: query.userId });
      const weightsNow = hooked === undefined ? blend : checkBlend(hooked, Object.fromEntries(names.map((n) => [n, 0])), 'blendFor()');
      const diversity = query.diversity === false ? undefined : (query.diversity ?? settings.diversity);
      const variant = fnv1a(JSON.stringify([query.n, query.exclude, query.filters ?? null, query.session ?? null, hooked ?? null, diversity ?? null]));
      const key: CacheKey =
        query.userId === undefined
          ? { family: 'reco', id: `anon:${modelsVersion}:${variant}` }
          : { family: 'reco', id: `${modelsVersion}:${variant}`, userId: query.userId };
      const canCache = query.useCache && query.now === undefined;
      if (canCache) {
        const hit = await cacheGet<RecommendationList>(key);
        if (hit) return { ...hit, cached: true };
      }
      const now = query.now ?? clock();
      const [history, profile] =
        query.userId === undefined
          ? [[] as Interaction[], undefined]
          : await Promise.all([
              settings.seenWindow > 0 ? store.getUserInteractions(query.userId, { limit: settings.seenWindow }) : [],
              loadProfile(query.userId),
            ]);
      const excluded = new Set<number>();
      for (const id of query.exclude) excluded.add(catalog.indexOf(id));
      const positive: number[] = [];
      const positiveWeights: number[] = [];
      const disliked: number[] = [];
      for (let i = history.length - 1; i >= 0; i--) {
        const x = history[i]!;
        const index = catalog.ensure(x.itemId);
        excluded.add(index);
        const w = interactionWeight(x, weights);
        if (w > 0) {
          positive.push(index);
          positiveWeights.push(w);
        } else if (w < 0) disliked.push(index);
      }
      // The current session: as the request lists it, else the user's latest interactions
      // (sharing the latest one's session id, or chained by gaps under sessionGapMs).
      const session: number[] = [];
      let sessionId: string | undefined;
      for (const id of query.session ?? []) {
        const index = catalog.indexOf(id);
        if (index < 0) continue;
        excluded.add(index);
        positive.push(index);
        positiveWeights.push(weights.click);
        session.push(index);
      }
      if (session.length === 0 && history.length > 0 && now - history[0]!.timestamp <= settings.sessionGapMs) {
        sessionId = history[0]!.sessionId;
        let after = history[0]!.timestamp;
        for (const x of history) {
          if (sessionId !== undefined ? x.sessionId !== sessionId : after - x.timestamp > settings.sessionGapMs) break;
          after = x.timestamp;
          if (interactionWeight(x, weights) > 0) session.push(catalog.indexOf(x.itemId));
        }
        session.reverse();
      }
      // Progressive exposure: an article at its reach waits for the reach to grow, whatever the source.
      if (exposure) for (const item of await heldBack(exposure, now)) excluded.add(item);
      const filters: RecommendFilters | undefined =
        profile && profile.preferences.excludedCategories.length > 0
          ? {
              ...query.filters,
              excludeCategories: [...(query.filters?.excludeCategories ?? []), ...profile.preferences.excludedCategories],
            }
          : query.filters;
      const filter = buildFilter(excluded, filters, now);
      const from = Math.max(0, positive.length - settings.historyLength);
      let items: Recommendation[];
      let phase: RecommendationPhase;
      const count = profile?.interactionCount ?? positive.length;
      const seedKey = `${query.userId ?? (query.session ?? []).join(',')}:${count}:${modelsVersion}`;
      const takenBy = (list: readonly Recommendation[]) => new Set(list.map((r) => catalog.indexOf(r.itemId)));
      if (positive.length === 0) {
        phase = 'cold-start';
        counters.coldStarts++;
        if (progressive) {
          // Onboarding: preferred categories / popular / exploration, shares normalised.
          const { preferred, popular, explore: exploreShare } = progressive.onboarding;
          const nExplore = Math.round((query.n * exploreShare) / (preferred + popular + exploreShare));
          const main = coldStart(profile, query.n - nExplore, filter, preferred + popular > 0 ? preferred / (preferred + popular) : 0);
          items = withExtras(main, explore(progressive, nExplore, filter, takenBy(main), seedKey), query.n);
        } else {
          items = coldStart(profile, query.n, filter);
        }
      } else {
        const learning = progressive !== undefined && count < progressive.learning.interactions;
        phase = learning ? 'learning' : 'personalized';
        const exploreShare = progressive ? (learning ? learningExploreShare(progressive, count) : progressive.mature.explore) : 0;
        const nExplore = Math.min(query.n - 1, Math.round(query.n * exploreShare));
        const nMain = query.n - nExplore;
        const modelQuery: ModelQuery = {
          history: Int32Array.from(positive.slice(from)),
          historyWeights: Float32Array.from(positiveWeights.slice(from)),
          k: Math.max(settings.candidates, query.n),
          filter,
          ...(disliked.length > 0 ? { dislikes: Int32Array.from(disliked) } : {}),
          ...(query.userId === undefined ? {} : { userId: query.userId }),
          ...(session.length > 0 ? { session: Int32Array.from(session) } : {}),
          ...(sessionId === undefined ? {} : { sessionId }),
          now,
        };
        const active = names.filter((name) => weightsNow[name]! > 0);
        const results = await Promise.all(active.map((name) => models[name]!.recommend(modelQuery)));
        const sources: BlendSource[] = active.map((name, i) => ({ name, weight: weightsNow[name]!, result: results[i]! }));
        if (learning && profile) {
          // Quick learning: what is popular in the user's strongest categories (declared and
          // learned) weighs as much as the models at first, and fades as interactions accumulate.
          const strongest = Object.entries(profile.categoryAffinity)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
            .map(([c]) => c);
          const categories = [...new Set([...profile.preferences.categories, ...strongest])].map((c) => catalog.categoryCode(c)).filter((c) => c >= 0);
          const total = active.reduce((sum, name) => sum + weightsNow[name]!, 0);
          const weight = (total * (1 - count / progressive!.learning.interactions)) / Math.max(1, categories.length);
          for (const category of categories) {
            sources.push({ name: 'learning:affinity', weight, result: trendingModel.trending!({ category, k: modelQuery.k, filter }) });
          }
        }
        const freshness = settings.freshness;
        let blended = blendSources(sources, diversity || freshness ? Math.max(nMain, diversity?.pool ?? 3 * nMain) : nMain, settings.blendNormalization);
        if (freshness) blended = favourFresh(blended, now, freshness, diversity ? blended.length : nMain);
        if (diversity) blended = diversify(blended, nMain, diversity);
        if (blended.length < nMain) {
          // Not enough personalised candidates: complete with popular items.
          const taken = new Set(blended.map((b) => b.item));
          const fill = trendingModel.trending!({ k: nMain - blended.length, filter: (i) => !taken.has(i) && filter(i) });
          for (let i = 0; i < fill.items.length; i++) {
            const score = 0.01 * fill.scores[i]! / (fill.scores[0]! || 1);
            blended.push({ item: fill.items[i]!, score, source: 'fallback:popular', contributions: { 'fallback:popular': score } });
            taken.add(fill.items[i]!);
          }
          for (const item of freshFill(nMain - blended.length, filter, taken)) {
            blended.push({ item, score: 0, source: 'fallback:fresh', contributions: { 'fallback:fresh': 0 } });
          }
        }
        items = toRecommendations(blended);
        if (exposure) {
          // New articles for the readers of similar ones, within their reach.
          const fresh = await bootstrap(exposure, now, new Set(positive), filter, takenBy(items));
          items = withExtras(items.slice(0, Math.max(0, query.n - nExplore - fresh.length)), fresh, query.n - nExplore);
        }
        if (progressive) items = withExtras(items, explore(progressive, nExplore, filter, takenBy(items), seedKey), query.n);
      }
      const list: RecommendationList = {
        ...(query.userId === undefined ? {} : { userId: query.userId }),
        items,
        phase,
        cached: false,
        generatedAt: now,
      };
      if (canCache) await cacheSet(key, list, ttl.reco);
      return list;
    },

    async trending(input = {}) {
      const query = parseInput(trendingQuerySchema, input, 'trending query', SOURCE);
      assertTrained();
      await ensureCatalog();
      const key: CacheKey = { family: 'trending', id: `${modelsVersion}:${query.category ?? '*'}:${query.n}` };
      if (query.useCache) {
        const hit = await cacheGet<RankedItem[]>(key);
        if (hit) return hit;
      }
      let result: ScoredItems = NO_ITEMS;
      const category = query.category === undefined ? undefined : catalog.categoryCode(query.category);
      if (category === undefined || category >= 0) {
        const active = catalog.active;
        result = trendingModel.trending!({
          k: query.n,
          filter: (i) => active[i] === 1,
          ...(category === undefined ? {} : { category }),
        });
      }
      const items = scored(result, 'trending');
      if (query.useCache) await cacheSet(key, items, ttl.trending);
      return items;
    },

    async similarItems(itemId, input = {}) {
      const id = parseInput(idSchema, itemId, 'item id', SOURCE);
      const query = parseInput(similarQuerySchema, input, 'similar-items options', SOURCE);
      assertTrained();
      await ensureCatalog();
      const key: CacheKey = { family: 'similar', id: `${modelsVersion}:${id}:${query.n}:${query.sameCategory ? 1 : 0}` };
      if (query.useCache) {
        const hit = await cacheGet<RankedItem[]>(key);
        if (hit) return hit;
      }
      const index = catalog.indexOf(id);
      const active = catalog.active;
      const categoryOf = catalog.category;
      const category = index >= 0 ? categoryOf[index]! : -1;
      const filter = (i: number) => i !== index && active[i] === 1 && (!query.sameCategory || categoryOf[i] === category);
      let items: RankedItem[] = [];
      // The configured model first, then every other model that can answer (content models know
      // articles nobody clicked yet).
      for (const name of similarChain) {
        if (index < 0 || items.length >= query.n) break;
        const taken = new Set(items.map((r) => r.itemId));
        const more = scored(await models[name]!.similar!(index, query.n - items.length, (i) => filter(i) && !taken.has(catalog.idAt(i))), name);
        items.push(...more.map((r) => ({ ...r, rank: items.length + r.rank })));
      }
      if (items.length < query.n) {
        // Unknown item, or not enough neighbours: popular items of its category, then overall.
        const taken = new Set(items.map((r) => r.itemId));
        const fillFilter = (i: number) => filter(i) && !taken.has(catalog.idAt(i));
        const sources = [];
        if (category >= 0) sources.push(...scored(trendingModel.trending!({ category, k: query.n, filter: fillFilter }), 'fallback:category-popular'));
        for (const r of sources) taken.add(r.itemId);
        if (!query.sameCategory) sources.push(...scored(trendingModel.trending!({ k: query.n, filter: fillFilter }), 'fallback:popular'));
        for (const r of sources) {
          if (items.length >= query.n) break;
          items.push({ ...r, score: 0.01 * r.score, rank: items.length + 1 });
        }
      }
      if (query.useCache) await cacheSet(key, items, ttl.similar);
      return items;
    },

    async getItem(itemId) {
      const id = parseInput(idSchema, itemId, 'item id', SOURCE);
      const [item] = await store.getItems([id]);
      if (!item) return undefined;
      const [stats] = await itemStats.getItemStats([id]);
      return { item, stats: stats! };
    },

    async getProfile(userId) {
      const id = parseInput(idSchema, userId, 'user id', SOURCE);
      return (await loadProfile(id)) ?? emptyProfile(id);
    },

    async setPreferences(userId, input) {
      const id = parseInput(idSchema, userId, 'user id', SOURCE);
      const preferences = parseInput(preferencesSchema, input, 'preferences', SOURCE);
      const user = await store.getUser(id);
      await store.upsertUsers([{ ...(user ?? { id, createdAt: clock() }), preferences }]);
      let profile: UserProfile | undefined;
      await store.recordInteractions({
        interactions: [],
        userIds: [id],
        apply: (_, current) => {
          const existing = current.get(id);
          profile = { ...(existing ? cloneProfile(existing) : emptyProfile(id)), preferences };
          return { profiles: [profile] };
        },
      });
      await cacheInvalidateUser(id);
      return profile!;
    },

    async exportUserData(userId) {
      const id = parseInput(idSchema, userId, 'user id', SOURCE);
      return store.exportUserData(id);
    },

    async deleteUserData(userId) {
      const id = parseInput(idSchema, userId, 'user id', SOURCE);
      const result = await store.deleteUserData(id, { interactions: settings.erasure });
      if (cache) {
        // Unlike a read, an erasure must not silently leave the user's entries behind.
        try {
          await cache.invalidateUser(id);
        } catch (error) {
          throw new MyContentError(
            'BACKEND',
            `user "${id}" was erased from the store but not from cache "${cache.name}": call deleteUserData again once the cache is back`,
            { source: SOURCE, field: 'userId', value: id, cause: error },
          );
        }
      }
      return result;
    },

    async saveModels(metadata = {}) {
      if (!registry) throw new MyContentError('INVALID_CONFIG', 'saveModels() needs a registry option', { source: SOURCE, field: 'registry' });
      assertTrained();
      const saved: Record<string, ModelVersionInfo> = {};
      for (const name of names) {
        const bytes = encodeModelArtifact(models[name]!.toArtifact());
        saved[name] = await registry.save(name, bytes, { ...metadata, kind: models[name]!.kind });
      }
      return saved;
    },

    async loadModels(versions = {}) {
      if (!registry) throw new MyContentError('INVALID_CONFIG', 'loadModels() needs a registry option', { source: SOURCE, field: 'registry' });
      await ensureCatalog();
      const loaded: { name: string; version: number }[] = [];
      for (const name of names) {
        const stored = await registry.load(name, versions[name]);
        if (!stored) {
          throw new MyContentError('NOT_FOUND', `no saved version of model "${name}"${versions[name] ? ` (version ${versions[name]})` : ''}`, {
            source: SOURCE,
            field: name,
          });
        }
        models[name]!.restore(decodeModelArtifact(stored.bytes), catalog);
        loaded.push({ name, version: stored.version });
      }
      modelsVersion = `v${fnv1a(JSON.stringify(loaded))}`;
    },

    metrics() {
      return { ...counters };
    },
  };
  return engine;
}
