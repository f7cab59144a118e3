import type { ListExposure } from '../experiments/exposures';
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

/** What to do with a user's interactions on a GDPR erasure. */
export type InteractionErasure = 'delete' | 'anonymize';

/** Everything the engine holds about one user (GDPR export), as plain JSON-serialisable data. */
export interface UserDataExport {
  user: User | undefined;
  profile: UserProfile | undefined;
  /** Every interaction of the user, newest first. */
  interactions: Interaction[];
  /** What each model holds about the user, by model name (filled by the engine). */
  models?: Record<string, Record<string, unknown>>;
  /** The user's events still in the event log's topics (filled by the engine). */
  events?: { topic: string; id: string; publishedAt: number; payload: unknown }[];
  /** The experiment variants recorded for the user, by experiment key (filled by the engine when it has `assignments`). */
  experiments?: Record<string, string>;
  /** The lists served to the user, from the exposure log's store and topic (filled by the engine when it has `exposures`). */
  exposures?: ListExposure[];
}

/**
 * The items part of a store: the catalogue's source of truth. Inputs are already validated.
 *
 * Every implementation passes `describeItemStoreConformance` (`@mycontent/adapters/testing`).
 */
export interface ItemStore {
  /** Inserts or replaces items (by id), all or nothing. */
  upsert(items: readonly Item[]): Promise<void>;
  /** Items by id, in the order asked; `undefined` for unknown ids. */
  get(ids: readonly string[]): Promise<(Item | undefined)[]>;
  /** Every item, page by page. */
  scan(options?: ScanOptions): AsyncIterable<Item[]>;
  /** Removes items; unknown ids are ignored. */
  delete(ids: readonly string[]): Promise<void>;
  /** Removes every item. */
  clear(): Promise<void>;
}

/**
 * A per-user read-modify-write of profiles: receives the current profiles of the users asked
 * (locked against concurrent writers) and returns the new ones. It must be synchronous and free
 * of side effects (a backend may call it again when it retries).
 */
export type ProfileUpdate = (current: ReadonlyMap<string, UserProfile | undefined>) => readonly UserProfile[];

/**
 * The users part of a store: users as declared (preferences, attributes) and the profiles the
 * engine learns from their interactions. Every profile write goes through
 * {@link ProfileStore.update}, so that concurrent writers on one user lose nothing.
 *
 * Every implementation passes `describeProfileStoreConformance` (`@mycontent/adapters/testing`).
 */
export interface ProfileStore {
  /** Inserts or replaces users (by id). */
  upsertUsers(users: readonly User[]): Promise<void>;
  /** One user, or `undefined`. */
  getUser(id: string): Promise<User | undefined>;
  /** A user's profile, or `undefined`. */
  get(userId: string): Promise<UserProfile | undefined>;
  /**
   * Locks the profiles of `userIds`, hands them to `update` and writes what it returns, as one
   * atomic step: concurrent updates of one user are serialised, none is lost. Resolves with the
   * profiles written.
   */
  update(userIds: readonly string[], update: ProfileUpdate): Promise<UserProfile[]>;
  /** GDPR erasure of the user and their profile. Unknown users are ignored. */
  deleteUser(userId: string): Promise<void>;
  /** Removes every user and profile. */
  clear(): Promise<void>;
}

/** What {@link InteractionRecord.apply} returns: the writes that go with the new interactions. */
export interface InteractionEffects {
  /** The new profiles of the users concerned. */
  profiles: UserProfile[];
  /** Statistic deltas to add. Omit when the statistics live in a separate {@link ItemStatsStore}. */
  itemStats?: ItemStatsDelta[];
}

/**
 * One atomic ingestion step (see {@link InteractionLog.record}): interactions appended,
 * statistics incremented and the users' profiles updated together.
 */
export interface InteractionRecord {
  /** Interactions to append. One whose `eventId` is already stored (or repeated in the batch) is skipped. */
  interactions: readonly Interaction[];
  /**
   * Computes the writes from the interactions actually new (`fresh`, in batch order) and the
   * current profiles of their users (locked against concurrent writers, so no update is lost).
   * Called inside the write: it must be synchronous and free of side effects (it may be called
   * again if the backend retries).
   */
  apply(fresh: readonly Interaction[], profiles: ReadonlyMap<string, UserProfile | undefined>): InteractionEffects;
}

