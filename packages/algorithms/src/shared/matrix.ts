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

function transpose(m: Csr): Csr {
  const indptr = shared.i32(m.cols + 1);
  for (let k = 0; k < m.indices.length; k++) indptr[m.indices[k]! + 1]!++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1]! += indptr[c]!;
  const fill = indptr.slice(0, m.cols);
  const indices = shared.i32(m.indices.length);
  const values = shared.f32(m.indices.length);
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) {
      const at = fill[m.indices[k]!]!++;
      indices[at] = r;
      values[at] = m.values[k]!;
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, values };
}

/**
 * Builds the {@link UserItemMatrix} of a dataset. Rows with a non-positive weight (dislikes) are
 * left out; `rating` keeps the latest rating of a (user, item) pair.
 */
export function buildUserItemMatrix(data: InteractionDataset, value: CellValue = 'weight'): UserItemMatrix {
  const compactOf = new Int32Array(data.catalog.size).fill(-1);
  const itemList: number[] = [];
  const keep = (r: number) => (value === 'rating' ? !Number.isNaN(data.rating[r]!) : data.weight[r]! > 0);
  for (let r = 0; r < data.length; r++) {
    if (!keep(r)) continue;
    const i = data.item[r]!;
    if (compactOf[i] === -1) {
      compactOf[i] = itemList.length;
      itemList.push(i);
    }
  }
  const users = data.users.length;
  const items = itemList.length;
  // Count rows per user, bucket, then sort and merge each user's cells.
  const start = new Int32Array(users + 1);
  for (let r = 0; r < data.length; r++) if (keep(r)) start[data.user[r]! + 1]!++;
  for (let u = 0; u < users; u++) start[u + 1]! += start[u]!;
  const fill = start.slice(0, users);
  const rowsOf = new Int32Array(start[users]!);
  for (let r = 0; r < data.length; r++) if (keep(r)) rowsOf[fill[data.user[r]!]!++] = r;
  const indptr = shared.i32(users + 1);
  const cellItem: number[] = [];
  const cellValue: number[] = [];
  const scratch: number[] = [];
  for (let u = 0; u < users; u++) {
    scratch.length = 0;
    for (let k = start[u]!; k < start[u + 1]!; k++) scratch.push(rowsOf[k]!);
    scratch.sort((a, b) => compactOf[data.item[a]!]! - compactOf[data.item[b]!]! || data.timestamp[a]! - data.timestamp[b]! || a - b);
    let last = -1;
    for (const r of scratch) {
      const c = compactOf[data.item[r]!]!;
      const v = value === 'weight' ? data.weight[r]! : value === 'rating' ? data.rating[r]! : 1;
      if (c === last) {
        const at = cellValue.length - 1;
        cellValue[at] = value === 'weight' ? cellValue[at]! + v : v;
      } else {
        cellItem.push(c);
        cellValue.push(v);
        last = c;
      }
    }
    indptr[u + 1] = cellItem.length;
  }
  const indices = shared.i32(cellItem.length);
  indices.set(cellItem);
  const values = shared.f32(cellValue.length);
  values.set(cellValue);
  const byUser: Csr = { rows: users, cols: items, indptr, indices, values };
  return { byUser, byItem: transpose(byUser), itemCatalog: Int32Array.from(itemList), compactOf, userIds: data.users };
}
