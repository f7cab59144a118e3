/**
 * @mycontent/core — the engine, its ports and its domain, one line per concept. Evaluation lives
 * in `@mycontent/core/eval`, data loaders and generators in `@mycontent/core/data`.
 *
 * @packageDocumentation
 * @module @mycontent/core
 */

// Errors
export { MyContentError, isMyContentError, describeValue } from './errors/error';
export type { MyContentErrorCode, MyContentErrorOptions, ValidationIssue } from './errors/error';

// Domain (zod schemas and their types)
export {
  idSchema,
  timestampSchema,
  metadataSchema,
  embeddingSchema,
  itemSchema,
  userSchema,
  preferencesSchema,
  interactionSchema,
  interactionTypeSchema,
  interactionContextSchema,
  INTERACTION_TYPES,
} from './domain/schemas';
export type {
  Item,
  ItemInput,
  User,
  UserInput,
  Preferences,
  PreferencesInput,
  Interaction,
  InteractionInput,
  InteractionContext,
  InteractionType,
  Recommendation,
  RecommendationExplanation,
  ItemStats,
  ItemStatsDelta,
  UserProfile,
} from './domain/schemas';
export { parseInput, parseBatch } from './domain/validate';

// Ports: the store (in parts), the cache, the vector index, the event bus, the model registry
export type {
  RecommendationStore,
  ItemStore,
  InteractionLog,
  ProfileStore,
  ProfileUpdate,
  ItemStatsStore,
  StoreCapabilities,
  ScanOptions,
  UserInteractionsOptions,
  InteractionErasure,
  InteractionRecord,
  InteractionEffects,
  UserDataExport,
} from './ports/store';
export { emptyItemStats, ITEM_STAT_COUNTERS } from './ports/store';
export type { ArmDelta, ArmState, ArmSelection, BanditStateStore } from './ports/bandit';
export type { RecommendationCache, CacheCapabilities, CacheKey, CacheFamily, CacheTtls } from './ports/cache';
export { DEFAULT_CACHE_TTLS } from './ports/cache';
export { createNoopCache } from './ports/noop-cache';
export type { VectorIndex, VectorIndexCapabilities, VectorMatch, VectorMetric, VectorSearchOptions } from './ports/vector-index';
export type { EventBus, EventBusCapabilities, BusMessage, BatchHandler, BatchOutcome, DeadLetter, SubscribeOptions, Subscription } from './ports/event-bus';
export { handleEachMessage } from './ports/event-bus';
export type { PartitioningOptions, PublishOptions, PublishBatchOptions } from './ports/partitions';
export { partitionOf, interactionPartitionKey } from './ports/partitions';
export type { LeaseStore } from './ports/lease-store';
export { createPartitionOwner } from './partitions/partition-owner';
export type { PartitionOwner, PartitionOwnerOptions, PartitionOwnership } from './partitions/partition-owner';
export type { ModelRegistry, ModelVersionInfo, ModelVersionState, ModelSaveOptions, ModelPromoteOptions, StoredModel } from './ports/model-registry';
export type { Embedder } from './ports/embedder';
export type { AssignmentStore } from './ports/assignment-store';
export type { ExposureStore, ExposureScanOptions } from './ports/exposure-store';
export type { TelemetryMeter, MetricAttributes, InstrumentOptions, ObservableInstrument, ObservableResult } from './ports/meter';

// The catalogue and the model contract
export { ItemCatalog } from './catalog/catalog';
export type { CatalogEntry } from './catalog/catalog';
export type {
  RecommenderModel,
  InMemoryModel,
  ModelCapabilities,
  ModelQuery,
  TrendingQuery,
  ScoredItems,
  FitContext,
  Progress,
  ObservedInteraction,
} from './model/contract';
export { NO_ITEMS, bindItemIds } from './model/contract';
export { datasetFromInteractions, interactionWeight, DEFAULT_INTERACTION_WEIGHTS } from './model/dataset';
export type { InteractionDataset, InteractionWeights } from './model/dataset';
export { encodeModelArtifact, decodeModelArtifact, assertArtifactKind } from './model/artifact';
export type { ModelArtifact, ArtifactArray } from './model/artifact';

// Sessions and history windows
export { DEFAULT_SESSION_GAP_MS, DEFAULT_HISTORY_LENGTH, DEFAULT_MAX_OPEN_SESSIONS } from './session/session';

