import type { ItemCatalog } from '../catalog/catalog';
import { blendSources, type BlendSource } from './blend';
import { candidateOf, type Candidate } from './candidate';
import { diversify, type DiversityPolicy } from './diversity';
import type { NewestItems } from './newest';
import type { Ranker } from './ranker';
import { modelQueryOf, type UserContext } from './user-context';

/** What one ranking is asked beyond the user context. */
export interface RankingRequest {
  /** Items to rank. */
  n: number;
  /** The length of the whole list the caller serves (models are asked for at least this many). @default n */
  listLength?: number;
  /** The blend of this request. @default the ranker's */
  weights?: Readonly<Record<string, number>>;
  /** Diversity of this request; `false` for none. @default the ranker's */
  diversity?: DiversityPolicy | false;
  /** Candidate sources blended after the models' (the engine's learning phase adds category popularity). */
  extraSources?: readonly BlendSource[];
  /** Share of a cold-start list from the user's preferred categories. @default the ranker's `preferredShare` */
  preferredShare?: number;
}

/** Where a ranking runs: the catalogue and its newest items. */
export interface RankingScope {
  catalog: ItemCatalog;
  newest: NewestItems;
}

/**
 * The one ranking path, shared by the engine and the replay evaluation. A user with no positive
 * history gets the cold-start list; the others get, top-down:
 *
 * 1. **candidate sources** — every model with a positive weight, asked for `candidates` items
 *    with the user's history and session, plus the request's extra sources;
 * 2. **blend** — scores normalised per source, weighted and summed per item; with a learned
 *    ranking stage, every blended candidate is then scored by the learned model of its features;
 * 3. **business rules** — freshness re-weighting by item age;
 * 4. **diversity** — maximal marginal relevance over a pool of the best candidates;
 * 5. **fill** — short lists completed from the fill models, then the newest items.
 */
export async function rank(ranker: Ranker, scope: RankingScope, context: UserContext, request: RankingRequest): Promise<Candidate[]> {
  const { n } = request;
  const { settings } = ranker;
  const diversity = request.diversity === false ? undefined : (request.diversity ?? settings.diversity);
  if (context.positive.length === 0) {
    // Cold start, diversified too when asked (from a larger pool of its candidates).
    const share = request.preferredShare ?? settings.preferredShare;
    if (!diversity) return coldStart(ranker, scope, context, n, share);
    return diversify(scope.catalog, ranker.embeddingModel, coldStart(ranker, scope, context, Math.max(n, diversity.pool ?? 3 * n), share), n, diversity);
  }

  // 1. Candidate sources. A lone source with no later stage to choose among its candidates is
  // asked for the list alone: its own order is the blend's.
  const weights = request.weights ?? ranker.blend;
  const active = ranker.names.filter((name) => weights[name]! > 0);
  const freshness = settings.freshness;
  const learned = ranker.learned;
  const alone = active.length + (request.extraSources?.length ?? 0) === 1 && !diversity && !freshness && !learned;
  const k = alone ? (request.listLength ?? n) : Math.max(settings.candidates, request.listLength ?? n);
  const query = modelQueryOf(context, k, settings.historyLength);
  const results = await Promise.all(active.map((name) => ranker.models[name]!.recommend(query)));
  const sources: BlendSource[] = active.map((name, i) => ({ name, weight: weights[name]!, result: results[i]! }));
  if (request.extraSources) sources.push(...request.extraSources);

  // 2. Blend (a larger pool when later stages choose among the candidates), or rank every
  // blended candidate by the learned model of its features.
  const pool = diversity || freshness ? Math.max(n, diversity?.pool ?? 3 * n) : n;
  let list = learned
    ? learned
        .rank(blendSources(sources, Number.POSITIVE_INFINITY, settings.blendNormalization), sources, {
          key: context.sessionId ?? context.userId,
          now: context.now,
          sessionLength: context.session.length,
          session: context.session,
          positive: context.positive,
          catalog: scope.catalog,
        })
        .slice(0, pool)
    : blendSources(sources, pool, settings.blendNormalization);

  // 3. Business rules: favour fresh items.
  if (freshness) list = favourFresh(scope.catalog, list, context.now, freshness, diversity ? list.length : n);

  // 4. Diversity.
  if (diversity) list = diversify(scope.catalog, ranker.embeddingModel, list, n, diversity);

  // 5. Fill.
  if (list.length < n) await fill(ranker, scope, context, list, n);
  return list;
}

