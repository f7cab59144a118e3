import { parseInput } from '../domain/validate';
import { MyContentError } from '../errors/error';
import type { RecommenderModel } from '../model/contract';
import { DEFAULT_INTERACTION_WEIGHTS, type InteractionWeights } from '../model/dataset';
import type { BlendNormalization } from './blend';
import type { LearnedRanking } from './learned-ranking';
import { rankingSettingsSchema, type DiversityOptions, type RankingSettings } from './options';

/**
 * How lists are ranked: the models and how their answers are blended, filtered, diversified and
 * completed. The engine (`createRecommender`) and the replay evaluation take the same options, and
 * run the same ranking code, so what a replay measures is what the engine serves. A preset (e.g.
 * `newsPreset()` of `@mycontent/algorithms`) is a value of this type.
 */
export interface RankingOptions {
  /** The models, by name. Names appear as `source` in every result. */
  models: Record<string, RecommenderModel>;
  /**
   * Blend weight per model name. Weights need not sum to 1 (only ratios matter); a model with
   * weight 0 is trained but not blended (e.g. a popularity model that only fills short lists).
   * @default by role (see `roleWeights`) for personalised models, 0 for the others
   */
  blend?: Record<string, number>;
  /**
   * How each model's scores are made comparable before blending: `minmax` or `rank` (reciprocal
   * rank fusion). @default 'minmax'
   */
  blendNormalization?: BlendNormalization;
  /**
   * The default blend by model role: collaborative models (personalised, neither content nor
   * sequential) share `collaborative`, content models `content`, session models
   * (`capabilities.sequential`) `sequential`. `blend` overrides it per model.
   * @default { collaborative: 0.4, content: 0.3, sequential: 0.2 }
   */
  roleWeights?: { collaborative?: number; content?: number; sequential?: number };
  /** Candidates asked from each model before blending and filtering. @default 200 */
  candidates?: number;
  /**
   * Favour recent items in personalised lists: each blended score is multiplied by
   * `(1 − weight) + weight · 2^(−age / halfLifeMs)` (age from the item's `createdAt`; items
   * without one are not affected). For news, a half-life of a few hours. @default none
   */
  freshness?: { halfLifeMs: number; weight: number };
  /** Diversity re-ranking of personalised lists, unless a request says otherwise. @default none */
  diversity?: DiversityOptions;
  /** Model answering `trending()` and cold starts. @default the first model with `capabilities.trending` */
  trendingModel?: string;
  /**
   * Models that complete lists the blend could not fill, in order (each asked for what is still
   * missing, through `trending` when it has it, else `recommend`); the newest items come last.
   * @default [the trending model]
   */
  fill?: string[];
  /** Positive history items given to models (the most recent). @default 50 */
  historyLength?: number;
  /** A user's most recent interactions read to exclude already-seen items. @default 500 */
  seenWindow?: number;
  /**
   * Inactivity that ends a session: the user's interactions chained by shorter gaps (or sharing
   * the latest one's `sessionId`) are the current session that session models recommend from,
   * when a request does not list its `session`. @default 30 minutes
   */
  sessionGapMs?: number;
  /** Share of a cold-start list taken from the user's preferred categories. @default 0.7 */
  preferredShare?: number;
  /** Signal weight per interaction type. @default {@link DEFAULT_INTERACTION_WEIGHTS} */
  interactionWeights?: Partial<InteractionWeights>;
  /**
   * A learned ranking stage (see `createLearnedRanking`): the blended candidates are ranked by a
   * model of their features, trained online from clicks, instead of by the blend alone. It
   * starts as the blend. @default none
   */
  learnedRanking?: LearnedRanking;
}

/** A model and its name. */
export interface NamedModel {
  name: string;
  model: RecommenderModel;
}

/** {@link RankingOptions}, checked and resolved once. */
export interface Ranker {
  readonly models: Readonly<Record<string, RecommenderModel>>;
  /** Model names, in declaration order. */
  readonly names: readonly string[];
  /** The default blend, completed with zeros. */
  readonly blend: Readonly<Record<string, number>>;
  readonly settings: RankingSettings;
  /** The model answering `trending()`, cold starts and the first fill (always there for the engine). */
  readonly trending: NamedModel | undefined;
  /** The models completing short lists, in order. */
  readonly fill: readonly NamedModel[];
  /** The first model exposing item embeddings (diversity by embedding), if any. */
  readonly embeddingModel: RecommenderModel | undefined;
  readonly interactionWeights: InteractionWeights;
  /** The learned ranking stage, when the options have one. */
  readonly learned: LearnedRanking | undefined;
  /**
   * Puts `model` in the place of the model named `name` — in `models` and wherever the ranker
   * refers to it (trending, fill, embeddings) — in one synchronous step: how a newly loaded model
   * version replaces the serving one.
   */
  replaceModel(name: string, model: RecommenderModel): void;
  /**
   * Checks blend weights (`field` names where they come from) and completes them with zeros:
   * known models only, finite and non-negative, at least one positive.
   */
  checkBlend(weights: Record<string, number>, field: string): Record<string, number>;
}

