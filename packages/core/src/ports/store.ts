import type { Interaction, Item, ItemStats, ItemStatsDelta, User, UserProfile } from '../domain/schemas';
import type { BanditStateStore } from './bandit';

/** What a store adapter can do beyond the required contract. */
export interface StoreCapabilities {
  /** Batches are written in one transaction (all or nothing) by the backend itself. */
  transactions: boolean;
  /** Data survives a process restart. */
  persistent: boolean;
}

/** Options for the paged scans used by training. */
export interface ScanOptions {
  /** Records per page. @default 10_000 */
  batchSize?: number;
}

/** Options for reading one user's interactions. */
export interface UserInteractionsOptions {
  /** Most recent interactions to return. @default 500 */
  limit?: number;
  /** Only interactions strictly before this time (epoch ms). */
  before?: number;
}

/** What to do with a user's interactions on a GDPR delete. */
export type InteractionErasure = 'delete' | 'anonymize';

/** Everything a store holds about one user (GDPR export), as plain JSON-serialisable data. */
export interface UserDataExport {
  user: User | undefined;
  profile: UserProfile | undefined;
  /** Every interaction of the user, newest first. */
  interactions: Interaction[];
}

/** What {@link InteractionRecord.apply} returns: the writes that go with the new interactions. */
export interface InteractionEffects {
  /** The new profiles of the users concerned. */
  profiles: UserProfile[];
  /** Statistic deltas to add. Omit when the statistics live in a separate {@link ItemStatsStore}. */
  itemStats?: ItemStatsDelta[];
}

/**
 * One atomic ingestion step (see {@link RecommendationStore.recordInteractions}): interactions
 * appended, statistics incremented and the users' profiles updated together.
 */
export interface InteractionRecord {
  /** Interactions to append. One whose `eventId` is already stored (or repeated in the batch) is skipped. */
  interactions: readonly Interaction[];
  /** Users whose profiles are also locked and given to `apply` (e.g. a preferences update). */
  userIds?: readonly string[];
  /**
   * Computes the writes from the interactions actually new (`fresh`, in batch order) and the
   * current profiles of their users and of `userIds` (locked against concurrent writers, so no
   * update is lost). Called inside the write: it must be synchronous and free of side effects
   * (it may be called again if the backend retries).
   */
  apply(fresh: readonly Interaction[], profiles: ReadonlyMap<string, UserProfile | undefined>): InteractionEffects;
}

/**
 * Per-item counters with atomic increments. Every {@link RecommendationStore} is one; a faster
 * shared counter store (Redis) can be given to the engine instead, as its `itemStats` option.
 *
 * Implementations: every store, `createRedisItemStats()` (`@mycontent/adapters/redis`). Every
 * implementation passes `describeItemStatsConformance` (`@mycontent/adapters/testing`).
 */
export interface ItemStatsStore {
  /** Adapter name, used in error messages. */
  readonly name: string;
  /** Adds every counter of each delta to the item's statistics (atomic increments); `lastInteractionAt` keeps the maximum. */
  incrementItemStats(deltas: readonly ItemStatsDelta[]): Promise<void>;
  /** Statistics by item id, in the order asked; zeros for items never seen. */
  getItemStats(ids: readonly string[]): Promise<ItemStats[]>;
  /** Removes everything. */
  clear(): Promise<void>;
  /** Releases what the adapter itself opened (never the host's client). */
  dispose?(): Promise<void>;
}

/**
 * The store port: the source of truth for items, users, interactions, per-item statistics and
 * user profiles. Every batch write is atomic: when it throws, nothing of the batch was written.
 * Inputs reaching a store are already validated by the engine.
 *
 * `clear()` removes everything (tests, re-imports).
 *
 * Implementations: `createMemoryStore()` (`@mycontent/adapters/memory`), `createPostgresStore()`
 * (`@mycontent/adapters/postgres`, on `pg` or PGlite). Every implementation passes
 * `describeStoreConformance` (`@mycontent/adapters/testing`).
 */
export interface RecommendationStore extends ItemStatsStore, BanditStateStore {
  readonly capabilities: StoreCapabilities;

  /** Inserts or replaces items (by id). */
  upsertItems(items: readonly Item[]): Promise<void>;
  /** Items by id, in the order asked; `undefined` for unknown ids. */
  getItems(ids: readonly string[]): Promise<(Item | undefined)[]>;
  /** Every item, page by page. */
  scanItems(options?: ScanOptions): AsyncIterable<Item[]>;
  /** Removes items; unknown ids are ignored. */
  deleteItems(ids: readonly string[]): Promise<void>;

  /** Inserts or replaces users (by id). */
  upsertUsers(users: readonly User[]): Promise<void>;
  /** One user, or `undefined`. */
  getUser(id: string): Promise<User | undefined>;

  /**
   * Appends interactions (bulk imports; live ingestion goes through `recordInteractions`).
   * Interactions whose `eventId` is already stored are skipped (idempotent replays).
   */
  appendInteractions(interactions: readonly Interaction[]): Promise<void>;
  /**
   * Appends the interactions not seen before (by `eventId`), adds their statistic deltas and
   * rewrites their users' profiles as one atomic write: after a failure nothing of it is
   * visible, concurrent calls for the same user lose no update, and replaying an event changes
   * nothing. Resolves with the interactions actually recorded.
   */
  recordInteractions(record: InteractionRecord): Promise<{ recorded: Interaction[] }>;
  /** A user's interactions, newest first. */
  getUserInteractions(userId: string, options?: UserInteractionsOptions): Promise<Interaction[]>;
  /** Every interaction in insertion order, page by page. */
  scanInteractions(options?: ScanOptions): AsyncIterable<Interaction[]>;
  /** Number of stored interactions. */
  countInteractions(): Promise<number>;

  /** A user's profile, or `undefined`. */
  getProfile(userId: string): Promise<UserProfile | undefined>;
  /** Replaces profiles. */
  putProfiles(profiles: readonly UserProfile[]): Promise<void>;

  /** GDPR export: the user, their profile and every interaction (newest first). */
  exportUserData(userId: string): Promise<UserDataExport>;
  /**
   * GDPR erasure: removes the user, their profile, and deletes or anonymises their
   * interactions. Returns the number of interactions affected.
   */
  deleteUserData(userId: string, options?: { interactions?: InteractionErasure }): Promise<{ interactions: number }>;

}

/** An empty {@link ItemStats} for `itemId`. */
export function emptyItemStats(itemId: string): ItemStats {
  return {
    itemId,
    views: 0,
    clicks: 0,
    reads: 0,
    likes: 0,
    dislikes: 0,
    shares: 0,
    ratings: 0,
    ratingSum: 0,
    readSeconds: 0,
    lastInteractionAt: 0,
  };
}

/** The counters of {@link ItemStats} that deltas add to. */
export const ITEM_STAT_COUNTERS = [
  'views',
  'clicks',
  'reads',
  'likes',
  'dislikes',
  'shares',
  'ratings',
  'ratingSum',
  'readSeconds',
] as const;
