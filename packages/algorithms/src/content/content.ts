import {
  MyContentError,
  NO_ITEMS,
  assertArtifactKind,
  type FitContext,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type RecommenderModel,
  type ScoredItems,
  type VectorIndex,
} from '@mycontent/core';
import { checkOption } from '../shared/options';
import { throwIfAborted } from '../shared/abort';

/** Options of {@link createContentModel}. */
export interface ContentModelOptions {
  /**
   * The vector index over item embeddings, or a factory given the embedding dimension (called on
   * the first embeddings). Use `createHnswVectorIndex` from `@mycontent/adapters/hnsw` for large
   * catalogues. @default an exact cosine index from the given factory
   */
  index: VectorIndex | ((dimension: number) => VectorIndex);
  /** Weight multiplier per step back in the history: recent reads count more. @default 0.8 */
  recencyDecay?: number;
  /** How strongly disliked items push the profile away (relative to a read). @default 1 */
  dislikeWeight?: number;
}

const KIND = 'content';
const FORMAT_VERSION = 1;

/** The content model returned by {@link createContentModel}. */
export interface ContentModel extends RecommenderModel {
  /** The user profile a query resolves to (unit length), or `undefined` without usable history. */
  profile(query: Pick<ModelQuery, 'history' | 'historyWeights' | 'dislikes'>): Float32Array | undefined;
  /** Number of items with an embedding. */
  readonly indexed: number;
}

/**
 * Content-based recommendations over item embeddings (from a text encoder, or
 * `createHashingEmbedder`). Articles are indexed as they are ingested (`indexItems`), so a new article is
 * similar to others and recommendable the moment it is published — before anyone clicks it and
 * with no retraining. A user's profile is the recency- and signal-weighted mean of the
 * embeddings of what they read, minus what they disliked, computed from their latest history at
 * each request (so every interaction counts at once); candidates are its nearest neighbours.
 *
 * @example
 * ```ts
 * import { createExactVectorIndex } from '@mycontent/adapters/memory';
 * const content = createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) });
 * createRecommender({ store, models: { trending, content }, blend: { content: 1 } });
 * ```
 */
export function createContentModel(options: ContentModelOptions): ContentModel {
  const config = { recencyDecay: options.recencyDecay ?? 0.8, dislikeWeight: options.dislikeWeight ?? 1 };
  checkOption(KIND, config.recencyDecay > 0 && config.recencyDecay <= 1, 'recencyDecay', config.recencyDecay, 'must be in (0, 1]');
  checkOption(KIND, config.dislikeWeight >= 0, 'dislikeWeight', config.dislikeWeight, 'must not be negative');
  let index: VectorIndex | undefined = typeof options.index === 'function' ? undefined : options.index;
  let trained = false;

  const vectorOf = (item: number): Float32Array | undefined => index?.get?.(String(item));

  function profile(query: Pick<ModelQuery, 'history' | 'historyWeights' | 'dislikes'>): Float32Array | undefined {
    if (!index) return undefined;
    const v = new Float32Array(index.dimension);
    let any = false;
    let recency = 1;
    for (let h = query.history.length - 1; h >= 0; h--, recency *= config.recencyDecay) {
      const e = vectorOf(query.history[h]!);
      if (!e) continue;
      const w = recency * (query.historyWeights ? query.historyWeights[h]! : 1);
      for (let d = 0; d < v.length; d++) v[d]! += w * e[d]!;
      any = true;
    }
    if (!any) return undefined;
    for (const item of query.dislikes ?? []) {
      const e = vectorOf(item);
      if (e) for (let d = 0; d < v.length; d++) v[d]! -= config.dislikeWeight * e[d]!;
    }
    let norm = 0;
    for (let d = 0; d < v.length; d++) norm += v[d]! * v[d]!;
    if (!(norm > 0)) return undefined;
    norm = Math.sqrt(norm);
    for (let d = 0; d < v.length; d++) v[d]! /= norm;
    return v;
  }

  async function nearest(vector: Float32Array, k: number, filter?: (item: number) => boolean): Promise<ScoredItems> {
    const hits = await index!.search(vector, k, filter ? { filter: (id) => filter(Number(id)) } : {});
    return { items: Int32Array.from(hits, (h) => Number(h.id)), scores: Float32Array.from(hits, (h) => h.score) };
  }

  return {
    kind: KIND,
    capabilities: { online: false, personalized: true, trending: false, similarItems: true, content: true },
    get trained() {
      return trained;
    },
    get indexed() {
      return index?.size() ?? 0;
    },
    profile,
    embeddingOf: vectorOf,
    async indexItems(items) {
      if (items.length === 0) return;
      if (!index) index = (options.index as (dimension: number) => VectorIndex)(items[0]!.embedding.length);
      await index.upsert(
        items.map((e) => String(e.item)),
        items.map((e) => e.embedding),
      );
    },
    async fit(_data, context: FitContext = {}) {
      // Nothing to learn from interactions: the index is fed by indexItems as items arrive.
      throwIfAborted(context.signal, KIND);
      trained = true;
    },
    async recommend(query) {
      if (!trained) throw new MyContentError('NOT_TRAINED', 'the content model is not trained', { source: KIND });
      const v = query.k >= 1 ? profile(query) : undefined;
      return v ? nearest(v, query.k, query.filter) : NO_ITEMS;
    },
    async similar(item, k, filter) {
      const v = vectorOf(item);
      if (!v || k < 1) return NO_ITEMS;
      return nearest(v, k, (i) => i !== item && (!filter || filter(i)));
    },
    toArtifact(): ModelArtifact {
      return { kind: KIND, formatVersion: FORMAT_VERSION, state: { config }, arrays: {} };
    },
    restore(artifact: ModelArtifact, _catalog: ItemCatalog) {
      assertArtifactKind(artifact, KIND, FORMAT_VERSION);
      trained = true;
    },
  };
}
