import { randomUUID } from 'node:crypto';
import {
  MyContentError,
  ITEM_STAT_COUNTERS,
  emptyItemStats,
  type ArmState,
  type BanditStateStore,
  type Interaction,
  type InteractionErasure,
  type InteractionLog,
  type ItemStore,
  type ItemStatsStore,
  type ProfileStore,
  type Item,
  type ItemStats,
  type ItemStatsDelta,
  type RecommendationStore,
  type ScanOptions,
  type User,
  type UserInteractionsOptions,
  type UserProfile,
} from '@mycontent/core';
import { mergeArmDeltas } from '@mycontent/core/internal';
import { migratedOperations, type migratePostgres } from './migrations';
import { connectSql, type PgPoolLike, type PostgresConnection, type SqlRunner } from './sql';

/** Name of the PostgreSQL store adapter. */
export const POSTGRES_STORE_NAME = 'postgres-store';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions extends PostgresConnection {
  /**
   * Apply pending migrations ({@link migratePostgres}) before the first operation. Turn it off
   * when the host runs migrations itself (then the schema must be up to date).
   * @default true
   */
  migrate?: boolean;
  /** Rows per INSERT statement in bulk writes; a whole call is still one transaction. @default 5_000 */
  insertBatchSize?: number;
  /**
   * A `pg` `Pool` on a streaming replica, for the reads that tolerate replication lag: a user's
   * history (`interactions.ofUser`), item statistics (`itemStats.getItemStats`, what trending
   * reads) and the training reads (`interactions.scan`, `interactions.count`). Every write, and
   * every other read, goes to `pool`. The host owns it (the adapter never ends it).
   * @default reads go to `pool`
   */
  readPool?: PgPoolLike;
}

const SOURCE = 'postgres';
const STAT_COLUMNS: Record<(typeof ITEM_STAT_COUNTERS)[number], string> = {
  views: 'views',
  clicks: 'clicks',
  reads: 'reads',
  likes: 'likes',
  dislikes: 'dislikes',
  shares: 'shares',
  ratings: 'ratings',
  ratingSum: 'rating_sum',
  readSeconds: 'read_seconds',
};
const ITEM_COLUMNS = `article_id, title, summary, content, category_id, publisher_id, words_count,
  (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, embedding, metadata`;
const INTERACTION_COLUMNS = `user_id, article_id, interaction_type, (extract(epoch FROM "timestamp") * 1000)::float8 AS ts,
  duration_seconds, rating, session_id, context, event_id, recommendation_id`;

interface ItemRow {
  article_id: string;
  title: string | null;
  summary: string | null;
  content: string | null;
  category_id: string | null;
  publisher_id: string | null;
  words_count: number | null;
  created_ms: number;
  embedding: Uint8Array | null;
  metadata: Record<string, unknown> | null;
}

interface InteractionRow {
  user_id: string;
  article_id: string;
  interaction_type: Interaction['type'];
  ts: number;
  duration_seconds: number | null;
  rating: number | null;
  session_id: string | null;
  context: Interaction['context'] | null;
  event_id: string | null;
  recommendation_id: string | null;
}

function toItem(r: ItemRow): Item {
  const item: Item = { id: r.article_id, createdAt: r.created_ms };
  if (r.title !== null) item.title = r.title;
  if (r.summary !== null) item.summary = r.summary;
  if (r.content !== null) item.body = r.content;
  if (r.category_id !== null) item.category = r.category_id;
  if (r.publisher_id !== null) item.publisher = r.publisher_id;
  if (r.words_count !== null) item.wordsCount = r.words_count;
  if (r.embedding !== null) {
    // A copy (Buffer#slice would be a view into the driver's pool, maybe unaligned). Little-endian float32.
    item.embedding = new Float32Array(Uint8Array.prototype.slice.call(r.embedding).buffer, 0, r.embedding.byteLength >> 2);
  }
  if (r.metadata !== null) item.metadata = r.metadata;
  return item;
}

function toInteraction(r: InteractionRow): Interaction {
  const x: Interaction = { userId: r.user_id, itemId: r.article_id, type: r.interaction_type, timestamp: r.ts };
  if (r.session_id !== null) x.sessionId = r.session_id;
  if (r.rating !== null) x.rating = r.rating;
  if (r.duration_seconds !== null) x.duration = r.duration_seconds;
  if (r.context !== null) x.context = r.context;
  if (r.event_id !== null) x.eventId = r.event_id;
  if (r.recommendation_id !== null) x.recommendationId = r.recommendation_id;
  return x;
}

