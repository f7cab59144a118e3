/**
 * @mycontent/core — the public API, one line per concept.
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
  InteractionType,
  Recommendation,
  RecommendationExplanation,
  ItemStats,
  ItemStatsDelta,
  UserProfile,
} from './domain/schemas';
export { parseInput, parseBatch } from './domain/validate';

// Ports
export type {
  RecommendationStore,
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
export { mergeArmDeltas, addVectors } from './ports/bandit';
export type { RecommendationCache, CacheCapabilities, CacheKey, CacheFamily, CacheTtls } from './ports/cache';
export { DEFAULT_CACHE_TTLS } from './ports/cache';
export type { VectorIndex, VectorIndexCapabilities, VectorMatch, VectorMetric, VectorSearchOptions } from './ports/vector-index';
export type { EventBus, EventBusCapabilities, BusMessage, BatchHandler, BatchOutcome, DeadLetter, SubscribeOptions, Subscription } from './ports/event-bus';
export { handleEachMessage } from './ports/event-bus';
export type { ModelRegistry, ModelVersionInfo, StoredModel } from './ports/model-registry';
export type { Embedder } from './ports/embedder';

// Catalogue and the model contract
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
export {
  DatasetBuilder,
  datasetFromInteractions,
  groupRowsByUser,
  interactionWeight,
  DEFAULT_INTERACTION_WEIGHTS,
  INTERACTION_TYPE_CODES,
} from './model/dataset';
export type { InteractionDataset, InteractionWeights, UserRows } from './model/dataset';
export { encodeModelArtifact, decodeModelArtifact, assertArtifactKind } from './model/artifact';
export type { ModelArtifact, ArtifactArray } from './model/artifact';
export { TopK } from './model/top-k';

// Engine
export { createRecommender } from './engine/recommender';
export type {
  Recommender,
  RecommenderOptions,
  RecommendationList,
  RecommendationPhase,
  RankedItem,
  TrainReport,
  IngestReport,
  RecommenderMetrics,
  ItemDetails,
  RecommenderLogger,
} from './engine/recommender';
export { recommendQuerySchema, recommendFiltersSchema, trendingQuerySchema, similarQuerySchema, diversitySchema } from './engine/options';
export type { RecommendQuery, RecommendFilters, TrendingRequest, SimilarItemsOptions, DiversityOptions } from './engine/options';
export { createEventProcessor } from './engine/event-processor';
export type { EventProcessor, EventProcessorOptions, EventProcessorStats, ProcessedBatch, RecomputePolicy } from './engine/event-processor';
export { blendSources } from './engine/blend';
export type { BlendSource, BlendedCandidate, BlendNormalization } from './engine/blend';
export { rerankMmr, cosineSimilarity } from './engine/diversity';
export { progressiveSchema, learningExploreShare, interleave } from './engine/progressive';
export type { ProgressiveOptions, ProgressivePolicy } from './engine/progressive';
export { exposureSchema, articleQualityScore, articleReach, expansionRate } from './engine/exposure';
export type { NewArticleOptions, ExposurePolicy } from './engine/exposure';
export { applyInteractionToProfile, emptyProfile, cloneProfile } from './engine/profile';
export type { ProfileSettings } from './engine/profile';

// Data: loaders, tables, the synthetic generator
export { createRandom, createAliasSampler } from './data/random';
export type { Random } from './data/random';
export { InteractionTableBuilder, tableRow, tableBatches, tableToDataset, concatTables } from './data/interaction-table';
export type { InteractionTable, TableRow } from './data/interaction-table';
export { readLineBatches, readCsvBatches, splitCsvLine, detachString } from './data/lines';
export { StringInterner } from './data/interner';
export type { NumberedLine, CsvRecord } from './data/lines';
export { readNpyMatrix, writeNpyMatrix, matrixRow } from './data/npy';
export type { EmbeddingMatrix } from './data/npy';
export {
  loadGloboDataset,
  readGloboArticles,
  readGloboClicks,
  readGloboClickTable,
  listGloboClickFiles,
  GLOBO_ARTICLE_COLUMNS,
  GLOBO_CLICK_COLUMNS,
} from './data/globo';
export type { GloboDataset, GloboLoadOptions } from './data/globo';
export { loadMovieLens } from './data/movielens';
export type { MovieLensDataset } from './data/movielens';
export { loadInteractionsFile } from './data/tabular';
export type { TabularLoadOptions } from './data/tabular';
export { generateSyntheticNews, writeGloboDataset, SYNTHETIC_SCALES } from './data/synthetic';
export type { SyntheticNews, SyntheticNewsConfig, SyntheticScale } from './data/synthetic';

// Evaluation: splitters, metrics, the evaluator
export { splitRandomPerUser, splitTemporal, splitLeaveLastOut, splitSessionNextClick } from './eval/split';
export type { TrainTestSplit, SessionSplit, NextClickCase } from './eval/split';
export {
  precisionAtK,
  recallAtK,
  hitRateAtK,
  hitsAtK,
  ndcgAtK,
  averagePrecisionAtK,
  reciprocalRankAtK,
  auc,
  catalogCoverage,
  categoryCoverage,
  intraListDiversity,
  novelty,
  serendipityAtK,
} from './eval/metrics';
export { evaluateModels, evaluateRatings, formatEvaluationReport } from './eval/evaluate';
export type { EvaluateOptions, EvaluationReport, EvaluationMetrics, EvaluationProtocol, ModelEvaluation, RatingErrors } from './eval/evaluate';
// Replay: answer queries as a live service would, walking a stream in time order
export { replayRecommendations, evaluateReplay, formatReplayReport, streamRowsInOrder, describeUpdate } from './eval/replay';
export type { ReplayQuery, ReplayUpdate, ReplayOptions, ReplayStats, ReplayResult, ReplayEvaluationOptions, ReplayEvaluation, ReplayReport } from './eval/replay';

// Parallel numeric kernels (worker threads)
export { createKernelPool, balancedRanges } from './parallel/kernel-pool';
export type { Kernel, KernelPool, KernelPoolOptions } from './parallel/kernel-pool';
export { generateSyntheticRatings, writeMovieLensDataset, MOVIELENS_100K_SHAPE } from './data/synthetic-ratings';
export type { SyntheticRatings, SyntheticRatingsConfig } from './data/synthetic-ratings';
