import type { ItemCatalog } from '../catalog/catalog';
import type { Recommendation } from '../domain/schemas';

/**
 * An item on its way through the ranking stages: its catalogue index, its score, the source
 * that contributes most to it, and each source's contribution. It becomes a public
 * `Recommendation` once, at the end of the pipeline.
 */
export interface Candidate {
  /** Catalogue index. */
  item: number;
  score: number;
  /** The source with the largest contribution (a model name, or e.g. `fallback:popular`). */
  source: string;
  /** Weighted, normalised contribution per source. */
  contributions: Record<string, number>;
  /** The chance the item was drawn, for items chosen at random (exploration). */
  propensity?: number;
  /** In an interleaved list, the ranker that placed the item. */
  team?: 'a' | 'b';
}

/** A candidate brought by one source alone. */
export function candidateOf(item: number, score: number, source: string): Candidate {
  return { item, score, source, contributions: { [source]: score } };
}

/** The public form of a ranked list: item ids, ranks from 1, categories. */
export function toRecommendations(catalog: ItemCatalog, list: readonly Candidate[]): Recommendation[] {
  return list.map((entry, i) => {
    const rec: Recommendation = {
      itemId: catalog.idAt(entry.item),
      score: entry.score,
      rank: i + 1,
      source: entry.source,
      contributions: entry.contributions,
    };
    const category = catalog.categoryOf(entry.item);
    if (category !== undefined) rec.category = category;
    if (entry.propensity !== undefined) rec.propensity = entry.propensity;
    if (entry.team !== undefined) rec.team = entry.team;
    return rec;
  });
}
