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

/** The key a session model groups an observed interaction by: its session, else its user. */
export function sessionKey(event: Pick<ObservedInteraction, 'sessionId' | 'userId'>): string {
  return event.sessionId !== undefined ? `s:${event.sessionId}` : `u:${event.userId}`;
}
