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
import type { NewItemBootstrap } from './new-items';
import { recommendQuerySchema, type RecommendQuery } from './options';
import { learningExploreShare } from './progressive';
import { rank } from './ranking';
import type { RecommendationList, RecommendationPhase, RecommenderOptions } from './types';
import { buildUserContext, type HistoryEntry, type UserContext } from './user-context';
import { loadProfile } from './users';

/** Hooks of the recommend stage that come from the engine's options. */
export interface RecommendHooks {
  blendFor: RecommenderOptions['blendFor'];
  /** The new-item stage, when `newItems` is on. */
  newItems: NewItemBootstrap | undefined;
}

/**
 * `recommend()`, top-down: the request and its cache entry → the user context → the plan of the
 * list (phase, exploration share) → the ranking shared with the replay evaluation (cold start,
 * or model sources → blend → business rules → diversity → fill) → new items and exploration
 * mixed in → the public list, cached.
 */
export async function recommend(core: EngineCore, hooks: RecommendHooks, input: RecommendQuery): Promise<RecommendationList> {
  const query = parseInput(recommendQuerySchema, input, 'recommendation query', ENGINE);
  const { catalog, config, cache, counters } = core;
  const { ranker, progressive } = config;
  assertTrained(core);
  await core.ensureCatalog();
  counters.recommendations++;

  // The request: its blend (an experiment's variant), its diversity, its cache entry.
  const hooked = hooks.blendFor?.(query.userId === undefined ? {} : { userId: query.userId });
  const weights = hooked === undefined ? ranker.blend : ranker.checkBlend(hooked, 'blendFor()');
  const diversity: DiversityPolicy | undefined = query.diversity === false ? undefined : (query.diversity ?? ranker.settings.diversity);
  const variant = fnv1a32(JSON.stringify([query.n, query.exclude, query.filters ?? null, query.session ?? null, hooked ?? null, diversity ?? null])).toString(36);
  const key: CacheKey =
    query.userId === undefined
      ? { family: 'reco', id: `anon:${core.modelsVersion}:${variant}` }
      : { family: 'reco', id: `${core.modelsVersion}:${variant}`, userId: query.userId };
  const canCache = query.useCache && query.now === undefined;
  if (canCache) {
    const hit = await cache.get<RecommendationList>(key);
    // A list cached before items were published or removed is recomputed: new items reach the
    // lists they belong in at once, removed ones leave them.
    if (hit && hit.generatedAt >= core.catalogueChangedAt && hit.items.every((r) => catalog.active[catalog.indexOf(r.itemId)] === 1)) return { ...hit, cached: true };
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
    if (progressive) {
      // Onboarding: preferred categories / popular / exploration, shares normalised.
      const { preferred, popular, explore: exploreShare } = progressive.onboarding;
      const nExplore = Math.round((query.n * exploreShare) / (preferred + popular + exploreShare));
      const preferredShare = preferred + popular > 0 ? preferred / (preferred + popular) : 0;
      const main = await rank(ranker, core, context, { n: query.n - nExplore, listLength: query.n, preferredShare, diversity: diversity ?? false });
      items = withExtras(main, explore(core.newest, progressive, nExplore, context.filter, itemsOf(main), seedKey), query.n);
    } else {
      items = await rank(ranker, core, context, { n: query.n, diversity: diversity ?? false });
    }
  } else {
    const learning = progressive !== undefined && count < progressive.learning.interactions;
    phase = learning ? 'learning' : 'personalized';
    const exploreShare = progressive ? (learning ? learningExploreShare(progressive, count) : progressive.mature.explore) : 0;
    const nExplore = Math.min(query.n - 1, Math.round(query.n * exploreShare));
    const nMain = query.n - nExplore;
    const extraSources = learning ? learningSources(core, context, weights, Math.max(ranker.settings.candidates, query.n)) : undefined;
    items = await rank(ranker, core, context, { n: nMain, listLength: query.n, weights, diversity: diversity ?? false, ...(extraSources ? { extraSources } : {}) });
    if (hooks.newItems) {
      // New items for the readers of similar ones, within their reach.
      const fresh = await hooks.newItems.candidates(now, new Set(context.positive), context.filter, itemsOf(items));
      items = withExtras(items.slice(0, Math.max(0, nMain - fresh.length)), fresh, nMain);
    }
    if (progressive) items = withExtras(items, explore(core.newest, progressive, nExplore, context.filter, itemsOf(items), seedKey), query.n);
  }

  const list: RecommendationList = {
    ...(query.userId === undefined ? {} : { userId: query.userId }),
    items: toRecommendations(catalog, items),
    phase,
    cached: false,
    generatedAt: now,
  };
  if (canCache) await cache.set(key, list, config.ttl.reco);
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
