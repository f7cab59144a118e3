import type { ItemCatalog } from '../catalog/catalog';
import { TopK } from '../model/top-k';

/**
 * The newest active items of a catalogue, newest first: the pool of exploration, of new-item
 * bootstrapping and of the last fill of a list. Recomputed lazily when the catalogue changed.
 */
export class NewestItems {
  private list: Int32Array | undefined;
  /** How many items the list was asked to hold (it holds fewer when the catalogue had fewer). */
  private capacity = 0;
  private version = -1;

  constructor(private readonly catalog: ItemCatalog) {}

  /** The `limit` newest active items (fewer when the catalogue holds fewer). */
  take(limit: number): Int32Array {
    const { catalog } = this;
    if (this.version !== catalog.version) {
      this.list = this.list && this.merge(this.list, catalog.changedSince(this.version));
      this.version = catalog.version;
    }
    if (!this.list || (this.list.length < limit && this.capacity < limit)) {
      this.capacity = Math.max(limit, this.list?.length ?? 0);
      const top = new TopK(this.capacity);
      const { createdAt, active } = catalog;
      for (let i = 0; i < catalog.size; i++) if (active[i] === 1 && createdAt[i]! >= top.threshold) top.push(i, createdAt[i]!);
      this.list = top.drain().items;
    }
    return this.list.subarray(0, limit);
  }

  /**
   * The list after the catalogue changed `changed` items: each leaves the list and comes back at
   * its place if it is active and new enough. `undefined` (recompute) when the catalogue does not
   * remember every change, or when the list lost an item it cannot replace.
   */
  private merge(list: Int32Array, changed: Int32Array | undefined): Int32Array | undefined {
    if (!changed) return undefined;
    const { createdAt, active } = this.catalog;
    const touched = new Set(changed);
    const kept = Array.from(list).filter((i) => !touched.has(i));
    // A full list only takes items at least as new as its oldest; a list that holds the whole
    // catalogue takes every active item.
    const full = list.length >= this.capacity;
    // Times compared as the scan's heap holds them (float32), so that both give one order.
    const time = (i: number) => Math.fround(createdAt[i]!);
    const oldest = full && list.length > 0 ? time(list[list.length - 1]!) : Number.NEGATIVE_INFINITY;
    for (const i of touched) {
      if (active[i] !== 1 || time(i) < oldest) continue;
      // A tie with the oldest kept item: an untouched item of that time may come first.
      if (full && time(i) === oldest) return undefined;
      kept.push(i);
    }
    // Newest first, ties by index: the order a fresh scan gives.
    kept.sort((a, b) => time(b) - time(a) || a - b);
    if (full && kept.length < list.length) return undefined;
    return Int32Array.from(kept.slice(0, this.capacity));
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
