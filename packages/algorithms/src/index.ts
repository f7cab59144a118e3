/**
 * @mycontent/algorithms — every model implements RecommenderModel from @mycontent/core.
 *
 * @packageDocumentation
 * @module @mycontent/algorithms
 */

// Popularity and trending (time-decayed, online)
export { createPopularityModel } from './popularity/popularity';
export type { PopularityModel, PopularityOptions } from './popularity/popularity';

// Item-based nearest neighbours (co-occurrence and cosine)
export { createItemKnnModel } from './item-knn/item-knn';
export type { ItemKnnModel, ItemKnnOptions, ItemSimilarity } from './item-knn/item-knn';

// Implicit ALS (Hu–Koren–Volinsky, conjugate gradient, worker threads, fold-in)
export { createAlsModel } from './als/als';
export type { AlsModel, AlsOptions } from './als/als';

// BPR-MF (pairwise ranking, SGD with sampled negatives)
export { createBprModel } from './bpr/bpr';
export type { BprModel, BprOptions } from './bpr/bpr';

// EASE (closed-form item–item model for small catalogues)
export { createEaseModel, easeMemoryBytes } from './ease/ease';
export type { EaseOptions } from './ease/ease';

// SVD++ (explicit ratings)
export { createSvdppModel } from './svdpp/svdpp';
export type { SvdppModel, SvdppOptions } from './svdpp/svdpp';

// Content-based recommendations over item embeddings (vector index port)
export { createContentModel } from './content/content';
export type { ContentModel, ContentModelOptions } from './content/content';

// Text embedder without downloaded weights (hashed TF-IDF, LSA by randomised SVD)
export { createHashingEmbedder, tokenize } from './embedder/hashing';
export type { HashingEmbedder, HashingEmbedderOptions } from './embedder/hashing';

// Multi-armed bandits (state shared through the store port, atomic increments)
export { createEpsilonGreedyBandit, createUcb1Bandit, createThompsonBandit, createLinUcbBandit, crossFeatures } from './bandits/bandits';
export type { Bandit, BanditOptions, BanditFeedback, BanditContext, EpsilonGreedyOptions, ThompsonOptions, LinUcbOptions } from './bandits/bandits';

// Session models for news streams, learning online click by click (bounded memory)
export { createSequentialRulesModel } from './session/sequential-rules';
export type { SequentialRulesModel, SequentialRulesOptions } from './session/sequential-rules';
export { createSessionKnnModel } from './session/session-knn';
export type { SessionKnnModel, SessionKnnOptions } from './session/session-knn';
export { createRecentPopularityModel } from './session/recent-popularity';
export type { RecentPopularityModel, RecentPopularityOptions } from './session/recent-popularity';

// Presets: ranking options for a kind of site, for the engine and the replay alike
export { NEWS_SESSION_OPTIONS, newsPreset } from './presets/news';
export type { NewsPresetOptions } from './presets/news';

// Neural models, trained in a worker thread: GRU4Rec and SASRec (sessions, fine-tuned online), NCF (NeuMF)
export type { SessionTrainingOptions } from './neural/session-training';
export { createGru4RecModel } from './neural/gru4rec';
export type { Gru4RecModel, Gru4RecOptions } from './neural/gru4rec';
export { createSasRecModel } from './neural/sasrec';
export type { SasRecModel, SasRecOptions } from './neural/sasrec';
// Wide & Deep, the scorer of a learned ranking stage (core's createLearnedRanking({ scorer }))
export { createWideDeepScorer } from './neural/wide-deep';
export type { WideDeepScorer, WideDeepScorerOptions } from './neural/wide-deep';
export { createNcfModel } from './neural/ncf';
export type { NcfModel, NcfOptions } from './neural/ncf';
