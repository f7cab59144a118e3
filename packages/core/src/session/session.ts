import type { ObservedInteraction } from '../model/contract';

/**
 * Inactivity that ends a session without an explicit id: 30 minutes, as in web analytics. The
 * engine's current session, the replay evaluation and the session models all use it by default.
 */
export const DEFAULT_SESSION_GAP_MS = 30 * 60_000;

/**
 * How much of a user's recent history the models see: the last 50 positive interactions, given
 * to `recommend` as the query's history and to `observe` as the previous items.
 */
export const DEFAULT_HISTORY_LENGTH = 50;

/**
 * Sessions a model's session tracker (item-kNN, sequential rules, session-kNN) holds open at
 * most, by default: beyond, the least recently active one is closed early. At most a few hundred bytes each (a key, up to `maxItems` items).
 */
export const DEFAULT_MAX_OPEN_SESSIONS = 100_000;

/** One past interaction of a user, as the session logic reads it. */
export interface SessionEvent {
  timestamp: number;
  sessionId?: string | undefined;
}

/**
 * How many of the latest `events` (oldest first) form the current session at time `now`: none
 * when the latest is older than `gapMs`; else the latest events sharing the latest one's
 * `sessionId` when it has one, or chained by gaps of at most `gapMs` when it has none.
 *
 * @example
 * ```ts
 * const n = currentSessionLength(history, Date.now(), DEFAULT_SESSION_GAP_MS);
 * const session = history.slice(history.length - n);
 * ```
 */
export function currentSessionLength(events: readonly SessionEvent[], now: number, gapMs: number): number {
  const last = events.length - 1;
  if (last < 0 || now - events[last]!.timestamp > gapMs) return 0;
  const sessionId = events[last]!.sessionId;
  let from = last;
  let after = events[last]!.timestamp;
  while (from > 0) {
    const previous = events[from - 1]!;
    if (sessionId !== undefined ? previous.sessionId !== sessionId : after - previous.timestamp > gapMs) break;
    after = previous.timestamp;
    from--;
  }
  return events.length - from;
}

/** A session the tracker holds open: its items (oldest first) and its last activity. */
export interface OpenSession {
  /** Sequence number, increasing with each new session. */
  readonly sid: number;
  readonly items: number[];
  last: number;
  /** The user whose session it is, when known (erasure finds it by this). */
  readonly owner: string | undefined;
}

/**
 * Groups a stream of interactions into sessions, online: by the interaction's `sessionId` when
 * it has one, else by user, a new session starting after `gapMs` without activity. Memory is
 * bounded twice: sessions idle for longer than `gapMs` are forgotten by
 * {@link SessionTracker.sweep}, and at most `maxOpen` sessions are held — past it, the least
 * recently active is closed early (counted in {@link SessionTracker.evicted}), so that a flood of
 * new visitors cannot grow memory without end.
 */
export class SessionTracker {
  /** Open sessions, least recently active first (an active session moves to the end). */
  private readonly open = new Map<string, OpenSession>();
  private nextSid = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private evictions = 0;

  constructor(
    private readonly gapMs: number,
    private readonly maxItems: number,
    /** Sessions held open at most. */
    readonly maxOpen: number = DEFAULT_MAX_OPEN_SESSIONS,
  ) {}

  /** Sessions closed early because `maxOpen` were open. */
  get evicted(): number {
    return this.evictions;
  }

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
  sessionAt(key: string, t: number, owner?: string): OpenSession {
    let session = this.open.get(key);
    if (session && t - session.last <= this.gapMs) {
      // Most recently active now: to the end of the eviction order.
      this.open.delete(key);
      this.open.set(key, session);
      return session;
    }
    if (session) this.open.delete(key);
    session = { sid: this.nextSid++, items: [], last: t, owner };
    this.open.set(key, session);
    if (this.open.size > this.maxOpen) {
      this.open.delete(this.open.keys().next().value!);
      this.evictions++;
    }
    return session;
  }

  /** The items of every open session of `owner`, oldest first. */
  openOf(owner: string): number[][] {
    const lists: number[][] = [];
    for (const [key, session] of this.open) if (session.owner === owner || key === `u:${owner}`) lists.push(session.items.slice());
    return lists;
  }

  /** Closes and forgets every open session of `owner` (erasure); returns their sequence numbers. */
  forgetOwner(owner: string): number[] {
    const sids: number[] = [];
    for (const [key, session] of this.open) {
      if (session.owner === owner || key === `u:${owner}`) {
        sids.push(session.sid);
        this.open.delete(key);
      }
    }
    return sids;
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

/** The key a session model groups an observed interaction by: its session, else its user. */
export function sessionKey(event: Pick<ObservedInteraction, 'sessionId' | 'userId'>): string {
  return event.sessionId !== undefined ? `s:${event.sessionId}` : `u:${event.userId}`;
}
