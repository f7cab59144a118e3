import {
  MyContentError,
  blendSources,
  type BlendNormalization,
  type BlendedCandidate,
  type FitContext,
  type InteractionDataset,
  type ItemCatalog,
  type ModelArtifact,
  type ModelQuery,
  type ObservedInteraction,
  type RecommenderModel,
  type ScoredItems,
  type ArtifactArray,
} from '@mycontent/core';
import { createItemKnnModel } from '../item-knn/item-knn';
import { createRecentPopularityModel } from '../session/recent-popularity';
import { createSessionKnnModel } from '../session/session-knn';

/** One source of a hybrid: a model and its weight. */
export interface HybridSource {
  model: RecommenderModel;
  /** Non-negative; only the ratios between weights matter. */
  weight: number;
}

/** Options of {@link createHybridModel}. */
export interface HybridOptions {
  /** Sources by name (the name labels each recommendation's source). */
  sources: Record<string, HybridSource | RecommenderModel>;
  /** How scores are made comparable before weighting. @default 'rank' */
  normalization?: BlendNormalization;
  /** Candidates asked from each source (at least `k`). @default 50 */
  candidates?: number;
}

/** The model returned by {@link createHybridModel}. */
export interface HybridModel extends RecommenderModel {
  /** The sources' names, in blending order. */
  readonly sourceNames: readonly string[];
  /** Recommendations with each source's contribution and the main source, best first. */
  explain(query: ModelQuery): BlendedCandidate[] | Promise<BlendedCandidate[]>;
}

const KIND = 'hybrid';
const FORMAT_VERSION = 1;

/**
 * Several models behind the one model contract, blended by weight: each source is asked for
 * its best `candidates`, scores are normalised per source (reciprocal rank by default), weighted,
 * summed per item and de-duplicated. `fit`, `observe` and artifacts go to every source, so a
 * hybrid of session models, content similarity and recent popularity trains, learns online and
 * saves like one model. `explain` labels each result with the sources that produced it.
 *
 * @example
 * ```ts
 * const news = createHybridModel({
 *   sources: {
 *     sessions: { model: createSessionKnnModel(), weight: 0.5 },
 *     rules: { model: createSequentialRulesModel(), weight: 0.3 },
 *     recent: { model: createRecentPopularityModel(), weight: 0.2 },
 *   },
 * });
 * ```
 */