// The engine
export { createRecommender } from './engine/recommender';
export type {
  Recommender,
  RecommenderOptions,
  RecommendationList,
  RecommendationPhase,
  RankedItem,
  TrainReport,
  IngestReport,
  ObserveReport,
  RecommenderMetrics,
  EventLog,
  ItemDetails,
  RecommenderLogger,
  SaveModelsOptions,
  ModelRefresh,
} from './engine/types';
export { HEALTH_TIMEOUT_MS } from './engine/health';
// Metrics (through an OpenTelemetry meter)
export { RECOMMEND_DURATION_BUCKETS, COVERAGE_WINDOW_MS } from './engine/telemetry';
export { STREAM_LAG_BUCKETS } from './engine/stream-telemetry';
export type { ErasureReport } from './engine/user-data';
export type { HealthReport, BackendHealth } from './engine/health';
export { recommendQuerySchema, recommendFiltersSchema, trendingQuerySchema, similarQuerySchema, diversitySchema } from './engine/options';
export type { RecommendQuery, RecommendFilters, TrendingRequest, SimilarItemsOptions, DiversityOptions } from './engine/options';
// Ranking, shared by the engine and the replay evaluation
export type { RankingOptions } from './engine/ranker';
export type { Candidate } from './engine/candidate';
export { blendSources } from './engine/blend';
export type { BlendSource, BlendedCandidate, BlendNormalization } from './engine/blend';
export { createLearnedRanking } from './engine/learned-ranking';
export type { LearnedRanking, LearnedRankingContext, LearnedRankingOptions, LearnedRankingStats, RankedList, RankingScorer } from './engine/learned-ranking';
export { createLinearScorer } from './engine/linear-scorer';
export type { LinearScorerOptions } from './engine/linear-scorer';
export { rerankMmr, cosineSimilarity } from './engine/diversity';
// Cold start and new items
export { progressiveSchema } from './engine/progressive';
export type { ProgressiveOptions, ProgressivePolicy } from './engine/progressive';
export { exposureSchema, itemQualityScore, itemReach, expansionRate, articleQualityScore, articleReach } from './engine/exposure';
export type { NewItemOptions, NewArticleOptions, ExposurePolicy } from './engine/exposure';
export { emptyProfile } from './engine/profile';
// The real-time event processor
export { createEventProcessor } from './engine/event-processor';
export type { EventProcessor, EventProcessorOptions, EventProcessorStats, ProcessedBatch, RecomputePolicy } from './engine/event-processor';
export { createEventObserver } from './engine/event-observer';
export type { EventObserver, EventObserverOptions, EventObserverStats } from './engine/event-observer';

// Experiments: assigning users to variants (GrowthBook-compatible bucketing)
export { createExperimentAssigner, experimentSchema } from './experiments/assigner';
export type { Assignment, AssignmentReason, Experiment, ExperimentAssigner, ExperimentAssignerOptions, ExperimentInput, HoldoutOptions } from './experiments/assigner';
export { bucketOf, bucketRanges, equalWeights, inNamespaceSlice, variantAt } from './experiments/buckets';
export type { BucketRange, NamespaceSlice } from './experiments/buckets';
// Experiments inside the engine: variant settings, served lists logged and recorded
export { variantSettingsSchema } from './engine/variants';
export type { VariantSettings, ServedVariant } from './engine/variants';
export { listExposureSchema } from './experiments/exposures';
export type { ListExposure, ExposureLog } from './experiments/exposures';
export { createExposureRecorder } from './experiments/exposure-recorder';
export type { ExposureRecorder, ExposureRecorderOptions, ExposureRecorderStats } from './experiments/exposure-recorder';
// Experiments: reading the results
export { experimentResults } from './experiments/results';
export type { ExperimentResults, ExperimentResultsOptions, VariantResult, VariantComparisons, AttributionCounts, RecordSource } from './experiments/results';
export { compareProportions, compareMeans, compareRatios, ratioSample, sampleRatioMismatch, confidenceSequenceHalfWidth, DEFAULT_SEQUENTIAL_TUNING } from './experiments/analysis';
export type { Comparison, ComparisonOptions, MeanSample, ProportionSample, RatioSample, SampleRatioCheck } from './experiments/analysis';
export { normalTail, normalQuantile, studentTail, chiSquareTail } from './experiments/distributions';
export { cupedAdjust, meanSample } from './experiments/cuped';
export type { CovariateSample, CupedAdjustment } from './experiments/cuped';
export { teamDraftInterleave, creditList, compareInterleaved } from './experiments/interleaving';
export type { InterleavedList, InterleavingCredit } from './experiments/interleaving';
export { offPolicyEstimate } from './experiments/off-policy';
export type { LoggedDecision, OffPolicyEstimate } from './experiments/off-policy';
