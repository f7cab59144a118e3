import { createBreather } from '@mycontent/core/internal';
import type { InteractionDataset } from '@mycontent/core';

/** Typed arrays on `SharedArrayBuffer`s, so worker threads read and write them in place. */
export const shared = {
  f32: (n: number) => new Float32Array(new SharedArrayBuffer(4 * n)),
  f64: (n: number) => new Float64Array(new SharedArrayBuffer(8 * n)),
  i32: (n: number) => new Int32Array(new SharedArrayBuffer(4 * n)),
};

/** A sparse matrix in compressed-row form. */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * The user × item matrix of a dataset, with items re-indexed to the ones that occur ("compact"
 * items), duplicates summed, rows sorted by item, and its transpose. Arrays live on shared memory.
 */
export interface UserItemMatrix {
  /** users × compact items. */
  byUser: Csr;
  /** compact items × users. */
  byItem: Csr;
  /** Catalogue index of each compact item. */
  itemCatalog: Int32Array;
  /** Compact index of each catalogue index (-1 when the item has no interaction). */
  compactOf: Int32Array;
  /** User ids by user index (those of the dataset). */
  userIds: readonly string[];
}

/** What a cell holds: the summed positive signal weights, the last explicit rating, or 1. */
export type CellValue = 'weight' | 'rating' | 'binary';

export async function copyBreathing(target: Int32Array | Float32Array, source: Int32Array | Float32Array, breathe: () => Promise<void>): Promise<void> {
  const CHUNK = 1 << 20;
  for (let at = 0; at < source.length; at += CHUNK) {
    target.set(source.subarray(at, Math.min(source.length, at + CHUNK)), at);
    await breathe();
  }
}

async function transpose(m: Csr, breathe: () => Promise<void>): Promise<Csr> {
  const indptr = shared.i32(m.cols + 1);
  for (let k = 0; k < m.indices.length; k++) indptr[m.indices[k]! + 1]!++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1]! += indptr[c]!;
  await breathe();
  const fill = indptr.slice(0, m.cols);
  const indices = shared.i32(m.indices.length);
  const values = shared.f32(m.indices.length);
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) {
      const at = fill[m.indices[k]!]!++;
      indices[at] = r;
      values[at] = m.values[k]!;
    }
    if ((r & 4095) === 0) await breathe();
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, values };
}

/**
 * Builds the {@link UserItemMatrix} of a dataset. Rows with a non-positive weight (dislikes) are
 * left out; `rating` keeps the latest rating of a (user, item) pair. Yields to the event loop
 * every ~20 ms, so a host keeps answering while a large matrix is built.
 */
export async function buildUserItemMatrix(data: InteractionDataset, value: CellValue = 'weight'): Promise<UserItemMatrix> {
  const breathe = createBreather();
  const CHUNK = 1 << 18;
  const compactOf = new Int32Array(data.catalog.size).fill(-1);
  const itemList: number[] = [];
  const keep = (r: number) => (value === 'rating' ? !Number.isNaN(data.rating[r]!) : data.weight[r]! > 0);
  const kept = new Int32Array(data.length);
  let keptCount = 0;
  for (let r = 0; r < data.length; r++) {
    if ((r & (CHUNK - 1)) === 0) await breathe();
    if (!keep(r)) continue;
    kept[keptCount++] = r;
    const i = data.item[r]!;
    if (compactOf[i] === -1) {
      compactOf[i] = itemList.length;
      itemList.push(i);
    }
  }
  const users = data.users.length;
  const items = itemList.length;
  // Two stable counting sorts — by item, then by user — group the kept rows by user with items
  // ascending, in O(rows) without comparisons.
  await breathe();
  const byItemOrder = new Int32Array(keptCount);
  {
    const count = new Int32Array(items + 1);
    for (let k = 0; k < keptCount; k++) {
      count[compactOf[data.item[kept[k]!]!]! + 1]!++;
      if ((k & (CHUNK - 1)) === 0) await breathe();
    }
    for (let i = 0; i < items; i++) count[i + 1]! += count[i]!;
    for (let k = 0; k < keptCount; k++) {
      const r = kept[k]!;
      byItemOrder[count[compactOf[data.item[r]!]!]!++] = r;
      if ((k & (CHUNK - 1)) === 0) await breathe();
    }
  }
  const rowsOf = new Int32Array(keptCount);
  const start = new Int32Array(users + 1);
  for (let k = 0; k < keptCount; k++) {
    start[data.user[kept[k]!]! + 1]!++;
    if ((k & (CHUNK - 1)) === 0) await breathe();
  }
  for (let u = 0; u < users; u++) start[u + 1]! += start[u]!;
  {
    const fill = start.slice(0, users);
    for (let k = 0; k < keptCount; k++) {
      const r = byItemOrder[k]!;
      rowsOf[fill[data.user[r]!]!++] = r;
      if ((k & (CHUNK - 1)) === 0) await breathe();
    }
  }
  // Merge repeated (user, item) cells: sum the weights, or keep the latest rating.
  const indptr = shared.i32(users + 1);
  const cellItem = new Int32Array(keptCount);
  const cellValue = new Float32Array(keptCount);
  const cellTime = new Float64Array(keptCount);
  let cells = 0;
  for (let u = 0; u < users; u++) {
    let last = -1;
    for (let k = start[u]!; k < start[u + 1]!; k++) {
      const r = rowsOf[k]!;
      const c = compactOf[data.item[r]!]!;
      const v = value === 'weight' ? data.weight[r]! : value === 'rating' ? data.rating[r]! : 1;
      const t = data.timestamp[r]!;
      if (c === last) {
        if (value === 'weight') cellValue[cells - 1]! += v;
        else if (t >= cellTime[cells - 1]!) {
          cellValue[cells - 1] = v;
          cellTime[cells - 1] = t;
        }
      } else {
        cellItem[cells] = c;
        cellValue[cells] = v;
        cellTime[cells] = t;
        cells++;
        last = c;
      }
    }
    indptr[u + 1] = cells;
    if ((u & 4095) === 0) await breathe();
  }
  const cellCount = cells;
  const indices = shared.i32(cellCount);
  await copyBreathing(indices, cellItem.subarray(0, cellCount), breathe);
  const values = shared.f32(cellCount);
  await copyBreathing(values, cellValue.subarray(0, cellCount), breathe);
  const byUser: Csr = { rows: users, cols: items, indptr, indices, values };
  return { byUser, byItem: await transpose(byUser, breathe), itemCatalog: Int32Array.from(itemList), compactOf, userIds: data.users };
}
