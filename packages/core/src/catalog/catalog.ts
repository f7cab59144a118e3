import type { Item } from '../domain/schemas';
import { growArray as grow } from '../typed-array/grow';

/** Changes the catalogue remembers for {@link ItemCatalog.changedSince}. */
const JOURNAL = 4096;

/** The fields of an item the catalog indexes. */
export type CatalogEntry = Pick<Item, 'id' | 'category' | 'publisher' | 'createdAt'>;

/**
 * The item catalogue as dense indices: every item id gets a stable integer index (0, 1, 2...)
 * that models use for their arrays, with its category, publisher and publication time held in
 * typed arrays so that filters run without touching the store. Indices are never reused: a
 * removed item keeps its index and is marked inactive.
 *
 * @example
 * ```ts
 * const catalog = new ItemCatalog();
 * const i = catalog.upsert({ id: 'a1', category: 'sport', createdAt: Date.now() });
 * catalog.categoryOf(i); // 'sport'
 * ```
 */
export class ItemCatalog {
  private readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly categoryNames: string[] = [];
  private readonly categoryIndex = new Map<string, number>();
  private readonly publisherNames: string[] = [];
  private readonly publisherIndex = new Map<string, number>();
  /** Category code per item (index into {@link categories}), -1 when unknown. */
  category: Int32Array = new Int32Array(0);
  /** Publisher code per item, -1 when unknown. */
  publisher: Int32Array = new Int32Array(0);
  /** Publication time per item (epoch ms), NaN when unknown. */
  createdAt: Float64Array = new Float64Array(0);
  /** 1 when the item is known to the store and not removed; 0 for ids only seen in interactions or removed. */
  active: Uint8Array = new Uint8Array(0);
  private changes = 0;
  /** The indices of the latest changes, by version (a ring of {@link JOURNAL} entries). */
  private readonly journal = new Int32Array(JOURNAL);

  /** Increases whenever an item is added, updated or removed: views derived from the catalogue compare it to know they are stale. */
  get version(): number {
    return this.changes;
  }

  /**
   * The indices changed since `version` (oldest first, possibly repeated), or `undefined` when
   * more changes happened than the catalogue remembers: then recompute from scratch.
   */
  changedSince(version: number): Int32Array | undefined {
    const count = this.changes - version;
    if (count < 0 || count > JOURNAL) return undefined;
    const out = new Int32Array(count);
    for (let v = version; v < this.changes; v++) out[v - version] = this.journal[v % JOURNAL]!;
    return out;
  }

  private changed(index: number): void {
    this.journal[this.changes % JOURNAL] = index;
    this.changes++;
  }

  /** Number of indices handed out. */
  get size(): number {
    return this.ids.length;
  }

  /** Category names, by code. */
  get categories(): readonly string[] {
    return this.categoryNames;
  }

  /** Index of `id`, or -1. */
  indexOf(id: string): number {
    return this.index.get(id) ?? -1;
  }

  /** Id at `index`. */
  idAt(index: number): string {
    const id = this.ids[index];
    if (id === undefined) throw new RangeError(`catalog index ${index} out of range 0..${this.ids.length - 1}`);
    return id;
  }

  /** Every id, by index. */
  idList(): readonly string[] {
    return this.ids;
  }

  /** Index of `id`, adding it (inactive, without metadata) when unknown. */
  ensure(id: string): number {
    const known = this.index.get(id);
    if (known !== undefined) return known;
    const i = this.ids.length;
    this.ids.push(id);
    this.index.set(id, i);
    const n = i + 1;
    this.category = grow(this.category, n);
    this.publisher = grow(this.publisher, n);
    this.createdAt = grow(this.createdAt, n);
    this.active = grow(this.active, n);
    this.category[i] = -1;
    this.publisher[i] = -1;
    this.createdAt[i] = Number.NaN;
    this.active[i] = 0;
    return i;
  }

  /** Adds or updates an item and returns its index. */
  upsert(item: CatalogEntry): number {
    const i = this.ensure(item.id);
    this.category[i] = item.category === undefined ? -1 : this.categoryCode(item.category, true);
    this.publisher[i] = item.publisher === undefined ? -1 : this.code(this.publisherNames, this.publisherIndex, item.publisher, true);
    this.createdAt[i] = item.createdAt;
    this.active[i] = 1;
    this.changed(i);
    return i;
  }

  /** Marks an item removed: it stays indexed (model arrays stay aligned) but no list shows it. */
  deactivate(id: string): void {
    const i = this.index.get(id);
    if (i !== undefined && this.active[i] === 1) {
      this.active[i] = 0;
      this.changed(i);
    }
  }

  /** Code of a category name; -1 when unknown (or a new code when `create`). */
  categoryCode(name: string, create = false): number {
    return this.code(this.categoryNames, this.categoryIndex, name, create);
  }

  /** Code of a publisher name; -1 when unknown. */
  publisherCode(name: string): number {
    return this.code(this.publisherNames, this.publisherIndex, name, false);
  }

  /** Category name of the item at `index`. */
  categoryOf(index: number): string | undefined {
    const code = this.category[index] ?? -1;
    return code < 0 ? undefined : this.categoryNames[code];
  }

  private code(names: string[], index: Map<string, number>, name: string, create: boolean): number {
    const known = index.get(name);
    if (known !== undefined) return known;
    if (!create) return -1;
    names.push(name);
    index.set(name, names.length - 1);
    return names.length - 1;
  }
}
