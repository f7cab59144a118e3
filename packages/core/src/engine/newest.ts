import type { ItemCatalog } from '../catalog/catalog';
import { TopK } from '../model/top-k';

/**
 * The newest active items of a catalogue, newest first: the pool of exploration, of new-item
 * bootstrapping and of the last fill of a list. Recomputed lazily when the catalogue changed.
 */
export class NewestItems {
  private list: Int32Array | undefined;
  private version = -1;

  constructor(private readonly catalog: ItemCatalog) {}

  /** The `limit` newest active items (fewer when the catalogue holds fewer). */
  take(limit: number): Int32Array {
    const { catalog } = this;
    if (this.version !== catalog.version) {
      this.list = undefined;
      this.version = catalog.version;
    }
    if (!this.list || (this.list.length < limit && this.list.length < catalog.size)) {
      const top = new TopK(Math.max(limit, this.list?.length ?? 0));
      const { createdAt, active } = catalog;
      for (let i = 0; i < catalog.size; i++) if (active[i] === 1 && createdAt[i]! >= top.threshold) top.push(i, createdAt[i]!);
      this.list = top.drain().items;
    }
    return this.list.subarray(0, limit);
  }

  /**
   * Up to `count` of the newest items passing `filter` and not `taken`: what completes a list
   * that models and popularity could not fill (e.g. a freshness filter leaves only items nobody
   * has clicked yet).
   */
  fill(count: number, filter: (item: number) => boolean, taken: ReadonlySet<number>): number[] {
    if (count <= 0) return [];
    const out: number[] = [];
    for (const item of this.take(Math.max(500, 4 * count))) {
      if (out.length >= count) break;
      if (!taken.has(item) && filter(item)) out.push(item);
    }
    return out;
  }
}
