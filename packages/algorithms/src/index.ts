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