const DAY_MS = 86_400_000;
/** `YYYY-MM-DD` of a UTC day number (days since the epoch). */
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** A partition of the interaction log: `interactions_YYYYMMDD`, one UTC day. */
const PARTITION_NAME = /^interactions_(\d{4})(\d{2})(\d{2})$/;
/** PostgreSQL's code for a row no partition accepts (shared with check constraints: the message tells). */
const NO_PARTITION = '23514';

const hex = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** Last write wins inside one batch (an upsert cannot touch the same row twice). */
function lastById<T>(records: readonly T[], id: (r: T) => string): T[] {
  const map = new Map<string, T>();
  for (const r of records) map.set(id(r), r);
  return [...map.values()];
}

/** Deltas merged per item and sorted by id, so concurrent writers lock rows in one order. */
function mergeDeltas(deltas: readonly ItemStatsDelta[]): ItemStats[] {
  const merged = new Map<string, ItemStats>();
  for (const d of deltas) {
    let m = merged.get(d.itemId);
    if (!m) merged.set(d.itemId, (m = emptyItemStats(d.itemId)));
    for (const c of ITEM_STAT_COUNTERS) m[c] += d[c] ?? 0;
    m.lastInteractionAt = Math.max(m.lastInteractionAt, d.lastInteractionAt ?? 0);
  }
  return [...merged.values()].sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}

