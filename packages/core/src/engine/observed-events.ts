import { DEFAULT_HISTORY_LENGTH } from '../session/session';

/** Event ids remembered to observe each event once. */
const REMEMBERED_EVENTS = 200_000;
/** Users whose recent items are remembered. */
const REMEMBERED_USERS = 100_000;

/**
 * What a process that only observes events (it stores nothing) remembers of them, bounded: the
 * last event ids, so that a redelivered event is observed once, and each recent user's last
 * items, newest first — the history a stored profile would give. The oldest go first.
 */
export class ObservedEvents {
  private readonly events = new Set<string>();
  private readonly recentItems = new Map<string, string[]>();

  /** Whether `eventId` was seen before; remembers it. */
  seen(eventId: string): boolean {
    if (this.events.has(eventId)) return true;
    this.events.add(eventId);
    if (this.events.size > REMEMBERED_EVENTS) this.events.delete(this.events.values().next().value!);
    return false;
  }

  /** The user's remembered items, newest first. */
  recent(userId: string): readonly string[] {
    return this.recentItems.get(userId) ?? [];
  }

  /** Remembers the user's new items (oldest first in `items`). */
  add(userId: string, items: readonly string[]): void {
    if (items.length === 0) return;
    const before = this.recentItems.get(userId) ?? [];
    this.recentItems.delete(userId); // re-inserted: the most recent user is the last to go
    this.recentItems.set(userId, [...items].reverse().concat(before).slice(0, DEFAULT_HISTORY_LENGTH));
    if (this.recentItems.size > REMEMBERED_USERS) this.recentItems.delete(this.recentItems.keys().next().value!);
  }
}
