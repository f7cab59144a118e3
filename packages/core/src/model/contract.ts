import type { ItemCatalog } from '../catalog/catalog';
import type { InteractionDataset } from './dataset';
import type { ModelArtifact } from './artifact';

/** Items and their scores, best first, as parallel typed arrays of the same length. */
export interface ScoredItems {
  /** Catalogue indices. */
  items: Int32Array;
  scores: Float32Array;
}

/** An empty {@link ScoredItems}. */
export const NO_ITEMS: ScoredItems = Object.freeze({ items: new Int32Array(0), scores: new Float32Array(0) }) as ScoredItems;

/** What a model is asked when recommending for one user or session. */
export interface ModelQuery {
  /** The user's id, when there is one. */
  userId?: string;
  /** The user's history as catalogue indices, oldest first (the current session last). */
  history: Int32Array;
  /** Signal weight of each history entry (same length as `history`); 1 when omitted. */
  historyWeights?: Float32Array;
  /** Items the user disliked (catalogue indices): content models push away from them. */
  dislikes?: Int32Array;
  /** How many items to return at most. */
  k: number;
  /** Candidates for which this returns false must not be returned. */
  filter?: (item: number) => boolean;
  /** The time to recommend at (epoch ms): models with time decay use it. @default the model's data clock */
  now?: number;
  /**
   * The items of the current session, oldest first (also at the end of `history` when the user is
   * known). Session models recommend from it; when it is omitted they read the end of `history`.
   */
  session?: Int32Array;
  /** The current session's id, when there is one: session models skip it among their neighbours. */
  sessionId?: string;
}

/** What a model is asked for trending items. */
export interface TrendingQuery {
  /** Restrict to a category code of the catalogue. */
  category?: number;
  k: number;
  filter?: (item: number) => boolean;
  now?: number;
}

/** Progress of a long operation. */
export interface Progress {
  /** What is being done, e.g. `counting`, `epoch 3`. */
  phase: string;
  done: number;
  total: number;
}

/** Options given to {@link RecommenderModel.fit}. */
export interface FitContext {
  /** Called as training progresses. */
  onProgress?: (progress: Progress) => void;
  /** Aborts training (fit rejects with an `ABORTED` error). */
  signal?: AbortSignal;
}

/** An interaction as a model sees it when learning online. */
export interface ObservedInteraction {
  userId: string;
  /** Catalogue index of the item. */
  item: number;
  /** Signal weight ({@link interactionWeight}). */
  weight: number;
  timestamp: number;
  /** The session the interaction belongs to, when known: session models group by it (else by user and inactivity). */
  sessionId?: string;
  /**
   * The user's previous items (catalogue indices, oldest first, at most 50), for sequence-aware
   * models. The engine computes it on first read: read it during `observe`, do not keep the object.
   */
  readonly previous?: Int32Array;
}

/** What a model can do beyond the required contract. */
export interface ModelCapabilities {
  /** Uses item embeddings through `indexItems` (content-based). */
  content?: boolean;
  /** Recommends from the order of the current session's clicks (session models). */
  sequential?: boolean;
  /** Learns from single interactions through `observe` without refitting. */
  online: boolean;
  /** Results depend on the user's history (false for popularity). */
  personalized: boolean;
  /** Implements `trending`. */
  trending: boolean;
  /** Implements `similar`. */
  similarItems: boolean;
}

/**
 * The contract every model of `@mycontent/algorithms` implements, and the one to implement for
 * your own model (see docs/guides/write-a-model.md). Models index items with the shared
 * {@link ItemCatalog}; `recommend` is synchronous and must not allocate per candidate.
 */
export interface RecommenderModel {
  /** The family, e.g. `popularity`, `item-knn`. Also the artifact kind. */
  readonly kind: string;
  readonly capabilities: ModelCapabilities;
  /** True once `fit` (or `restore`) has completed. */
  readonly trained: boolean;
  /** Learns from a dataset, replacing any previous state. */
  fit(data: InteractionDataset, context?: FitContext): Promise<void>;
  /**
   * Top `query.k` items for a user or session. Synchronous for in-memory models; models backed by
   * an asynchronous port (a vector index) return a promise.
   */
  recommend(query: ModelQuery): ScoredItems | Promise<ScoredItems>;
  /** Scores given items for a user or session (higher is better). */
  score?(query: Omit<ModelQuery, 'k' | 'filter'>, items: Int32Array): Float32Array;
  /** Items similar to one item. */
  similar?(item: number, k: number, filter?: (item: number) => boolean): ScoredItems | Promise<ScoredItems>;
  /**
   * Receives item content as items are ingested (and when the engine loads the catalogue), for
   * models that use embeddings: a new article becomes recommendable without retraining.
   */
  indexItems?(items: readonly { item: number; embedding: Float32Array }[]): void | Promise<void>;
  /** Popular items right now, globally or in one category. */
  trending?(query: TrendingQuery): ScoredItems;
  /** Learns from one interaction without refitting. */
  observe?(interaction: ObservedInteraction): void;
  /** The embedding of an item, when the model holds embeddings (diversity re-ranking uses it). */
  embeddingOf?(item: number): Float32Array | undefined;
  /**
   * Forgets one user (erasure): their vector, their sessions, anything kept under their id — so
   * that neither answers nor `toArtifact()` hold anything of theirs afterwards. Models that keep
   * nothing per user omit it.
   */
  forgetUser?(userId: string): void;
  /** What the model holds about one user, as JSON (a data export includes it), or `undefined`. */
  userData?(userId: string): Record<string, unknown> | undefined;
  /**
   * A new, untrained model with the same options. The engine restores saved versions into one to
   * rewrite them without an erased user (a model holding user data in its artifacts needs it), and
   * to load a new version beside the serving one before switching (blue/green; without it the
   * version is restored in place).
   */
  untrainedCopy?(): RecommenderModel;
  /**
   * The size of what the model keeps that grows with traffic — open sessions, live pairs — next to
   * its bound and what it evicted to stay within it, by name: `<what>`, `<what>Limit`,
   * `<what>Evicted` (or `Refused`). The engine's `metrics().models` reports it.
   */
  stateStats?(): Record<string, number>;
  /** The trained state, for `encodeModelArtifact`. */
  toArtifact(): ModelArtifact;
  /** Loads a state produced by `toArtifact`, re-binding item ids to `catalog`. */
  restore(artifact: ModelArtifact, catalog: ItemCatalog): void;
}

/** A model whose answers are synchronous: every model that holds its state in memory. */
export interface InMemoryModel extends RecommenderModel {
  recommend(query: ModelQuery): ScoredItems;
  similar?(item: number, k: number, filter?: (item: number) => boolean): ScoredItems;
}

/** Re-maps artifact item ids to indices of `catalog` (adding unknown ids). */
export function bindItemIds(itemIds: readonly string[], catalog: ItemCatalog): Int32Array {
  const map = new Int32Array(itemIds.length);
  for (let i = 0; i < itemIds.length; i++) map[i] = catalog.ensure(itemIds[i]!);
  return map;
}
