import { randomUUID } from 'node:crypto';
import { parseInput } from '../domain/validate';
import type { Interaction } from '../domain/schemas';
import { fnv1a32 } from '../hash/fnv';
import { interactionWeight } from '../model/dataset';
import type { CacheKey } from '../ports/cache';
import type { BlendSource } from './blend';
import { toRecommendations, type Candidate } from './candidate';
import { ENGINE } from './config';
import type { EngineCore } from './core';
import type { DiversityPolicy } from './diversity';
import { explore, itemsOf, withExtras } from './exploration';
import { assertTrained } from './models';
import type { ItemCatalog } from '../catalog/catalog';
import type { NewItemBootstrap } from './new-items';
import { recommendQuerySchema, type RecommendQuery } from './options';
import { learningExploreShare, progressiveSchema } from './progressive';
import { rank, type RankingRequest } from './ranking';
import { rankInterleaved } from './interleaved-ranking';
import type { RecommendationList, RecommendationPhase, RecommenderOptions } from './types';
import { buildUserContext, type HistoryEntry, type UserContext } from './user-context';
import { loadProfile } from './users';
import { NO_VARIANTS, type EngineExperiments, type ServedVariant } from './variants';
import type { ListExposure } from '../experiments/exposures';
import type { ExposurePublisher } from './exposure-publisher';
import type { ImpressionCounter } from './impressions';

/** How exploration draws when a variant explores and progressive profiling is off. */
const DEFAULT_EXPLORATION = progressiveSchema.parse({});

/** Hooks of the recommend stage that come from the engine's options. */
export interface RecommendHooks {
  blendFor: RecommenderOptions['blendFor'];
  /** The new-item stage, when `newItems` is on. */
  newItems: NewItemBootstrap | undefined;
  /** The host's experiments, when given. */
  experiments: EngineExperiments | undefined;
  /** Where served lists are logged, when given. */
  exposures: ExposurePublisher | undefined;
  /** Impressions of served items, with `countImpressions`. */
  impressions: ImpressionCounter | undefined;
}

/**
 * `recommend()`, top-down: the request, its experiments' variants and its cache entry → the user
 * context → the plan of the list (phase, exploration share) → the ranking shared with the replay
 * evaluation (cold start, or model sources → blend → business rules → diversity → fill) → new
 * items and exploration mixed in → the public list, cached → its id, and its exposure logged.
 */