/**
 * Cold start: a share of the list from what is trending in the user's preferred categories,
 * the rest from what is trending overall, then the newest items. Scores decrease with rank:
 * preferred items in [0.5, 1], the others in (0, 0.5], each relative to its list's best.
 */
export function coldStart(ranker: Ranker, scope: RankingScope, context: UserContext, n: number, preferredShare: number): Candidate[] {
  const { catalog, newest } = scope;
  const trending = ranker.trending?.model;
  const { filter, now } = context;
  const preferred = (context.profile?.preferences.categories ?? []).map((c) => catalog.categoryCode(c)).filter((c) => c >= 0);
  const out: Candidate[] = [];
  const taken = new Set<number>();
  const push = (item: number, score: number, source: string) => {
    taken.add(item);
    out.push(candidateOf(item, score, source));
  };
  if (trending && preferred.length > 0) {
    const quota = Math.round(n * preferredShare);
    const merged = blendSources(
      preferred.map((category, i) => ({ name: String(i), weight: 1, result: trending.trending!({ category, k: quota, filter, now }) })),
      quota,
    );
    const best = merged[0]?.score ?? 1;
    for (const entry of merged) push(entry.item, 0.5 + (0.5 * entry.score) / best, 'cold-start:preferred');
  }
  if (trending) {
    const rest = trending.trending!({ k: n - out.length, filter: (i) => !taken.has(i) && filter(i), now });
    const best = rest.scores[0] || 1;
    for (let i = 0; i < rest.items.length; i++) push(rest.items[i]!, (0.5 * rest.scores[i]!) / best, 'cold-start:popular');
  }
  for (const item of newest.fill(n - out.length, filter, taken)) push(item, 0, 'fallback:fresh');
  return out;
}

/** Rescales blended scores by item age (see the `freshness` option) and keeps the best `n`. */
function favourFresh(catalog: ItemCatalog, list: Candidate[], now: number, freshness: { halfLifeMs: number; weight: number }, n: number): Candidate[] {
  const created = catalog.createdAt;
  for (const entry of list) {
    const at = created[entry.item]!;
    if (at > 0) entry.score *= 1 - freshness.weight + freshness.weight * Math.pow(2, -Math.max(0, now - at) / freshness.halfLifeMs);
  }
  return list.sort((a, b) => b.score - a.score || a.item - b.item).slice(0, n);
}

/**
 * The fill stage: popular items from each fill model in turn (scores below every blended one,
 * source `fallback:popular`), then the newest items (`fallback:fresh`).
 */
async function fill(ranker: Ranker, scope: RankingScope, context: UserContext, list: Candidate[], n: number): Promise<void> {
  const taken = new Set(list.map((c) => c.item));
  const { filter, now } = context;
  const open = (i: number) => !taken.has(i) && filter(i);
  for (const { model } of ranker.fill) {
    if (list.length >= n) return;
    const k = n - list.length;
    const more = model.capabilities.trending && model.trending ? model.trending({ k, filter: open, now }) : await model.recommend({ ...modelQueryOf(context, k, ranker.settings.historyLength), filter: open });
    for (let i = 0; i < more.items.length; i++) {
      list.push(candidateOf(more.items[i]!, (0.01 * more.scores[i]!) / (more.scores[0]! || 1), 'fallback:popular'));
      taken.add(more.items[i]!);
    }
  }
  for (const item of scope.newest.fill(n - list.length, filter, taken)) list.push(candidateOf(item, 0, 'fallback:fresh'));
}
