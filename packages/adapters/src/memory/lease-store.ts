import type { LeaseStore } from '@mycontent/core';

/** Name of the in-process lease store. */
export const MEMORY_LEASE_STORE_NAME = 'memory-lease-store';

/** Options of {@link createMemoryLeaseStore}. */
export interface MemoryLeaseStoreOptions {
  /** The clock leases lapse by. @default Date.now */
  now?: () => number;
}

/**
 * Leases and group members in one process's memory: for tests, and for several owners sharing
 * work inside one process. Across processes, use `createRedisLeaseStore`.
 *
 * @example
 * ```ts
 * const leases = createMemoryLeaseStore();
 * await leases.acquire('workers', ['0', '1'], 'worker-a', 10_000); // [true, true]
 * ```
 */
export function createMemoryLeaseStore(options: MemoryLeaseStoreOptions = {}): LeaseStore {
  const now = options.now ?? Date.now;
  /** Holder and expiry, by group and resource. */
  const leases = new Map<string, Map<string, { owner: string; until: number }>>();
  /** Expiry of each member, by group. */
  const members = new Map<string, Map<string, number>>();
  const of = <V>(map: Map<string, Map<string, V>>, group: string) => {
    let inner = map.get(group);
    if (!inner) map.set(group, (inner = new Map()));
    return inner;
  };
  const holder = (group: string, resource: string) => {
    const lease = leases.get(group)?.get(resource);
    return lease && lease.until > now() ? lease.owner : undefined;
  };
  return {
    name: MEMORY_LEASE_STORE_NAME,
    async acquire(group, resources, owner, ttlMs) {
      return resources.map((resource) => {
        const current = holder(group, resource);
        if (current !== undefined && current !== owner) return false;
        of(leases, group).set(resource, { owner, until: now() + ttlMs });
        return true;
      });
    },
    async release(group, resources, owner) {
      for (const resource of resources) if (holder(group, resource) === owner) leases.get(group)!.delete(resource);
    },
    async holders(group, resources) {
      return resources.map((resource) => holder(group, resource));
    },
    async heartbeat(group, member, ttlMs) {
      const live = of(members, group);
      const t = now();
      live.set(member, t + ttlMs);
      for (const [name, until] of live) if (until <= t) live.delete(name);
      return [...live.keys()].sort();
    },
    async leave(group, member) {
      members.get(group)?.delete(member);
    },
  };
}
