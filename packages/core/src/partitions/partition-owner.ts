import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MyContentError } from '../errors/error';
import type { LeaseStore } from '../ports/lease-store';

const SOURCE = 'partition-owner';

/** Options of {@link createPartitionOwner}. */
export interface PartitionOwnerOptions {
  /** Where the leases and the members live (Redis across processes). */
  leases: LeaseStore;
  /** The members sharing the partitions: one name per topic and consumer group. */
  group: string;
  /** Partitions to share: 0 to `partitions - 1` (the bus's `partitions`). */
  partitions: number;
  /** This member's name, unique in the group. @default `<host>-<pid>-<random>` */
  member?: string;
  /**
   * A lease lapses this long after its last renewal (renewals run every third of it): how long the
   * partitions of a member that died stay unowned. Longer than any pause of the process. @default 10_000
   */
  ttlMs?: number;
  /** Called with partitions just taken, before anything of them is processed. */
  onAssigned: (partitions: number[]) => Promise<void> | void;
  /**
   * Called with partitions to give up; their leases are released once it resolves, so the next
   * owner starts after this one stopped. Also called, late, for partitions whose lease was lost
   * (the process was paused past `ttlMs`).
   */
  onRevoked: (partitions: number[]) => Promise<void> | void;
  /** Told about failed rebalances (the store unreachable): the owner keeps what it holds and tries again. */
  logger?: { warn(message: string, details?: Record<string, unknown>): void };
}

/** What a {@link PartitionOwner} holds now. */
export interface PartitionOwnership {
  member: string;
  /** The partitions this member owns, ascending. */
  owned: number[];
  /** The live members of the group, by name. */
  members: string[];
  /** Rebalances that changed what this member owns. */
  rebalances: number;
}

/** A member of a group sharing the partitions of a stream: see {@link createPartitionOwner}. */
export interface PartitionOwner {
  /** Joins the group and takes its share (resolves after the first rebalance). */
  start(): Promise<void>;
  /** Gives every partition back (`onRevoked`, then release) and leaves the group. */
  stop(): Promise<void>;
  /** Runs a rebalance now (they also run every `ttlMs / 3`). */
  rebalance(): Promise<void>;
  ownership(): PartitionOwnership;
}

/**
 * Shares the partitions of a stream between the live members of a group, so that each partition
 * — and the state built from it, such as open sessions — has one owner at a time. Each member
 * heartbeats into the group and, every `ttlMs / 3`, computes the same assignment from the sorted
 * list of live members (partition `p` goes to member `p mod members`): it gives up (`onRevoked`,
 * then releases the lease) what is no longer its, renews what it keeps, and takes (`onAssigned`)
 * what is its and free. A member that joins gets its share once the others gave it up — within
 * one renewal period; a member that dies loses its leases `ttlMs` after its last renewal, and the
 * survivors take them over.
 *
 * @example
 * ```ts
 * const owner = createPartitionOwner({
 *   leases: createRedisLeaseStore({ client: redis }),
 *   group: 'interactions/session-workers',
 *   partitions: 16,
 *   onAssigned: (ps) => subscribe(ps),
 *   onRevoked: (ps) => unsubscribe(ps),
 * });
 * await owner.start();
 * ```
 */
export function createPartitionOwner(options: PartitionOwnerOptions): PartitionOwner {
  const { leases, group, partitions } = options;
  const ttlMs = options.ttlMs ?? 10_000;
  const member = options.member ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const check = (ok: boolean, field: string, value: unknown, why: string) => {
    if (!ok) throw new MyContentError('INVALID_CONFIG', `${field} ${why}, got ${JSON.stringify(value)}`, { source: SOURCE, field, value });
  };
  check(!!leases && typeof leases.acquire === 'function', 'leases', leases?.name, 'must be a LeaseStore');
  check(typeof group === 'string' && group.length > 0, 'group', group, 'must be a non-empty string');
  check(Number.isInteger(partitions) && partitions >= 1, 'partitions', partitions, 'must be a positive integer');
  check(Number.isFinite(ttlMs) && ttlMs >= 100, 'ttlMs', ttlMs, 'must be at least 100');

  const resource = (p: number) => String(p);
  let owned = new Set<number>();
  let members: string[] = [];
  let rebalances = 0;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  /** Rebalances run one at a time. */
  let turn: Promise<void> = Promise.resolve();

  async function giveUp(list: number[], release: boolean): Promise<void> {
    if (list.length === 0) return;
    for (const p of list) owned.delete(p);
    await options.onRevoked(list);
    if (release) await leases.release(group, list.map(resource), member);
  }

  async function step(): Promise<void> {
    members = await leases.heartbeat(group, member, ttlMs);
    const index = members.indexOf(member);
    const mine = (p: number) => index >= 0 && p % members.length === index;
    const before = [...owned].sort((a, b) => a - b).join();
    // 1. What is no longer this member's goes first, so its next owner can take it.
    await giveUp([...owned].filter((p) => !mine(p)), true);
    // 2. Renew the rest; a lease found taken by another was lost (this process was paused).
    const kept = [...owned];
    const renewed = await leases.acquire(group, kept.map(resource), member, ttlMs);
    const lost = kept.filter((_, i) => !renewed[i]);
    if (lost.length > 0) options.logger?.warn('partition leases lost (the process was paused past ttlMs?): giving the partitions up', { group, member, partitions: lost });
    await giveUp(lost, false);
    // 3. Take what is this member's and free.
    const wanted = Array.from({ length: partitions }, (_, p) => p).filter((p) => mine(p) && !owned.has(p));
    const taken = await leases.acquire(group, wanted.map(resource), member, ttlMs);
    const got = wanted.filter((_, i) => taken[i]);
    if (got.length > 0) {
      for (const p of got) owned.add(p);
      await options.onAssigned(got);
    }
    if ([...owned].sort((a, b) => a - b).join() !== before) rebalances++;
  }

  function rebalance(): Promise<void> {
    const next = turn.then(step);
    turn = next.catch((error) => {
      options.logger?.warn('partition rebalance failed: keeping the partitions held, trying again', { group, member, error: error instanceof Error ? error.message : String(error) });
    });
    return next;
  }

  const schedule = () => {
    timer = setTimeout(() => {
      if (!running) return;
      void rebalance()
        .catch(() => undefined)
        .finally(() => running && schedule());
    }, Math.max(30, Math.floor(ttlMs / 3)));
    timer.unref?.();
  };

  return {
    async start() {
      if (running) return;
      running = true;
      try {
        await rebalance();
      } catch (error) {
        running = false;
        throw error;
      }
      schedule();
    },
    async stop() {
      if (!running) return;
      running = false;
      clearTimeout(timer);
      await turn;
      const all = [...owned].sort((a, b) => a - b);
      await giveUp(all, true);
      await leases.leave(group, member);
      owned = new Set();
    },
    rebalance,
    ownership() {
      return { member, owned: [...owned].sort((a, b) => a - b), members: [...members], rebalances };
    },
  };
}
