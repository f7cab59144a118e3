import type { ItemCatalog } from '../catalog/catalog';
import type { RecommendFilters } from './options';

/**
 * The candidate filter of one request: active items, not excluded, matching the business
 * filters (categories, excluded categories, publishers, maximum age at `now`). Codes are looked
 * up once; the returned function runs on typed arrays only.
 */
export function buildFilter(catalog: ItemCatalog, excluded: ReadonlySet<number>, filters: RecommendFilters | undefined, now: number): (item: number) => boolean {
  const active = catalog.active;
  const categoryOf = catalog.category;
  const codes = (names: readonly string[]) => {
    const mask = new Uint8Array(catalog.categories.length + 1);
    for (const c of names) {
      const code = catalog.categoryCode(c);
      if (code >= 0) mask[code] = 1;
    }
    return mask;
  };
  const allowed = filters?.categories ? codes(filters.categories) : undefined;
  const banned = filters?.excludeCategories ? codes(filters.excludeCategories) : undefined;
  const publishers = filters?.publishers ? new Set(filters.publishers.map((p) => catalog.publisherCode(p)).filter((c) => c >= 0)) : undefined;
  const minCreated = filters?.maxAgeMs === undefined ? undefined : now - filters.maxAgeMs;
  const createdAt = catalog.createdAt;
  const publisherOf = catalog.publisher;
  return (i: number) => {
    if (excluded.has(i)) return false;
    if (active[i] !== 1) return false;
    const c = categoryOf[i]!;
    if (allowed && (c < 0 || allowed[c] !== 1)) return false;
    if (banned && c >= 0 && banned[c] === 1) return false;
    if (publishers && !publishers.has(publisherOf[i]!)) return false;
    if (minCreated !== undefined && !(createdAt[i]! >= minCreated)) return false;
    return true;
  };
}
