/**
 * @mycontent/adapters/hnsw — an approximate nearest-neighbour vector index on hnswlib-node
 * (an optional peer dependency: install it to use this entry point).
 *
 * @packageDocumentation
 * @module @mycontent/adapters/hnsw
 */
export { createHnswVectorIndex, HNSW_VECTOR_INDEX_NAME } from './hnsw';
export type { HnswVectorIndex, HnswVectorIndexOptions, HnswBuildOptions } from './hnsw';