export async function recommend(core: EngineCore, hooks: RecommendHooks, input: RecommendQuery): Promise<RecommendationList> {
  const query = parseInput(recommendQuerySchema, input, 'recommendation query', ENGINE);
  const { catalog, config, cache, counters } = core;
  const { ranker, progressive } = config;
  assertTrained(core);
  await core.ensureCatalog();
  counters.recommendations++;

  // The request: its experiments' variants, its blend, its diversity, its cache entry.
  const variants = hooks.experiments && query.userId !== undefined ? await hooks.experiments.forUser(query.userId) : NO_VARIANTS;
  const { settings } = variants;
  const hooked = hooks.blendFor?.(query.userId === undefined ? {} : { userId: query.userId });
  const weights = hooked === undefined ? (settings.weights ?? ranker.blend) : ranker.checkBlend(hooked, 'blendFor()');
  const requested = query.diversity ?? settings.diversity;
  const diversity: DiversityPolicy | undefined = requested === false ? undefined : (requested ?? ranker.settings.diversity);
  const exploration = settings.explore === undefined ? progressive : { ...(progressive ?? DEFAULT_EXPLORATION), mature: { explore: settings.explore } };
  const onboarding = settings.coldStart ?? progressive?.onboarding;
  const variant = fnv1a32(
    JSON.stringify([query.n, query.exclude, query.filters ?? null, query.session ?? null, hooked ?? settings.weights ?? null, diversity ?? null, settings.explore ?? null, settings.coldStart ?? null, settings.interleave ?? null]),
  ).toString(36);
  const key: CacheKey =
    query.userId === undefined
      ? { family: 'reco', id: `anon:${core.modelsVersion}:${variant}` }
      : { family: 'reco', id: `${core.modelsVersion}:${variant}`, userId: query.userId };
  const canCache = query.useCache && query.now === undefined;
  if (canCache) {
    // A list cached before items were published or removed is recomputed: new items reach the
    // lists they belong in at once, removed ones leave them.
    const usable = (hit: RecommendationList | undefined): hit is RecommendationList =>
      hit !== undefined && hit.generatedAt >= core.catalogueChangedAt && hit.items.every((r) => catalog.active[catalog.indexOf(r.itemId)] === 1);
    const hit = await cache.get<RecommendationList>(key);
    if (usable(hit)) return serve(core, hooks, { ...hit, cached: true }, variants.served);
    // After a switch to loaded versions, the previous versions' list serves until it expires (onModelSwitch).
    const previous = core.previousModelsVersion;
    if (previous !== undefined && core.clock() < core.previousModelsUntil) {
      const earlier = await cache.get<RecommendationList>({ ...key, id: key.id.replace(core.modelsVersion, previous) });
      if (usable(earlier)) return serve(core, hooks, { ...earlier, cached: true }, variants.served);
    }
  }

  // The user context: history, profile, session, exclusions and filters.
  const now = query.now ?? core.clock();
  const [stored, profile] =
    query.userId === undefined
      ? [[] as Interaction[], undefined]
      : await Promise.all([
          ranker.settings.seenWindow > 0 ? core.store.interactions.ofUser(query.userId, { limit: ranker.settings.seenWindow }) : [],
          loadProfile(core, query.userId),
        ]);
  const history: HistoryEntry[] = [];
  for (let i = stored.length - 1; i >= 0; i--) {
    const x = stored[i]!;
    history.push({ item: catalog.ensure(x.itemId), weight: interactionWeight(x, ranker.interactionWeights), timestamp: x.timestamp, sessionId: x.sessionId });
  }
  const context = buildUserContext(catalog, ranker, {
    userId: query.userId,
    now,
    profile,
    history,
    session: query.session?.map((id) => catalog.indexOf(id)),
    exclude: query.exclude.map((id) => catalog.indexOf(id)),
    heldBack: hooks.newItems ? await hooks.newItems.heldBack(now) : undefined,
    filters: query.filters,
  });

  // The plan: phase and exploration share.
  const count = context.interactionCount;
  const seedKey = `${query.userId ?? (query.session ?? []).join(',')}:${count}:${core.modelsVersion}`;
  let phase: RecommendationPhase;
  let items: Candidate[];
  if (context.positive.length === 0) {
    phase = 'cold-start';
    counters.coldStarts++;
    if (onboarding) {
      // Onboarding: preferred categories / popular / exploration, shares normalised.
      const { preferred, popular, explore: exploreShare } = onboarding;
      const nExplore = Math.round((query.n * exploreShare) / (preferred + popular + exploreShare));
      const preferredShare = preferred + popular > 0 ? preferred / (preferred + popular) : 0;
      const main = await rank(ranker, core, context, { n: query.n - nExplore, listLength: query.n, preferredShare, diversity: diversity ?? false });
      items = withExtras(main, explore(core.newest, progressive ?? DEFAULT_EXPLORATION, nExplore, context.filter, itemsOf(main), seedKey), query.n);
    } else {
      items = await rank(ranker, core, context, { n: query.n, diversity: diversity ?? false });
    }
  } else {
    const learning = progressive !== undefined && count < progressive.learning.interactions;
    phase = learning ? 'learning' : 'personalized';
    const exploreShare = exploration ? (learning ? learningExploreShare(exploration, count) : exploration.mature.explore) : 0;
    const nExplore = Math.min(query.n - 1, Math.round(query.n * exploreShare));
    const nMain = query.n - nExplore;
    const extraSources = learning ? learningSources(core, context, weights, Math.max(ranker.settings.candidates, query.n)) : undefined;
    const request: RankingRequest = { n: nMain, listLength: query.n, weights, diversity: diversity ?? false, ...(extraSources ? { extraSources } : {}) };
    items = settings.interleave ? await rankInterleaved(ranker, core, context, request, settings.interleave, seedKey) : await rank(ranker, core, context, request);
    if (hooks.newItems) {
      // New items for the readers of similar ones (or of their section), within their reach.
      const fresh = await hooks.newItems.candidates(now, new Set(context.positive), sectionsOf(catalog, context), context.filter, itemsOf(items));
      items = withExtras(items.slice(0, Math.max(0, nMain - fresh.length)), fresh, nMain);
    }
    if (exploration) items = withExtras(items, explore(core.newest, exploration, nExplore, context.filter, itemsOf(items), seedKey), query.n);
  }

  const list: RecommendationList = {
    id: '',
    ...(query.userId === undefined ? {} : { userId: query.userId }),
    items: toRecommendations(catalog, items),
    phase,
    cached: false,
    generatedAt: now,
  };
  if (canCache) await cache.set(key, list, config.ttl.reco);
  return serve(core, hooks, list, variants.served);
}

