import { ItemCatalog, datasetFromInteractions, type Interaction, type InteractionDataset } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';

/**
 * Two taste clusters: users a0..a{n-1} interact with 6 of the items A0..A9, users b* with 6 of
 * B0..B9 (seeded). Optional ratings: 5 in-cluster.
 */
export function twoClusters(options: { users?: number; rating?: boolean; seed?: number } = {}): { data: InteractionDataset; catalog: ItemCatalog } {
  const users = options.users ?? 20;
  const rng = createRandom(options.seed ?? 1);
  const catalog = new ItemCatalog();
  for (const side of ['A', 'B']) for (let i = 0; i < 10; i++) catalog.upsert({ id: `${side}${i}`, category: side, createdAt: 0 });
  const rows: Interaction[] = [];
  let t = Date.UTC(2024, 0, 1);
  for (const side of ['a', 'b']) {
    for (let u = 0; u < users; u++) {
      const picked = new Set<number>();
      while (picked.size < 6) picked.add(rng.int(10));
      for (const i of picked) {
        rows.push({
          userId: `${side}${u}`,
          itemId: `${side.toUpperCase()}${i}`,
          type: options.rating ? 'rating' : 'click',
          ...(options.rating ? { rating: 4 + rng.int(2) } : {}),
          timestamp: t++,
        });
      }
    }
  }
  return { data: datasetFromInteractions(rows, catalog), catalog };
}

export const ids = (catalog: ItemCatalog, items: Int32Array) => Array.from(items, (i) => catalog.idAt(i));

/** History of a trained user, as the engine would pass it. */
export function historyOf(data: InteractionDataset, userId: string): Int32Array {
  const u = data.userIndex.get(userId)!;
  const out: number[] = [];
  for (let r = 0; r < data.length; r++) if (data.user[r] === u) out.push(data.item[r]!);
  return Int32Array.from(out);
}
