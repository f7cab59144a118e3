/**
 * The lease store port: expiring, exclusive holds on named resources (the partitions of a
 * stream), and the live members of a group, for processes that share work without a
 * coordinator of their own. Time is the store's: members need no synchronised clocks.
 *
 * A lease is held by one owner at a time; it lapses `ttlMs` after it was last taken or renewed,
 * so a process that dies without releasing it loses it after at most that long.
 *
 * Implementations: `createMemoryLeaseStore()` (`@mycontent/adapters/memory`, one process),
 * `createRedisLeaseStore()` (`@mycontent/adapters/redis`). Every implementation passes
 * `describeLeaseStoreConformance` (`@mycontent/adapters/testing`).
 */
export interface LeaseStore {
  readonly name: string;
  /**
   * For each resource of `group`: takes it for `owner` for `ttlMs` when it is free, lapsed or
   * already `owner`'s (then renewed). Resolves with, per resource, whether `owner` holds it now.
   */
  acquire(group: string, resources: readonly string[], owner: string, ttlMs: number): Promise<boolean[]>;
  /** Gives up the resources `owner` holds (those held by another are left alone). */
  release(group: string, resources: readonly string[], owner: string): Promise<void>;
  /** The holder of each resource, `undefined` when free or lapsed. */
  holders(group: string, resources: readonly string[]): Promise<(string | undefined)[]>;
  /** Marks `member` alive in `group` for `ttlMs` and resolves with the live members, sorted by name. */
  heartbeat(group: string, member: string, ttlMs: number): Promise<string[]>;
  /** Removes `member` from `group` at once (a clean stop; a crash lapses instead). */
  leave(group: string, member: string): Promise<void>;
}