export function createHybridModel(options: HybridOptions): HybridModel {
  const entries = Object.entries(options.sources ?? {}).map(([name, source]) =>
    'model' in source ? { name, model: source.model, weight: source.weight } : { name, model: source, weight: 1 },
  );
  const fail = (field: string, value: unknown, why: string): never => {
    throw new MyContentError('INVALID_CONFIG', `${field} ${why}, got ${JSON.stringify(value)}`, { source: KIND, field, value });
  };
  if (entries.length === 0) fail('sources', Object.keys(options.sources ?? {}), 'must name at least one model');
  for (const { name, weight } of entries) if (typeof weight !== 'number' || !(weight >= 0) || !Number.isFinite(weight)) fail(`sources.${name}.weight`, weight, 'must be a finite number >= 0');
  if (entries.every((e) => e.weight === 0)) fail('sources', entries.map((e) => e.weight), 'need at least one positive weight');
  const normalization = options.normalization ?? 'rank';
  if (normalization !== 'rank' && normalization !== 'minmax') fail('normalization', normalization, "must be 'rank' or 'minmax'");
  const candidates = options.candidates ?? 50;
  if (!Number.isInteger(candidates) || candidates < 1) fail('candidates', candidates, 'must be a positive integer');
  const active = entries.filter((e) => e.weight > 0);

  function explain(query: ModelQuery): BlendedCandidate[] | Promise<BlendedCandidate[]> {
    if (query.k < 1) return [];
    const asked = { ...query, k: Math.max(query.k, candidates) };
    const results = active.map((e) => e.model.recommend(asked));
    const blend = (lists: ScoredItems[]) =>
      blendSources(
        active.map((e, i) => ({ name: e.name, weight: e.weight, result: lists[i]! })),
        query.k,
        normalization,
      );
    if (results.some((r) => r instanceof Promise)) return Promise.all(results).then(blend);
    return blend(results as ScoredItems[]);
  }

  const toScored = (blended: BlendedCandidate[]): ScoredItems => ({
    items: Int32Array.from(blended, (b) => b.item),
    scores: Float32Array.from(blended, (b) => b.score),
  });

  const capabilities = {
    content: entries.some((e) => e.model.capabilities.content),
    online: entries.some((e) => e.model.capabilities.online),
    personalized: entries.some((e) => e.model.capabilities.personalized),
    trending: false,
    similarItems: false,
  };

  const model: HybridModel = {
    kind: KIND,
    capabilities,
    sourceNames: entries.map((e) => e.name),
    get trained() {
      return entries.every((e) => e.model.trained);
    },
    async fit(data: InteractionDataset, context: FitContext = {}) {
      for (const e of entries) {
        await e.model.fit(data, {
          ...(context.signal ? { signal: context.signal } : {}),
          onProgress: (p) => context.onProgress?.({ ...p, phase: `${e.name}: ${p.phase}` }),
        });
      }
    },
    recommend(query) {
      const blended = explain(query);
      return blended instanceof Promise ? blended.then(toScored) : toScored(blended);
    },
    explain,
    observe(event: ObservedInteraction) {
      for (const e of entries) if (e.model.trained) e.model.observe?.(event);
    },
    async indexItems(items) {
      for (const e of entries) await e.model.indexItems?.(items);
    },
    toArtifact(): ModelArtifact {
      const state: Record<string, unknown> = { normalization, candidates, sources: {} as Record<string, unknown> };
      const arrays: Record<string, ArtifactArray> = {};
      for (const e of entries) {
        const artifact = e.model.toArtifact();
        (state.sources as Record<string, unknown>)[e.name] = { kind: artifact.kind, formatVersion: artifact.formatVersion, weight: e.weight, state: artifact.state, arrays: Object.keys(artifact.arrays) };
        for (const [name, array] of Object.entries(artifact.arrays)) arrays[`${e.name}/${name}`] = array;
      }
      return { kind: KIND, formatVersion: FORMAT_VERSION, state, arrays };
    },
    restore(artifact: ModelArtifact, catalog: ItemCatalog) {
      if (artifact.kind !== KIND) fail('kind', artifact.kind, `cannot be restored into a "${KIND}" model`);
      const saved = artifact.state.sources as Record<string, { kind: string; formatVersion: number; state: Record<string, unknown>; arrays: string[] }>;
      for (const e of entries) {
        const part = saved[e.name];
        if (!part) {
          throw new MyContentError('FORMAT', `the hybrid artifact has no source "${e.name}" (it has ${Object.keys(saved).join(', ')})`, { source: KIND, field: 'sources', value: e.name });
        }
        const arrays: Record<string, ArtifactArray> = {};
        for (const name of part.arrays) arrays[name] = artifact.arrays[`${e.name}/${name}`]!;
        e.model.restore({ kind: part.kind, formatVersion: part.formatVersion, state: part.state, arrays }, catalog);
      }
    },
  };
  return model;
}

/** Options of {@link createNewsHybridModel}. */
export interface NewsHybridOptions {
  /** Source weights. @default { sessions: 0.5, items: 0.5, recent: 0.1 } */
  weights?: { sessions?: number; items?: number; recent?: number };
  /** Window of the recent-popularity source, ms. @default 1 hour */
  windowMs?: number;
  /** @default 'rank' */
  normalization?: BlendNormalization;
  /** Candidates asked from each source. @default 50 */
  candidates?: number;
}

/**
 * The hybrid for news streams, every source learning online: session neighbours (S-kNN, source
 * `sessions`), session co-reads (item-kNN, cosine, `items`) and what is read now (recent
 * popularity, `recent`). The weights come from a replay sweep on the synthetic news log
 * (`bench/tuning/sweep-news-hybrid.ts`); see docs/models/session.md for the figures.
 *
 * @example
 * ```ts
 * const news = createNewsHybridModel();
 * await news.fit(dataset);
 * news.observe!(click); // every source learns
 * ```
 */
export function createNewsHybridModel(options: NewsHybridOptions = {}): HybridModel {
  const w = { sessions: 0.5, items: 0.5, recent: 0.1, ...options.weights };
  return createHybridModel({
    sources: {
      sessions: { model: createSessionKnnModel({ variant: 'sknn' }), weight: w.sessions },
      items: { model: createItemKnnModel({ similarity: 'cosine', recencyDecay: 0.3 }), weight: w.items },
      recent: { model: createRecentPopularityModel(options.windowMs === undefined ? {} : { windowMs: options.windowMs }), weight: w.recent },
    },
    ...(options.normalization === undefined ? {} : { normalization: options.normalization }),
    ...(options.candidates === undefined ? {} : { candidates: options.candidates }),
  });
}