/**
 * Checks ranking options and resolves their defaults (the blend by role, the trending and fill
 * models), with typed errors naming the option (`source` prefixes them, `what` names the options).
 * The engine needs a trending model (`requireTrending`); a replay can do without (short lists are
 * then completed with the newest items only).
 */
export function createRanker(options: RankingOptions, source: string, what = 'ranking options', requireTrending = true): Ranker {
  const settings = parseInput(rankingSettingsSchema, options, what, source);
  // The ranker's own record: replaceModel() swaps entries without touching the host's object.
  const models: Record<string, RecommenderModel> = { ...options.models };
  const names = Object.keys(models);
  const fail = (field: string, message: string, value?: unknown): never => {
    throw new MyContentError('INVALID_CONFIG', message, { source, field, ...(value === undefined ? {} : { value }) });
  };
  if (names.length === 0) fail('models', 'at least one model is required (e.g. createPopularityModel())');
  for (const name of names) {
    const m = models[name];
    if (!m || typeof m.fit !== 'function' || typeof m.recommend !== 'function') fail(`models.${name}`, `models.${name} does not implement the model contract`);
  }
  const has = (name: string) => Object.prototype.hasOwnProperty.call(models, name);

  // The default blend: each role's weight shared by its models (roles without a model leave the
  // ratios of the others); non-personalised models weigh 0.
  const roleOf = (m: RecommenderModel) => (m.capabilities.content ? 'content' : m.capabilities.sequential ? 'sequential' : 'collaborative');
  const anyPersonalized = names.some((n) => models[n]!.capabilities.personalized);
  const perRole = new Map<string, number>();
  for (const name of names) if (models[name]!.capabilities.personalized) perRole.set(roleOf(models[name]!), (perRole.get(roleOf(models[name]!)) ?? 0) + 1);
  const byRole: Record<string, number> = {};
  for (const name of names) {
    const m = models[name]!;
    byRole[name] = !anyPersonalized ? 1 : m.capabilities.personalized ? settings.roleWeights[roleOf(m)] / perRole.get(roleOf(m))! : 0;
  }
  const zeros = Object.fromEntries(names.map((n) => [n, 0]));
  const complete = (weights: Record<string, number>, base: Record<string, number>, field: string): Record<string, number> => {
    const out = { ...base };
    for (const [name, weight] of Object.entries(weights)) {
      if (!has(name)) fail(`${field}.${name}`, `${field} names unknown model "${name}" (models: ${names.join(', ')})`, weight);
      if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) fail(`${field}.${name}`, `${field}.${name} must be a finite, non-negative number`, weight);
      out[name] = weight;
    }
    if (!names.some((n) => out[n]! > 0)) fail(field, `every ${field} weight is 0: at least one model must have a positive weight`);
    return out;
  };
  const blend = complete(settings.blend ?? {}, byRole, 'blend');

  const named = (name: string): NamedModel => ({ name, model: models[name]! });
  const canTrend = (m: RecommenderModel) => m.capabilities.trending && typeof m.trending === 'function';
  let trendingName = settings.trendingModel;
  if (trendingName !== undefined && (!has(trendingName) || !canTrend(models[trendingName]!))) {
    fail('trendingModel', `trendingModel "${trendingName}" is not a model with that capability`, trendingName);
  }
  trendingName ??= names.find((n) => canTrend(models[n]!));
  if (trendingName === undefined && requireTrending) {
    fail('models', 'no model can answer trending and cold-start requests: add one with capabilities.trending (e.g. createPopularityModel())');
  }
  for (const name of settings.fill ?? []) if (!has(name)) fail('fill', `fill names unknown model "${name}" (models: ${names.join(', ')})`, name);
  const fill = (settings.fill ?? (trendingName === undefined ? [] : [trendingName])).map(named);

  const trending = trendingName === undefined ? undefined : named(trendingName);
  const learned = options.learnedRanking;
  if (learned !== undefined && (typeof learned.rank !== 'function' || typeof learned.observe !== 'function')) fail('learnedRanking', 'learnedRanking is not a learned ranking stage (createLearnedRanking())');
  learned?.attach(names);
  let embeddingModel = names.map((n) => models[n]!).find((m) => typeof m.embeddingOf === 'function');
  return {
    models,
    names,
    blend,
    settings,
    trending,
    fill,
    get embeddingModel() {
      return embeddingModel;
    },
    interactionWeights: { ...DEFAULT_INTERACTION_WEIGHTS, ...options.interactionWeights },
    learned,
    checkBlend: (weights, field) => complete(weights, zeros, field),
    replaceModel(name, model) {
      if (!has(name)) fail('name', `no model named "${name}" (models: ${names.join(', ')})`, name);
      if (embeddingModel === models[name]) embeddingModel = model;
      models[name] = model;
      for (const slot of [trending, ...fill]) if (slot?.name === name) slot.model = model;
    },
  };
}
