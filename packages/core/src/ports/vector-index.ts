/** Similarity measures a vector index can rank by. */
export type VectorMetric = 'cosine' | 'inner-product' | 'l2';

/** What a vector index adapter can do beyond the required contract. */
export interface VectorIndexCapabilities {
  /** Results may miss some true neighbours (HNSW); `false` for exact scans. */
  approximate: boolean;
  /** The index can be saved to and loaded from disk. */
  persistent: boolean;
}

/** One search hit. */
export interface VectorMatch {
  id: string;
  /** Higher is closer: cosine similarity, inner product, or negative L2 distance. */
  score: number;
}

/** Options of a search. */
export interface VectorSearchOptions {
  /** Only ids for which this returns true are returned. */
  filter?: (id: string) => boolean;
}

/**
 * The vector index port: nearest neighbours over item embeddings.
 *
 * Implementations: `createExactVectorIndex()` (`@mycontent/adapters/memory`) and
 * `createHnswVectorIndex()` (`@mycontent/adapters/hnsw`). Every implementation passes
 * `describeVectorIndexConformance` (`@mycontent/adapters/testing`).
 */
export interface VectorIndex {
  readonly name: string;
  readonly dimension: number;
  readonly metric: VectorMetric;
  readonly capabilities: VectorIndexCapabilities;
  /** Adds or replaces vectors. `vectors[i]` belongs to `ids[i]`. */
  upsert(ids: readonly string[], vectors: readonly (Float32Array | readonly number[])[]): Promise<void>;
  /** Removes vectors; unknown ids are ignored. */
  remove(ids: readonly string[]): Promise<void>;
  /** The `k` nearest vectors to `query`, best first. */
  search(query: Float32Array | readonly number[], k: number, options?: VectorSearchOptions): Promise<VectorMatch[]>;
  /** Several queries at once (cheaper per query where the adapter can share work), results in query order. */
  searchBatch?(queries: readonly (Float32Array | readonly number[])[], k: number, options?: VectorSearchOptions): Promise<VectorMatch[][]>;
  /** The stored vector of an id (normalised for cosine), or `undefined`. */
  get?(id: string): Float32Array | undefined;
  /** Number of vectors held. */
  size(): number;
  dispose?(): Promise<void>;
}