/**
 * The list as served: a fresh id (each serving is one exposure, cached or not), the experiments
 * and variants it was served under, and its exposure logged when an exposure log is set.
 */
async function serve(core: EngineCore, hooks: RecommendHooks, computed: RecommendationList, served: ServedVariant[]): Promise<RecommendationList> {
  const list: RecommendationList = { ...computed, id: randomUUID() };
  if (served.length > 0) list.experiments = served;
  else delete list.experiments;
  hooks.impressions?.count(list.items.map((r) => r.itemId));
  if (hooks.exposures) {
    const exposure: ListExposure = {
      id: list.id,
      ...(list.userId === undefined ? {} : { userId: list.userId }),
      servedAt: core.clock(),
      experiments: served,
      items: list.items.map((r) => r.itemId),
      sources: list.items.map((r) => r.source),
      propensities: list.items.map((r) => r.propensity ?? 1),
      ...(list.items.some((r) => r.team !== undefined) ? { teams: list.items.map((r) => r.team ?? null) } : {}),
      phase: list.phase,
      cached: list.cached,
    };
    await hooks.exposures.publish(exposure);
  }
  return list;
}

/**
 * The learning phase's extra sources: what is popular in the user's strongest categories
 * (declared and learned) weighs as much as the models at first, and fades as interactions
 * accumulate.
 */
function learningSources(core: EngineCore, context: UserContext, weights: Readonly<Record<string, number>>, k: number): BlendSource[] {
  const { profile } = context;
  const progressive = core.config.progressive!;
  if (!profile) return [];
  const { catalog } = core;
  const strongest = Object.entries(profile.categoryAffinity)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([c]) => c);
  const categories = [...new Set([...profile.preferences.categories, ...strongest])].map((c) => catalog.categoryCode(c)).filter((c) => c >= 0);
  const total = core.config.ranker.names.reduce((sum, name) => sum + (weights[name]! > 0 ? weights[name]! : 0), 0);
  const weight = (total * (1 - context.interactionCount / progressive.learning.interactions)) / Math.max(1, categories.length);
  const trending = core.config.ranker.trending!.model;
  return categories.map((category) => ({ name: 'learning:affinity', weight, result: trending.trending!({ category, k, filter: context.filter, now: context.now }) }));
}

/** The category codes a user reads: those of their positive history and those they declared. */
function sectionsOf(catalog: ItemCatalog, context: UserContext): Set<number> {
  const codes = new Set<number>();
  for (const item of context.positive) if (catalog.category[item]! >= 0) codes.add(catalog.category[item]!);
  for (const name of context.profile?.preferences.categories ?? []) {
    const code = catalog.categoryCode(name);
    if (code >= 0) codes.add(code);
  }
  return codes;
}
