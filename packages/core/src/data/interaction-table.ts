import { ItemCatalog } from '../catalog/catalog';
import { INTERACTION_TYPES, type Interaction, type InteractionType } from '../domain/schemas';
import { DatasetBuilder, INTERACTION_TYPE_CODES, type InteractionDataset, type InteractionWeights } from '../model/dataset';
import { StringInterner } from './interner';

/**
 * Interactions loaded from a file, in columns: ids are interned in dictionaries and every row is a
 * few typed-array entries, so millions of rows fit comfortably in memory. Rows keep file order.
 */
export interface InteractionTable {
  readonly length: number;
  /** Distinct user ids; `user[row]` indexes it. */
  readonly users: readonly string[];
  /** Distinct item ids; `item[row]` indexes it. */
  readonly items: readonly string[];
  /** Distinct session ids; `session[row]` indexes it, -1 when none. */
  readonly sessions: readonly string[];
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly session: Int32Array;
  /** Epoch ms. */
  readonly timestamp: Float64Array;
  /** Index into {@link INTERACTION_TYPES}. */
  readonly type: Uint8Array;
  /** NaN when none. */
  readonly rating: Float32Array;
  /** Seconds, NaN when none. */
  readonly duration: Float32Array;
}

/** Row fields accepted by {@link InteractionTableBuilder.add}. */
export interface TableRow {
  userId: string;
  itemId: string;
  type: InteractionType;
  timestamp: number;
  sessionId?: string | undefined;
  rating?: number | undefined;
  duration?: number | undefined;
}


/** Builds an {@link InteractionTable} row by row with amortised growth. */
export class InteractionTableBuilder {
  private readonly usersDict = new StringInterner();
  private readonly itemsDict = new StringInterner();
  private readonly sessionsDict = new StringInterner();
  private n = 0;
  private cap: number;
  private cols: {
    user: Int32Array;
    item: Int32Array;
    session: Int32Array;
    timestamp: Float64Array;
    type: Uint8Array;
    rating: Float32Array;
    duration: Float32Array;
  };

  constructor(capacity = 1 << 16) {
    this.cap = Math.max(16, capacity);
    this.cols = {
      user: new Int32Array(this.cap),
      item: new Int32Array(this.cap),
      session: new Int32Array(this.cap),
      timestamp: new Float64Array(this.cap),
      type: new Uint8Array(this.cap),
      rating: new Float32Array(this.cap),
      duration: new Float32Array(this.cap),
    };
  }

  get length(): number {
    return this.n;
  }

  add(row: TableRow): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    const c = this.cols;
    c.user[i] = this.usersDict.code(row.userId);
    c.item[i] = this.itemsDict.code(row.itemId);
    c.session[i] = row.sessionId === undefined ? -1 : this.sessionsDict.code(row.sessionId);
    c.timestamp[i] = row.timestamp;
    c.type[i] = INTERACTION_TYPE_CODES[row.type];
    c.rating[i] = row.rating ?? Number.NaN;
    c.duration[i] = row.duration ?? Number.NaN;
  }

  build(): InteractionTable {
    const n = this.n;
    const c = this.cols;
    return {
      length: n,
      users: this.usersDict.values,
      items: this.itemsDict.values,
      sessions: this.sessionsDict.values,
      user: c.user.slice(0, n),
      item: c.item.slice(0, n),
      session: c.session.slice(0, n),
      timestamp: c.timestamp.slice(0, n),
      type: c.type.slice(0, n),
      rating: c.rating.slice(0, n),
      duration: c.duration.slice(0, n),
    };
  }

  private grow(): void {
    this.cap *= 2;
    const next = <T extends Int32Array | Float32Array | Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap);
      b.set(a);
      return b;
    };
    const c = this.cols;
    this.cols = {
      user: next(c.user),
      item: next(c.item),
      session: next(c.session),
      timestamp: next(c.timestamp),
      type: next(c.type),
      rating: next(c.rating),
      duration: next(c.duration),
    };
  }
}

/** Row `i` of a table as an {@link Interaction}. */
export function tableRow(table: InteractionTable, i: number): Interaction {
  const x: Interaction = {
    userId: table.users[table.user[i]!]!,
    itemId: table.items[table.item[i]!]!,
    type: INTERACTION_TYPES[table.type[i]!]!,
    timestamp: table.timestamp[i]!,
  };
  const s = table.session[i]!;
  if (s >= 0) x.sessionId = table.sessions[s]!;
  const r = table.rating[i]!;
  if (!Number.isNaN(r)) x.rating = r;
  const d = table.duration[i]!;
  if (!Number.isNaN(d)) x.duration = d;
  return x;
}

/**
 * The table's rows as {@link Interaction} objects in batches (for `ingestInteractions`), without
 * materialising every row at once.
 */
export function* tableBatches(table: InteractionTable, batchSize = 10_000, start = 0, end = table.length): Generator<Interaction[]> {
  for (let from = start; from < end; from += batchSize) {
    const to = Math.min(end, from + batchSize);
    const batch: Interaction[] = new Array(to - from);
    for (let i = from; i < to; i++) batch[i - from] = tableRow(table, i);
    yield batch;
  }
}

/**
 * One table holding the rows of `tables` in order (ids re-interned), e.g. a training file and the
 * stream that follows it: rows of the second table start at `tables[0].length`.
 */
export function concatTables(...tables: readonly InteractionTable[]): InteractionTable {
  const builder = new InteractionTableBuilder(tables.reduce((n, t) => n + t.length, 0));
  for (const table of tables) {
    for (let i = 0; i < table.length; i++) builder.add(tableRow(table, i));
  }
  return builder.build();
}

/**
 * A table of some rows of `table`, in the order given (ids re-interned): e.g. the training part of
 * a split, to split it again for validation.
 *
 * @example
 * ```ts
 * const split = splitRandomPerUser(table, { seed: 42 });
 * const training = selectTableRows(table, split.train); // tune on this only
 * ```
 */
export function selectTableRows(table: InteractionTable, rows: ArrayLike<number>): InteractionTable {
  const builder = new InteractionTableBuilder(rows.length);
  for (let k = 0; k < rows.length; k++) builder.add(tableRow(table, rows[k]!));
  return builder.build();
}

/**
 * Turns a table (or some of its rows) into a training dataset over `catalog`.
 *
 * @example
 * ```ts
 * const data = tableToDataset(table, new ItemCatalog());
 * await model.fit(data);
 * ```
 */
export function tableToDataset(
  table: InteractionTable,
  catalog: ItemCatalog = new ItemCatalog(),
  options: { rows?: Int32Array; weights?: InteractionWeights } = {},
): InteractionDataset {
  const rows = options.rows;
  const count = rows ? rows.length : table.length;
  const builder = new DatasetBuilder(catalog, options.weights, count);
  for (let k = 0; k < count; k++) builder.add(tableRow(table, rows ? rows[k]! : k));
  return builder.build();
}
