import { expect } from 'vitest';
import { ItemCatalog, datasetFromInteractions, isMyContentError, type Interaction, type InteractionDataset, type RecommenderModel } from '@mycontent/core';
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

const SESSION_START = Date.UTC(2024, 0, 1);

/** Sessions as lists of item ids, one click a second, a minute apart. */
export function sessionWorld(lists: string[][]) {
  const catalog = new ItemCatalog();
  const rows: Interaction[] = [];
  lists.forEach((items, s) =>
    items.forEach((itemId, p) => {
      catalog.upsert({ id: itemId, category: 'news', createdAt: 0 });
      rows.push({ userId: `u${s % 50}`, itemId, type: 'click', sessionId: `s${s}`, timestamp: SESSION_START + s * 60_000 + p * 1000 });
    }),
  );
  return { catalog, data: datasetFromInteractions(rows, catalog) };
}

/**
 * What a model reading only the last click cannot learn: after X then A comes B, after Y then A
 * comes C (and the chain p0 → p1 → … → p7 besides, as segments).
 */
export function orderWorld() {
  const lists: string[][] = [];
  for (let r = 0; r < 60; r++) {
    lists.push(['x', 'a', 'b'], ['y', 'a', 'c']);
    const from = r % 5;
    lists.push(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].slice(from, from + 4));
  }
  return sessionWorld(lists);
}

/** A query of the session of these item ids, k = 3. */
export const sessionQuery = (catalog: ItemCatalog, ...items: string[]) => ({ history: new Int32Array(0), session: Int32Array.from(items, (id) => catalog.indexOf(id)), k: 3 });

/** Each `[field, value]` given alone to `create` throws INVALID_CONFIG naming that field. */
export function expectInvalidOptions(create: (options: Record<string, unknown>) => unknown, cases: readonly (readonly [string, unknown])[]): void {
  for (const [field, value] of cases) {
    let error: unknown;
    try {
      create({ [field]: value });
    } catch (caught) {
      error = caught;
    }
    expect(isMyContentError(error, 'INVALID_CONFIG'), field).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  }
}

/**
 * A session model trains in a worker thread: over 1,500 sessions for 2 epochs, the host's timers
 * keep firing and progress is reported per epoch; an abort at the first progress rejects the fit
 * with ABORTED and leaves the model untrained. `create` makes a model for 2 epochs.
 */
export async function expectTrainsInWorker(create: () => RecommenderModel): Promise<void> {
  const lists: string[][] = [];
  for (let s = 0; s < 1500; s++) lists.push(Array.from({ length: 6 }, (_, p) => `i${(s * 7 + p * 13) % 400}`));
  const { data } = sessionWorld(lists);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const progress: string[] = [];
  await create().fit(data, { onProgress: (p) => progress.push(p.phase) });
  clearInterval(timer);
  expect(progress).toContain('epoch 1');
  expect(progress).toContain('epoch 2');
  expect(progress.length).toBeGreaterThan(4);
  expect(ticks).toBeGreaterThan(progress.length);
  const controller = new AbortController();
  const fresh = create();
  const fitting = fresh.fit(data, { signal: controller.signal, onProgress: () => controller.abort() });
  await expect(fitting).rejects.toMatchObject({ code: 'ABORTED' });
  expect(fresh.trained).toBe(false);
}