/**
 * The store on PostgreSQL, through a `pg` `Pool` (a server) or a PGlite instance (the same SQL,
 * embedded in the process, no server). Every write is one transaction: when a call throws,
 * nothing of it was written. Values travel as parameters only (never spliced into SQL), so ids
 * and texts are stored byte-exact. Bulk writes go through `unnest` arrays, thousands of rows per
 * statement; training reads page through keyset queries.
 *
 * The interaction log is partitioned by UTC day, so `interactions.expireBefore` drops whole days
 * (no row-by-row delete of the log, nothing of it left to vacuum); the event ids seen, kept in a
 * narrow table of their own so that each event is stored once, go with an indexed delete. With `readPool`, the reads that tolerate
 * replication lag go to a streaming replica.
 *
 * Failures are `BACKEND` `MyContentError`s naming the operation (connection refused,
 * statement failed), with the driver's error as `cause`.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createPostgresStore } from '@mycontent/adapters/postgres';
 * const store = createPostgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 *
 * // or embedded, no server:
 * import { PGlite } from '@electric-sql/pglite';
 * const embedded = createPostgresStore({ pglite: new PGlite('./data/mycontent') });
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): RecommendationStore & { readonly bandits: BanditStateStore } {
  if (options.readPool && !options.pool) {
    throw new MyContentError('INVALID_CONFIG', '`readPool` (a replica) goes with `pool` (the primary), not with `pglite`', { source: SOURCE, field: 'readPool' });
  }
  const db = connectSql(options, SOURCE);
  /** Where the reads that tolerate replication lag go. */
  const replica = options.readPool ? connectSql({ pool: options.readPool, schema: options.schema }, SOURCE) : db;
  const s = db.schema;
  const chunk = Math.max(1, options.insertBatchSize ?? 5_000);
  /** Runs one operation after the migrations, mapping driver errors to typed errors. */
  const op = migratedOperations(options, POSTGRES_STORE_NAME);

  /** UTC days whose partition this process has seen created. */
  const partitions = new Set<number>();

  /**
   * Creates the day partitions `batch` needs and this process has not seen yet — once a day in
   * practice, before the write's transaction opens (a partition is there for every writer once made).
   */
  async function ensurePartitions(batch: readonly Interaction[]): Promise<void> {
    const missing = new Set<number>();
    for (const x of batch) {
      const day = Math.floor(x.timestamp / DAY_MS);
      if (!partitions.has(day)) missing.add(day);
    }
    if (missing.size === 0) return;
    await db.query(`SELECT ${s}.interaction_partitions($1::date[])`, [[...missing].map(isoDay)]);
    for (const day of missing) partitions.add(day);
  }

  /**
   * Runs a write of interactions after making their partitions. When another process dropped a
   * partition this one thought was there (retention), it forgets what it knew and tries once more.
   */
  async function withPartitions<T>(batch: readonly Interaction[], write: () => Promise<T>): Promise<T> {
    await ensurePartitions(batch);
    try {
      return await write();
    } catch (error) {
      const e = error as { code?: string; message?: string };
      if (e.code !== NO_PARTITION || !e.message?.includes('no partition')) throw error;
      partitions.clear();
      await ensurePartitions(batch);
      return write();
    }
  }

  /**
   * Inserts the interactions whose event id is not stored yet (nor repeated earlier in the
   * batch); returns those inserted when `returning` is set.
   */
  async function insertInteractions(tx: SqlRunner, batch: readonly Interaction[], returning = false): Promise<Interaction[]> {
    const inserted: Interaction[] = [];
    for (let from = 0; from < batch.length; from += chunk) {
      const part = batch.slice(from, from + chunk);
      // An event id is claimed in `interaction_events` first (a concurrent writer of the same id
      // waits there, then finds it taken); only the rows whose id was claimed now, each id's first
      // occurrence in the batch, and the rows without an id go into the log.
      const { rows } = await tx.query<{ event_id: string }>(
        `WITH x AS (
           SELECT u, a, t, ts, d, r, se, c, e, ri, n, row_number() OVER (PARTITION BY e ORDER BY n) AS k
           FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::text[])
             WITH ORDINALITY AS x(u, a, t, ts, d, r, se, c, e, ri, n)
         ), claimed AS (
           INSERT INTO ${s}.interaction_events (event_id, "timestamp")
           SELECT e, to_timestamp(ts / 1000) FROM x WHERE e IS NOT NULL AND k = 1 ORDER BY n
           ON CONFLICT (event_id) DO NOTHING
           RETURNING event_id
         )
         INSERT INTO ${s}.interactions
           (user_id, article_id, interaction_type, "timestamp", duration_seconds, rating, session_id, context, event_id, recommendation_id)
         SELECT u, a, t, to_timestamp(ts / 1000), d, r, se, c::json, e, ri
         FROM x
         WHERE e IS NULL OR (k = 1 AND e IN (SELECT event_id FROM claimed))
         ORDER BY n
         ${returning ? 'RETURNING event_id' : ''}`,
        [
          part.map((x) => x.userId),
          part.map((x) => x.itemId),
          part.map((x) => x.type),
          part.map((x) => x.timestamp),
          part.map((x) => x.duration ?? null),
          part.map((x) => x.rating ?? null),
          part.map((x) => x.sessionId ?? null),
          part.map((x) => json(x.context)),
          part.map((x) => x.eventId ?? null),
          part.map((x) => x.recommendationId ?? null),
        ],
      );
      if (returning) {
        // Rows without an event id are always inserted; of those with one, the first occurrence.
        const ids = new Set(rows.map((r) => r.event_id));
        for (const x of part) {
          if (x.eventId === undefined) inserted.push(x);
          else if (ids.delete(x.eventId)) inserted.push(x);
        }
      }
    }
    return inserted;
  }

  async function addStats(tx: SqlRunner, deltas: readonly ItemStatsDelta[]): Promise<void> {
    const merged = mergeDeltas(deltas);
    for (let from = 0; from < merged.length; from += chunk) {
      const part = merged.slice(from, from + chunk);
      const columns = ITEM_STAT_COUNTERS.map((c) => STAT_COLUMNS[c]);
      await tx.query(
        `INSERT INTO ${s}.item_stats (article_id, ${columns.join(', ')}, last_interaction_at)
         SELECT id, ${columns.map((c) => `x.${c}`).join(', ')}, CASE WHEN last > 0 THEN to_timestamp(last / 1000) END
         FROM unnest($1::text[], ${columns.map((_, i) => `$${i + 2}::float8[]`).join(', ')}, $${columns.length + 2}::float8[])
           AS x(id, ${columns.join(', ')}, last)
         ON CONFLICT (article_id) DO UPDATE SET
           ${columns.map((c) => `${c} = item_stats.${c} + excluded.${c}`).join(',\n           ')},
           last_interaction_at = GREATEST(item_stats.last_interaction_at, excluded.last_interaction_at)`,
        [part.map((d) => d.itemId), ...ITEM_STAT_COUNTERS.map((c) => part.map((d) => d[c])), part.map((d) => d.lastInteractionAt)],
      );
    }
  }

  async function upsertProfiles(tx: SqlRunner, profiles: readonly UserProfile[]): Promise<void> {
    const rows = lastById(profiles, (p) => p.userId);
    await tx.query(
      `INSERT INTO ${s}.user_profiles (user_id, profile, updated_at)
       SELECT id, p, now() FROM unnest($1::text[], $2::json[]) AS x(id, p)
       ON CONFLICT (user_id) DO UPDATE SET profile = excluded.profile, updated_at = now()`,
      [rows.map((p) => p.userId), rows.map((p) => JSON.stringify(p))],
    );
  }

  async function history(q: SqlRunner, userId: string, limit: number, before: number): Promise<Interaction[]> {
    const { rows } = await q.query<InteractionRow>(
      `SELECT ${INTERACTION_COLUMNS} FROM ${s}.interactions
       WHERE user_id = $1 AND "timestamp" < to_timestamp($2::float8 / 1000)
       ORDER BY "timestamp" DESC, interaction_id DESC LIMIT $3`,
      [userId, Number.isFinite(before) ? before : 1e15, Number.isFinite(limit) ? limit : null],
    );
    return rows.map(toInteraction);
  }

  async function getProfile(q: SqlRunner, userId: string): Promise<UserProfile | undefined> {
    const { rows } = await q.query<{ profile: UserProfile | null }>(`SELECT profile FROM ${s}.user_profiles WHERE user_id = $1`, [userId]);
    return rows[0]?.profile ?? undefined;
  }

  /**
   * Locks the profiles of `ids` for the transaction and reads them. One transaction-scoped
   * advisory lock per user (in this schema's lock space), always taken in the same order, so that
   * no update is lost, new users included (a row lock cannot protect a row not written yet).
   */
  async function lockProfiles(tx: SqlRunner, ids: readonly string[]): Promise<Map<string, UserProfile | undefined>> {
    const current = new Map<string, UserProfile | undefined>();
    if (ids.length === 0) return current;
    await tx.query(
      `SELECT pg_advisory_xact_lock(hashtext($2), h) FROM (SELECT DISTINCT hashtext(id) AS h FROM unnest($1::text[]) AS x(id)) AS k ORDER BY h`,
      [ids, `mycontent-profiles:${s}`],
    );
    const { rows } = await tx.query<{ user_id: string; profile: UserProfile | null }>(`SELECT user_id, profile FROM ${s}.user_profiles WHERE user_id = ANY($1::text[])`, [ids]);
    for (const id of ids) current.set(id, undefined);
    for (const r of rows) current.set(r.user_id, r.profile ?? undefined);
    return current;
  }

  async function getUser(q: SqlRunner, id: string): Promise<User | undefined> {
    const { rows } = await q.query<{ user_id: string; created_ms: number; preferences: User['preferences'] | null; metadata: User['metadata'] | null }>(
      `SELECT user_id, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, preferences, metadata FROM ${s}.users WHERE user_id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    const user: User = { id: r.user_id, createdAt: r.created_ms };
    if (r.preferences !== null) user.preferences = r.preferences;
    if (r.metadata !== null) user.metadata = r.metadata;
    return user;
  }

  const itemPart: ItemStore = {
    upsert: (batch) =>
      op('items.upsert', () =>
        db.transaction(async (tx) => {
          const rows = lastById(batch, (i) => i.id);
          for (let from = 0; from < rows.length; from += chunk) {
            const part = rows.slice(from, from + chunk);
            await tx.query(
              `INSERT INTO ${s}.articles
                 (article_id, title, summary, content, category_id, publisher_id, words_count, created_at, embedding, metadata)
               SELECT id, ti, su, co, ca, pu, wc, to_timestamp(cr / 1000), decode(em, 'hex'), me::json
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::float8[], $9::text[], $10::text[])
                 AS x(id, ti, su, co, ca, pu, wc, cr, em, me)
               ON CONFLICT (article_id) DO UPDATE SET
                 title = excluded.title, summary = excluded.summary, content = excluded.content,
                 category_id = excluded.category_id, publisher_id = excluded.publisher_id, words_count = excluded.words_count,
                 created_at = excluded.created_at, embedding = excluded.embedding, metadata = excluded.metadata`,
              [
                part.map((i) => i.id),
                part.map((i) => i.title ?? null),
                part.map((i) => i.summary ?? null),
                part.map((i) => i.body ?? null),
                part.map((i) => i.category ?? null),
                part.map((i) => i.publisher ?? null),
                part.map((i) => i.wordsCount ?? null),
                part.map((i) => i.createdAt),
                part.map((i) => (i.embedding ? hex(i.embedding) : null)),
                part.map((i) => json(i.metadata)),
              ],
            );
          }
        }),
      ),

    get: (ids) =>
      op('items.get', async () => {
        if (ids.length === 0) return [];
        const { rows } = await db.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM ${s}.articles WHERE article_id = ANY($1::text[])`, [[...ids]]);
        const byId = new Map(rows.map((r) => [r.article_id, r]));
        return ids.map((id) => {
          const r = byId.get(id);
          return r ? toItem(r) : undefined;
        });
      }),

    async *scan(scan: ScanOptions = {}) {
      const size = scan.batchSize ?? 10_000;
      let after: string | undefined;
      for (;;) {
        const { rows } = await op('items.scan', () =>
          after === undefined
            ? db.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM ${s}.articles ORDER BY article_id LIMIT $1`, [size])
            : db.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM ${s}.articles WHERE article_id > $1 ORDER BY article_id LIMIT $2`, [after, size]),
        );
        if (rows.length === 0) return;
        after = rows[rows.length - 1]!.article_id;
        yield rows.map(toItem);
        if (rows.length < size) return;
      }
    },

    delete: (ids) =>
      op('items.delete', async () => {
        await db.query(`DELETE FROM ${s}.articles WHERE article_id = ANY($1::text[])`, [[...ids]]);
      }),

    clear: () =>
      op('items.clear', async () => {
        await db.query(`TRUNCATE ${s}.articles`);
      }),
  };

  const profilePart: ProfileStore = {
    upsertUsers: (batch) =>
      op('profiles.upsertUsers', async () => {
        const rows = lastById(batch, (u) => u.id);
        await db.query(
          `INSERT INTO ${s}.users (user_id, created_at, preferences, metadata)
           SELECT id, to_timestamp(cr / 1000), pr::jsonb, me::json FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[]) AS x(id, cr, pr, me)
           ON CONFLICT (user_id) DO UPDATE SET created_at = excluded.created_at, preferences = excluded.preferences, metadata = excluded.metadata`,
          [rows.map((u) => u.id), rows.map((u) => u.createdAt ?? Date.now()), rows.map((u) => json(u.preferences)), rows.map((u) => json(u.metadata))],
        );
      }),

    getUser: (id) => op('profiles.getUser', () => getUser(db, id)),

    get: (userId) => op('profiles.get', () => getProfile(db, userId)),

    update: (userIds, update) =>
      op('profiles.update', () =>
        db.transaction(async (tx) => {
          const current = await lockProfiles(tx, [...new Set(userIds)]);
          const written = update(current);
          if (written.length > 0) await upsertProfiles(tx, written);
          return [...written];
        }),
      ),

    deleteUser: (userId) =>
      op('profiles.deleteUser', () =>
        db.transaction(async (tx) => {
          await tx.query(`DELETE FROM ${s}.users WHERE user_id = $1`, [userId]);
          await tx.query(`DELETE FROM ${s}.user_profiles WHERE user_id = $1`, [userId]);
        }),
      ),

    clear: () =>
      op('profiles.clear', async () => {
        await db.query(`TRUNCATE ${s}.users, ${s}.user_profiles`);
      }),
  };

  const interactionPart: InteractionLog = {
    append: (batch) =>
      op('interactions.append', async () => {
        if (batch.length === 0) return;
        await withPartitions(batch, async () => {
          if (batch.length <= chunk) await insertInteractions(db, batch);
          else await db.transaction((tx) => insertInteractions(tx, batch));
        });
      }),

    record: (record) =>
      op('interactions.record', () =>
        withPartitions(record.interactions, () =>
          db.transaction(async (tx) => {
            const fresh = record.interactions.length > 0 ? await insertInteractions(tx, record.interactions, true) : [];
            const current = await lockProfiles(tx, [...new Set(fresh.map((x) => x.userId))]);
            const effects = record.apply(fresh, current);
            if (effects.itemStats && effects.itemStats.length > 0) await addStats(tx, effects.itemStats);
            if (effects.profiles.length > 0) await upsertProfiles(tx, effects.profiles);
            return { recorded: fresh };
          }),
        ),
      ),

    ofUser: (userId, query: UserInteractionsOptions = {}) =>
      op('interactions.ofUser', () => history(replica, userId, query.limit ?? 500, query.before ?? Number.POSITIVE_INFINITY)),

    async *scan(scan: ScanOptions = {}) {
      const size = scan.batchSize ?? 10_000;
      // A snapshot bound: rows appended during the scan are left for the next one.
      const { rows: top } = await op('interactions.scan', () => replica.query<{ last: string | null }>(`SELECT max(interaction_id)::text AS last FROM ${s}.interactions`));
      const last = top[0]?.last;
      if (last === null || last === undefined) return;
      let after = '0';
      for (;;) {
        const { rows } = await op('interactions.scan', () =>
          replica.query<InteractionRow & { id: string }>(
            `SELECT interaction_id::text AS id, ${INTERACTION_COLUMNS} FROM ${s}.interactions
             WHERE interaction_id > $1::bigint AND interaction_id <= $2::bigint ORDER BY interaction_id LIMIT $3`,
            [after, last, size],
          ),
        );
        if (rows.length === 0) return;
        after = rows[rows.length - 1]!.id;
        yield rows.map(toInteraction);
        if (rows.length < size) return;
      }
    },

    count: () =>
      op('interactions.count', async () => {
        const { rows } = await replica.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${s}.interactions`);
        return rows[0]!.n;
      }),

    expireBefore: (before) =>
      op('interactions.expireBefore', async () => {
        // Whole days only: each partition entirely before `before` is dropped, in one transaction.
        const firstKept = Math.floor(before / DAY_MS);
        const { rows } = await db.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)`,
          [`${s}.interactions`],
        );
        const expired: string[] = [];
        for (const { name } of rows) {
          const m = PARTITION_NAME.exec(name);
          if (m && Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS < firstKept) expired.push(name);
        }
        await db.transaction(async (tx) => {
          for (const name of expired) await tx.query(`DROP TABLE ${s}."${name}"`);
          // The ids of the events dropped: a narrow table, shed by its time index.
          await tx.query(`DELETE FROM ${s}.interaction_events WHERE "timestamp" < to_timestamp($1::float8 / 1000)`, [firstKept * DAY_MS]);
        });
        for (const day of [...partitions]) if (day < firstKept) partitions.delete(day);
        return { expiredBefore: firstKept * DAY_MS };
      }),

    erase: (userId, mode: InteractionErasure) =>
      op('interactions.erase', () =>
        db.transaction(async (tx) => {
          // The user's event ids go too: nothing of them is kept.
          await tx.query(`DELETE FROM ${s}.interaction_events WHERE event_id IN (SELECT event_id FROM ${s}.interactions WHERE user_id = $1 AND event_id IS NOT NULL)`, [userId]);
          const result =
            mode === 'delete'
              ? await tx.query(`DELETE FROM ${s}.interactions WHERE user_id = $1`, [userId])
              : // A fresh pseudonym that nothing links back to the user; the linking fields go.
                await tx.query(`UPDATE ${s}.interactions SET user_id = $2, session_id = NULL, context = NULL, event_id = NULL, recommendation_id = NULL WHERE user_id = $1`, [
                  userId,
                  `anonymous:${randomUUID()}`,
                ]);
          return result.rowCount;
        }),
      ),

    clear: () =>
      op('interactions.clear', async () => {
        await db.query(`TRUNCATE ${s}.interactions, ${s}.interaction_events RESTART IDENTITY`);
      }),
  };

  const statsPart: ItemStatsStore = {
    name: POSTGRES_STORE_NAME,
    incrementItemStats: (deltas) =>
      op('itemStats.increment', async () => {
        if (deltas.length > 0) await db.transaction((tx) => addStats(tx, deltas));
      }),

    getItemStats: (ids) =>
      op('itemStats.get', async () => {
        if (ids.length === 0) return [];
        const columns = ITEM_STAT_COUNTERS.map((c) => `${STAT_COLUMNS[c]}::float8 AS "${c}"`).join(', ');
        const { rows } = await replica.query<ItemStats & { article_id: string; last: number | null }>(
          `SELECT article_id, ${columns}, (extract(epoch FROM last_interaction_at) * 1000)::float8 AS last
           FROM ${s}.item_stats WHERE article_id = ANY($1::text[])`,
          [[...ids]],
        );
        const byId = new Map(rows.map((r) => [r.article_id, r]));
        return ids.map((id) => {
          const r = byId.get(id);
          if (!r) return emptyItemStats(id);
          const stats = emptyItemStats(id);
          for (const c of ITEM_STAT_COUNTERS) stats[c] = r[c];
          stats.lastInteractionAt = r.last ?? 0;
          return stats;
        });
      }),

    clear: () =>
      op('itemStats.clear', async () => {
        await db.query(`TRUNCATE ${s}.item_stats`);
      }),
  };

  const banditPart: BanditStateStore = {
    incrementArms: (bandit, deltas) =>
      op('incrementArms', async () => {
        // One row per arm and bucket, in key order (concurrent writers lock rows in one order).
        const rows = mergeArmDeltas(deltas).sort((a, b) => a.bucket - b.bucket || (a.arm < b.arm ? -1 : a.arm > b.arm ? 1 : 0));
        if (rows.length === 0) return;
        await db.query(
          `INSERT INTO ${s}.bandit_arms AS t (bandit, arm, bucket, pulls, reward, vector)
           SELECT $1, arm, bucket, pulls, reward, CASE WHEN v IS NULL THEN NULL ELSE ARRAY(SELECT e::float8 FROM json_array_elements_text(v::json) WITH ORDINALITY AS j(e, i) ORDER BY i) END
           FROM unnest($2::text[], $3::bigint[], $4::float8[], $5::float8[], $6::text[]) WITH ORDINALITY AS x(arm, bucket, pulls, reward, v, n)
           ORDER BY n
           ON CONFLICT (bandit, bucket, arm) DO UPDATE SET
             pulls = t.pulls + excluded.pulls,
             reward = t.reward + excluded.reward,
             vector = CASE
               WHEN excluded.vector IS NULL THEN t.vector
               WHEN t.vector IS NULL THEN excluded.vector
               ELSE ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0) FROM unnest(t.vector, excluded.vector) WITH ORDINALITY AS z(a, b, i) ORDER BY i)
             END`,
          [bandit, rows.map((r) => r.arm), rows.map((r) => r.bucket), rows.map((r) => r.pulls), rows.map((r) => r.reward), rows.map((r) => (r.vector ? JSON.stringify(r.vector) : null))],
        );
      }),

    getArms: (bandit, selection = {}) =>
      op('getArms', async () => {
        const { rows } = await db.query<{ arm: string; bucket: string | number; pulls: number; reward: number; vector: number[] | null }>(
          `SELECT arm, bucket, pulls, reward, vector FROM ${s}.bandit_arms
           WHERE bandit = $1 AND ($2::text[] IS NULL OR arm = ANY($2::text[])) AND ($3::bigint IS NULL OR bucket >= $3::bigint)`,
          [bandit, selection.arms ? [...selection.arms] : null, selection.sinceBucket ?? null],
        );
        return rows.map((r): ArmState => ({ arm: r.arm, bucket: Number(r.bucket), pulls: r.pulls, reward: r.reward, ...(r.vector ? { vector: r.vector.map(Number) } : {}) }));
      }),

    deleteArms: (bandit, selection) =>
      op('deleteArms', async () => {
        await db.query(
          `DELETE FROM ${s}.bandit_arms WHERE bandit = $1 AND ($2::text[] IS NULL OR arm = ANY($2::text[])) AND ($3::bigint IS NULL OR bucket < $3::bigint)`,
          [bandit, selection.arms ? [...selection.arms] : null, selection.beforeBucket ?? null],
        );
      }),

  };

  const store: RecommendationStore & { bandits: BanditStateStore } = {
    name: POSTGRES_STORE_NAME,
    capabilities: { transactions: true, persistent: true },
    items: itemPart,
    interactions: interactionPart,
    profiles: profilePart,
    itemStats: statsPart,
    bandits: banditPart,
    clear: () =>
      op('clear', async () => {
        await db.query(`TRUNCATE ${s}.users, ${s}.articles, ${s}.interactions, ${s}.interaction_events, ${s}.item_stats, ${s}.user_profiles, ${s}.bandit_arms RESTART IDENTITY`);
      }),
    ping: () =>
      op('ping', async () => {
        await db.query('SELECT 1');
      }),
  };
  return store;
}
