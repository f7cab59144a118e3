import { MyContentError, NO_ITEMS, TopK, type ItemCatalog, type ScoredItems } from '@mycontent/core';

/** Throws `INVALID_CONFIG` naming the option unless `ok`. */
export function checkOption(source: string, ok: boolean, field: string, value: unknown, why: string): void {
  if (!ok) throw new MyContentError('INVALID_CONFIG', `${field} ${why}, got ${JSON.stringify(value)}`, { source, field, value });
}

/** Scores items from a user vector against item factor rows (compact items). */
export interface FactorScorer {
  /** compact items × f, row-major. */
  readonly itemFactors: Float32Array;
  /** Compact index of a catalogue index, or -1. */
  compactOf(item: number): number;
  /** The best `k` items by dot product with `x`. */
  top(x: Float32Array, k: number, filter?: (item: number) => boolean): ScoredItems;
  /** Dot products with `x` for catalogue items (0 for items without factors). */
  score(x: Float32Array, items: Int32Array): Float32Array;
  /** The items whose factors have the highest cosine with the item's. */
  similar(item: number, k: number, filter?: (item: number) => boolean): ScoredItems;
  /** Item ids of the compact rows. */
  itemIds(): string[];
}

/**
 * Builds a {@link FactorScorer} over `itemFactors` (rows in compact order) whose row j is the
 * catalogue item `itemCatalog[j]`. The scan is one pass over a contiguous `Float32Array` with a
 * bounded heap; the filter runs only for items that would enter the heap.
 */
export function factorScorer(
  itemFactors: Float32Array,
  f: number,
  itemCatalog: Int32Array,
  catalogSize: number,
  catalog?: ItemCatalog,
): FactorScorer {
  const n = itemCatalog.length;
  const compact = new Int32Array(Math.max(catalogSize, n > 0 ? Math.max(...itemCatalog) + 1 : 0)).fill(-1);
  for (let j = 0; j < n; j++) compact[itemCatalog[j]!] = j;
  let norms: Float32Array | undefined;
  const heap = new TopK(16);
  const scorer: FactorScorer = {
    itemFactors,
    compactOf: (item) => (item >= 0 && item < compact.length ? compact[item]! : -1),
    top(x, k, filter) {
      if (k < 1 || n === 0) return NO_ITEMS;
      heap.reset(k);
      const Y = itemFactors;
      for (let j = 0; j < n; j++) {
        const o = j * f;
        let s = 0;
        for (let a = 0; a < f; a++) s += x[a]! * Y[o + a]!;
        if (s >= heap.threshold) {
          const item = itemCatalog[j]!;
          if (!filter || filter(item)) heap.push(item, s);
        }
      }
      return heap.drain();
    },
    score(x, items) {
      const out = new Float32Array(items.length);
      for (let i = 0; i < items.length; i++) {
        const j = scorer.compactOf(items[i]!);
        if (j < 0) continue;
        let s = 0;
        const o = j * f;
        for (let a = 0; a < f; a++) s += x[a]! * itemFactors[o + a]!;
        out[i] = s;
      }
      return out;
    },
    similar(item, k, filter) {
      const q = scorer.compactOf(item);
      if (q < 0 || k < 1) return NO_ITEMS;
      if (!norms) {
        norms = new Float32Array(n);
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let a = 0; a < f; a++) s += itemFactors[j * f + a]! ** 2;
          norms[j] = Math.sqrt(s) || 1;
        }
      }
      heap.reset(k);
      const qo = q * f;
      for (let j = 0; j < n; j++) {
        if (j === q) continue;
        let s = 0;
        const o = j * f;
        for (let a = 0; a < f; a++) s += itemFactors[qo + a]! * itemFactors[o + a]!;
        s /= norms[q]! * norms[j]!;
        if (s >= heap.threshold) {
          const other = itemCatalog[j]!;
          if (!filter || filter(other)) heap.push(other, s);
        }
      }
      return heap.drain();
    },
    itemIds() {
      const ids = catalog;
      if (!ids) throw new MyContentError('UNSUPPORTED', 'item ids need the catalogue', { source: 'factors' });
      return Array.from(itemCatalog, (i) => ids.idAt(i));
    },
  };
  return scorer;
}