/**
 * The interaction log part of a store: every click, view, rating... in arrival order,
 * idempotent by `eventId`. {@link InteractionLog.record} also writes the profiles and statistics
 * that go with new interactions, in the same write: a log is created together with the
 * {@link ProfileStore} (and the statistics) of its backend.
 *
 * Every implementation passes `describeInteractionLogConformance` (`@mycontent/adapters/testing`).
 */
export interface InteractionLog {
  /**
   * Appends interactions (bulk imports; live ingestion goes through `record`). Interactions whose
   * `eventId` is already stored are skipped (idempotent replays).
   */
  append(interactions: readonly Interaction[]): Promise<void>;
  /**
   * Appends the interactions not seen before (by `eventId`), adds their statistic deltas and
   * rewrites their users' profiles as one atomic write: after a failure nothing of it is
   * visible, concurrent calls for the same user lose no update, and replaying an event changes
   * nothing. Resolves with the interactions actually recorded.
   */
  record(record: InteractionRecord): Promise<{ recorded: Interaction[] }>;
  /** A user's interactions, newest first. */
  ofUser(userId: string, options?: UserInteractionsOptions): Promise<Interaction[]>;
  /** Every interaction in insertion order, page by page. */
  scan(options?: ScanOptions): AsyncIterable<Interaction[]>;
  /** Number of stored interactions. */
  count(): Promise<number>;
  /**
   * GDPR erasure of a user's interactions: deleted, or anonymised (re-keyed to a fresh pseudonym
   * with the linking fields removed). Resolves with the number of interactions affected.
   */
  erase(userId: string, mode: InteractionErasure): Promise<number>;
  /**
   * Retention: removes the interactions older than `before` (epoch ms) and resolves with the time
   * before which none is left. A log partitioned by time removes whole partitions only, so that
   * time may be earlier than `before` (PostgreSQL: the start of `before`'s UTC day); the rest goes
   * on a later call.
   */
  expireBefore?(before: number): Promise<{ expiredBefore: number }>;
  /** Removes every interaction. */
  clear(): Promise<void>;
}

/**
 * Per-item counters with atomic increments. Every {@link RecommendationStore} has one
 * (`store.itemStats`); a faster shared counter store (Redis) can be given to the engine
 * instead, as its `itemStats` option.
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
 * The store port: the source of truth for items, users and profiles, interactions and per-item
 * statistics, as parts an adapter author implements (and tests) separately. An adapter returns
 * every part on one backend; a host can replace a part with its own (e.g. items read from its
 * CMS: `{ ...createPostgresStore({ pool }), items: cmsItems }`). Every batch write is atomic:
 * when it throws, nothing of the batch was written. Inputs reaching a store are already
 * validated by the engine.
 *
 * Implementations: `createMemoryStore()` (`@mycontent/adapters/memory`), `createPostgresStore()`
 * (`@mycontent/adapters/postgres`, on `pg` or PGlite). `describeStoreConformance`
 * (`@mycontent/adapters/testing`) runs the suite of every part a store has.
 */
export interface RecommendationStore {
  /** Adapter name, used in error messages. */
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly items: ItemStore;
  readonly interactions: InteractionLog;
  readonly profiles: ProfileStore;
  readonly itemStats: ItemStatsStore;
  /** Shared bandit state, when the backend keeps it (memory and PostgreSQL do). */
  readonly bandits?: BanditStateStore;
  /** Removes everything, in every part (tests, re-imports). */
  clear(): Promise<void>;
  /**
   * Resolves when the backend answers, rejects with a `BACKEND` error when it does not: the
   * engine's `health()` and the event processor's outage detection ask it. A store without it is
   * reported `unknown`.
   */
  ping?(): Promise<void>;
  /** Releases what the adapter itself opened (never the host's client). */
  dispose?(): Promise<void>;
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
