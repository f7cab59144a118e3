import { idSchema, type ItemStats } from '../domain/schemas';
import { parseInput } from '../domain/validate';
import { NO_ITEMS, type ScoredItems } from '../model/contract';
import type { CacheKey } from '../ports/cache';
import { candidateOf, toRecommendations, type Candidate } from './candidate';
import { ENGINE } from './config';
import type { EngineCore } from './core';
import { assertTrained } from './models';
import { similarQuerySchema, trendingQuerySchema, type SimilarItemsOptions, type TrendingRequest } from './options';
import type { ItemDetails, RankedItem } from './types';

/** Candidates of one source's answer. */
function candidatesOf(result: ScoredItems, source: string): Candidate[] {
  return Array.from(result.items, (item, i) => candidateOf(item, result.scores[i]!, source));
}

/** Whether every item of a cached list is still in the catalogue (a removed one makes it stale). */
function allActive(core: EngineCore, list: readonly RankedItem[]): boolean {
  return list.every((r) => core.catalog.active[core.catalog.indexOf(r.itemId)] === 1);
}

/** `trending()`: what the trending model ranks first now, overall or in one category. */
export async function trending(core: EngineCore, input: TrendingRequest = {}): Promise<RankedItem[]> {
  const query = parseInput(trendingQuerySchema, input, 'trending query', ENGINE);
  assertTrained(core);
  await core.ensureCatalog();
  const { catalog, cache } = core;
  const key: CacheKey = { family: 'trending', id: `${core.modelsVersion}:${query.category ?? '*'}:${query.n}` };
  if (query.useCache) {
    const hit = await cache.get<RankedItem[]>(key);
    if (hit && allActive(core, hit)) return hit;
  }
  let result: ScoredItems = NO_ITEMS;
  const category = query.category === undefined ? undefined : catalog.categoryCode(query.category);
  if (category === undefined || category >= 0) {
    const active = catalog.active;
    result = core.config.ranker.trending!.model.trending!({ k: query.n, filter: (i) => active[i] === 1, ...(category === undefined ? {} : { category }) });
  }
  const items = toRecommendations(catalog, candidatesOf(result, 'trending'));
  // An empty list is not an answer worth keeping: the next interaction may fill it.
  if (query.useCache && items.length > 0) await cache.set(key, items, core.config.ttl.trending);
  return items;
}

/**
 * `similarItems()`: the configured similar-items model first, then every other model that can
 * answer (content models know items nobody clicked yet); an unknown item, or one without enough
 * neighbours, gets popular items of its category, then overall.
 */
export async function similarItems(core: EngineCore, itemId: string, input: SimilarItemsOptions = {}): Promise<RankedItem[]> {
  const id = parseInput(idSchema, itemId, 'item id', ENGINE);
  const query = parseInput(similarQuerySchema, input, 'similar-items options', ENGINE);
  assertTrained(core);
  await core.ensureCatalog();
  const { catalog, cache, config } = core;
  const { models } = config.ranker;
  const key: CacheKey = { family: 'similar', id: `${core.modelsVersion}:${id}:${query.n}:${query.sameCategory ? 1 : 0}` };
  if (query.useCache) {
    const hit = await cache.get<RankedItem[]>(key);
    if (hit && allActive(core, hit)) return hit;
  }
  const index = catalog.indexOf(id);
  const active = catalog.active;
  const categoryOf = catalog.category;
  const category = index >= 0 ? categoryOf[index]! : -1;
  const taken = new Set<number>();
  const open = (i: number) => i !== index && active[i] === 1 && (!query.sameCategory || categoryOf[i] === category) && !taken.has(i);
  const list: Candidate[] = [];
  const add = (more: readonly Candidate[], scale = 1) => {
    for (const c of more) {
      if (list.length >= query.n) break;
      list.push(scale === 1 ? c : { ...c, score: scale * c.score, contributions: { [c.source]: scale * c.score } });
      taken.add(c.item);
    }
  };
  for (const name of config.similarChain) {
    if (index < 0 || list.length >= query.n) break;
    add(candidatesOf(await models[name]!.similar!(index, query.n - list.length, open), name));
  }
  if (list.length < query.n) {
    // Popular items of its category, then overall, scored below every neighbour.
    const trendingModel = config.ranker.trending!.model;
    const fallback: Candidate[] = [];
    if (category >= 0) fallback.push(...candidatesOf(trendingModel.trending!({ category, k: query.n, filter: open }), 'fallback:category-popular'));
    for (const c of fallback) taken.add(c.item);
    if (!query.sameCategory) fallback.push(...candidatesOf(trendingModel.trending!({ k: query.n, filter: open }), 'fallback:popular'));
    add(fallback, 0.01);
  }
  const items = toRecommendations(catalog, list);
  if (query.useCache && items.length > 0) await cache.set(key, items, config.ttl.similar);
  return items;
}

/** `getItem()`: an item (as JSON: its embedding a plain array of numbers) and its statistics, or `undefined`. */
export async function getItem(core: EngineCore, itemId: string): Promise<ItemDetails | undefined> {
  const id = parseInput(idSchema, itemId, 'item id', ENGINE);
  const [item] = await core.store.items.get([id]);
  if (!item) return undefined;
  const [stats] = (await core.itemStats.getItemStats([id])) as [ItemStats];
  const { embedding, ...rest } = item;
  return { item: embedding === undefined ? rest : { ...rest, embedding: Array.from(embedding) }, stats };
}
