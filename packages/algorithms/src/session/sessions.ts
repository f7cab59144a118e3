import { MyContentError, TopK, type InteractionDataset, type ObservedInteraction, type ScoredItems } from '@mycontent/core';

/** Default inactivity that ends a session without an explicit id: 30 minutes, as in web analytics. */
export const DEFAULT_SESSION_GAP_MS = 30 * 60_000;

/** A session the tracker holds open: its items (oldest first) and its last activity. */
export interface OpenSession {
  /** Sequence number, increasing with each new session. */
  readonly sid: number;
  readonly items: number[];
  last: number;
}

/**
 * Groups a stream of interactions into sessions, online: by the interaction's `sessionId` when
 * it has one, else by user, a new session starting after `gapMs` without activity. Sessions idle
 * for longer than `gapMs` are forgotten by {@link SessionTracker.sweep}, so memory holds only the
 * sessions active in the last `gapMs`.
 */
export class SessionTracker {
  private readonly open = new Map<string, OpenSession>();
  private nextSid = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly gapMs: number,
    private readonly maxItems: number,
  ) {}

  /** Sessions started so far. */
  get started(): number {
    return this.nextSid;
  }

  /** Sessions held open. */
  get size(): number {
    return this.open.size;
  }

  /** The open session of `key`, if any. */
  get(key: string): OpenSession | undefined {
    return this.open.get(key);
  }

  /**
   * The session `key` continues at time `t` (a new one after a gap). The caller reads its items
   * (the session before this interaction) and then calls {@link SessionTracker.push}.
   */
  sessionAt(key: string, t: number): OpenSession {
    let session = this.open.get(key);
    if (!session || t - session.last > this.gapMs) {
      session = { sid: this.nextSid++, items: [], last: t };
      this.open.set(key, session);
    }
    return session;
  }

  /** Appends `item` to `session` at time `t` (keeping at most `maxItems`, the newest). */
  push(session: OpenSession, item: number, t: number): void {
    session.items.push(item);
    if (session.items.length > this.maxItems) session.items.shift();
    if (t > session.last) session.last = t;
  }

  /** Forgets sessions idle for more than the gap at time `now` (at most once per gap of data time). */
  sweep(now: number): void {
    if (now - this.lastSweep < this.gapMs) return;
    this.lastSweep = now;
    for (const [key, session] of this.open) if (now - session.last > this.gapMs) this.open.delete(key);
  }

  clear(): void {
    this.open.clear();
    this.lastSweep = Number.NEGATIVE_INFINITY;
  }
}

/** The key a session model groups an observed interaction by. */
export function sessionKey(event: Pick<ObservedInteraction, 'sessionId' | 'userId'>): string {
  return event.sessionId !== undefined ? `s:${event.sessionId}` : `u:${event.userId}`;
}

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
      await new Promise((resolve) => setImmediate(resolve)); // keep the host's event loop free
      lastYield = performance.now();
      if (options.signal?.aborted) throw new MyContentError('ABORTED', `${options.source} fit aborted`, { source: options.source });
      options.onProgress?.(k, order.length);
    }
  }
  options.onProgress?.(order.length, order.length);
}

/** The session a query asks about: `query.session`, else the last `max` items of its history. */
export function querySession(query: { session?: Int32Array; history: Int32Array }, max: number): Int32Array {
  const items = query.session ?? query.history;
  return items.length > max ? items.subarray(items.length - max) : items;
}

/** Grows a typed array to at least `n` entries (doubling), keeping its contents. */
export function grow<T extends Float64Array | Float32Array | Int32Array>(array: T, n: number, fill = 0): T {
  if (n <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(n, array.length * 2, 1024));
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}

/** Throws `INVALID_CONFIG` naming the option when `ok` is false. */
export function checkOption(source: string, ok: boolean, field: string, value: unknown, why: string): void {
  if (!ok) throw new MyContentError('INVALID_CONFIG', `${field} ${why}, got ${JSON.stringify(value)}`, { source, field, value });
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
      this.acc = grow(this.acc, size);
      this.touched = grow(this.touched, this.acc.length);
    }
    this.count = 0;
  }

  /** Adds `value` to `item`'s score (growing when the catalogue did). */
  add(item: number, value: number): void {
    if (item >= this.acc.length) {
      this.acc = grow(this.acc, item + 1);
      this.touched = grow(this.touched, this.acc.length);
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
