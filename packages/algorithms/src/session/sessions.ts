import { type InteractionDataset, type ItemCatalog, type ObservedInteraction, type ScoredItems } from '@mycontent/core';
import { TopK, growArray, yieldToEventLoop, type SessionTracker } from '@mycontent/core/internal';
import { throwIfAborted } from '../shared/abort';

/**
 * Replays a dataset's positive interactions in time order as observed interactions (rows of one
 * session grouped under its id; rows without a session grouped by user), yielding to the event
 * loop now and then. Session models fit by learning from this replay, so batch training and
 * online learning are one code path.
 */
export async function replayDataset(
  data: InteractionDataset,
  observe: (event: ObservedInteraction) => void,
  options: { source: string; signal?: AbortSignal | undefined; onProgress?: ((done: number, total: number) => void) | undefined },
): Promise<void> {
  const rows: number[] = [];
  for (let r = 0; r < data.length; r++) if (data.weight[r]! > 0) rows.push(r);
  const order = Int32Array.from(rows);
  const ts = data.timestamp;
  let sorted = true;
  for (let k = 1; k < order.length && sorted; k++) sorted = ts[order[k]!]! >= ts[order[k - 1]!]!;
  if (!sorted) order.sort((a, b) => ts[a]! - ts[b]! || a - b);
  let lastYield = performance.now();
  for (let k = 0; k < order.length; k++) {
    const r = order[k]!;
    const s = data.session[r]!;
    observe({
      userId: data.users[data.user[r]!]!,
      item: data.item[r]!,
      weight: data.weight[r]!,
      timestamp: ts[r]!,
      ...(s >= 0 ? { sessionId: data.sessions?.[s] ?? `#${s}` } : {}),
    });
    if ((k & 0x3fff) === 0x3fff && performance.now() - lastYield > 20) {
      await yieldToEventLoop(); // keep the host's event loop free
      lastYield = performance.now();
      throwIfAborted(options.signal, options.source);
      options.onProgress?.(k, order.length);
    }
  }
  options.onProgress?.(order.length, order.length);
}

/**
 * What a session-tracking model holds about one user, for a data export: their open sessions as
 * article ids, oldest click first, or `undefined` when none is open.
 */
export function openSessionsData(sessions: SessionTracker, userId: string, catalog: ItemCatalog | undefined): { openSessions: string[][] } | undefined {
  const open = sessions.openOf(userId);
  return open.length === 0 ? undefined : { openSessions: open.map((items) => items.map((item) => catalog?.idAt(item) ?? String(item))) };
}

/** The session a query asks about: `query.session`, else the last `max` items of its history. */
export function querySession(query: { session?: Int32Array; history: Int32Array }, max: number): Int32Array {
  const items = query.session ?? query.history;
  return items.length > max ? items.subarray(items.length - max) : items;
}

/**
 * Scratch for models that accumulate scores item by item: a dense accumulator and the list of
 * items it touched, drained into a top-k or into scores of given candidates (and cleared).
 */
export class ScoreAccumulator {
  private acc = new Float32Array(0);
  private touched = new Int32Array(0);
  private count = 0;
  private readonly heap = new TopK(16);

  /** Starts a new accumulation over items below `size`. */
  reset(size: number): void {
    if (this.acc.length < size) {
      this.acc = growArray(this.acc, size, 0, 1024);
      this.touched = growArray(this.touched, this.acc.length, 0, 1024);
    }
    this.count = 0;
  }

  /** Adds `value` to `item`'s score (growing when the catalogue did). */
  add(item: number, value: number): void {
    if (item >= this.acc.length) {
      this.acc = growArray(this.acc, item + 1, 0, 1024);
      this.touched = growArray(this.touched, this.acc.length, 0, 1024);
    }
    if (this.acc[item] === 0) this.touched[this.count++] = item;
    this.acc[item]! += value;
  }

  /** The best `k` touched items the filter accepts, best first; clears the accumulator. */
  top(k: number, filter: ((item: number) => boolean) | undefined): ScoredItems {
    const { acc, touched, heap } = this;
    heap.reset(k);
    for (let t = 0; t < this.count; t++) {
      const item = touched[t]!;
      const score = acc[item]!;
      acc[item] = 0;
      if (score >= heap.threshold && (!filter || filter(item))) heap.push(item, score);
    }
    this.count = 0;
    return heap.drain();
  }

  /** The scores of `candidates` (0 when untouched); clears the accumulator. */
  scoresOf(candidates: Int32Array): Float32Array {
    const out = new Float32Array(candidates.length);
    for (let c = 0; c < candidates.length; c++) {
      const item = candidates[c]!;
      out[c] = item >= 0 && item < this.acc.length ? this.acc[item]! : 0;
    }
    for (let t = 0; t < this.count; t++) this.acc[this.touched[t]!] = 0;
    this.count = 0;
    return out;
  }
}
