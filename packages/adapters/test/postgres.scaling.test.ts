/**
 * PostgreSQL past one server: the interaction log partitioned by day (an older schema upgraded
 * with its rows, partitions made once by concurrent writers, retention dropping whole days) and
 * reads that tolerate lag served by a streaming replica this test starts (`pg_basebackup`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Interaction, InteractionRecord } from '@mycontent/core';
import { createPostgresStore, postgresMigrations } from '@mycontent/adapters/postgres';
import { CI, postgresBinaries, postgresFixture, startPostgresServer, type ThrowawayPostgres } from './servers';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const click = (userId: string, itemId: string, at: number, eventId?: string): Interaction => ({ userId, itemId, type: 'click', timestamp: at, ...(eventId ? { eventId } : {}) });
/** A record that writes no profile and no statistic: the log alone. */
const logOnly = (interactions: Interaction[]): InteractionRecord => ({ interactions, apply: () => ({ profiles: [] }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = await postgresFixture('scaling');
afterAll(async () => server.pool && (await server.drop()));

describe.skipIf(server.skip)('the interaction log partitioned by day', () => {
  it('upgrades a schema of the unpartitioned log, keeping every row, its id and its event id', async () => {
    const schema = `${server.schema}_1`;
    const pool = server.pool!;
    // The schema as version 7 left it, with rows on three days.
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(`CREATE TABLE "${schema}".schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const m of postgresMigrations(schema).filter((x) => x.version <= 7)) {
      for (const statement of m.sql.split(';\n').map((x) => x.trim()).filter(Boolean)) await pool.query(statement);
      await pool.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    }
    await pool.query(
      `INSERT INTO "${schema}".interactions (user_id, article_id, interaction_type, "timestamp", event_id)
       SELECT 'u' || (n % 7), 'a' || n, 'click', to_timestamp(($1::float8 + (n % 3) * $2::float8 + n * 1000) / 1000), 'e' || n FROM generate_series(1, 300) AS n`,
      [T0, DAY],
    );
    const before = (await pool.query(`SELECT interaction_id::text AS id, event_id FROM "${schema}".interactions ORDER BY interaction_id`)).rows;

    const store = createPostgresStore({ pool, schema });
    expect(await store.interactions.count()).toBe(300); // migrates first
    const partitions = (await pool.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [`"${schema}".interactions`])).rows;
    expect(partitions.map((r) => r.relname)).toEqual(['interactions_20260301', 'interactions_20260302', 'interactions_20260303']);
    const after = (await pool.query(`SELECT interaction_id::text AS id, event_id FROM "${schema}".interactions ORDER BY interaction_id`)).rows;
    expect(after).toEqual(before);
    // Event ids still deduplicate, and new rows continue the ids.
    const { recorded } = await store.interactions.record(logOnly([click('u1', 'a1', T0 + DAY + 1000, 'e1'), click('u1', 'new', T0 + 5 * DAY, 'e-new')]));
    expect(recorded.map((x) => x.eventId)).toEqual(['e-new']);
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".interaction_events`)).rows[0].n).toBe(301);
    const { rows } = await pool.query(`SELECT interaction_id::text AS id FROM "${schema}".interactions WHERE event_id = 'e-new'`);
    expect(BigInt(rows[0].id)).toBeGreaterThan(BigInt(before.at(-1).id));
  });

  it('creates a new day once under concurrent writers, and loses no event', async () => {
    const schema = `${server.schema}_2`;
    const stores = Array.from({ length: 4 }, () => createPostgresStore({ pool: server.pool!, schema }));
    await stores[0]!.interactions.count();
    // Four processes' stores write events of five new days at once.
    const writes = stores.flatMap((store, w) =>
      Array.from({ length: 5 }, (_, d) => store.interactions.record(logOnly(Array.from({ length: 20 }, (_, k) => click(`u${k}`, `a${d}`, T0 + d * DAY + w * 100 + k, `w${w}-d${d}-${k}`))))),
    );
    await Promise.all(writes);
    expect(await stores[0]!.interactions.count()).toBe(4 * 5 * 20);
    const { rows } = await server.pool!.query(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = $1::regclass`, [`"${schema}".interactions`]);
    expect(rows[0].n).toBe(5);
  });

  it('drops whole days while other processes keep writing to the days they know', async () => {
    const schema = `${server.schema}_3`;
    const writer = createPostgresStore({ pool: server.pool!, schema });
    const janitor = createPostgresStore({ pool: server.pool!, schema });
    await writer.interactions.append(Array.from({ length: 40 }, (_, k) => click(`u${k % 4}`, `a${k}`, T0 + (k % 4) * DAY + k, `e${k}`)));
    // The writer knows days 0–3; the janitor drops days 0 and 1.
    expect(await janitor.interactions.expireBefore!(T0 + 2 * DAY + 5)).toEqual({ expiredBefore: T0 + 2 * DAY });
    expect(await writer.interactions.count()).toBe(20);
    // The dropped days' event ids went with them.
    expect((await server.pool!.query(`SELECT count(*)::int AS n FROM "${schema}".interaction_events`)).rows[0].n).toBe(20);
    // A late event of a dropped day: the writer's partition is gone, it makes it again.
    await writer.interactions.append([click('u0', 'late', T0 + 1000, 'late')]);
    expect((await writer.interactions.ofUser('u0')).map((x) => x.itemId)).toContain('late');
    expect(await writer.interactions.count()).toBe(21);
  });
});

const binaries = await postgresBinaries();
if (!binaries && CI) throw new Error('a CI run requires the initdb, postgres and pg_basebackup binaries for the replica test');
if (!binaries) console.warn('[adapters tests] skipping the PostgreSQL replica test: no initdb/postgres binaries');

describe.skipIf(!binaries)('reads from a streaming replica', () => {
  let primary: ThrowawayPostgres | undefined;
  let replica: ThrowawayPostgres | undefined;
  const pools: pg.Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
    await replica?.stop();
    await primary?.stop();
  });

  it('serves history, statistics and scans from the replica, writes on the primary, and reads on when the primary dies', async () => {
    primary = await startPostgresServer();
    const writes = new pg.Pool({ connectionString: primary.url, max: 4, connectionTimeoutMillis: 1_000 });
    writes.on('error', () => {});
    pools.push(writes);
    const store0 = createPostgresStore({ pool: writes });
    await store0.interactions.count(); // the schema exists before the copy
    replica = await startPostgresServer({ replicaOf: primary.port });
    const reads = new pg.Pool({ connectionString: replica.url, max: 4, connectionTimeoutMillis: 1_000 });
    reads.on('error', () => {});
    pools.push(reads);
    expect((await reads.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(true);

    const store = createPostgresStore({ pool: writes, readPool: reads });
    await store.interactions.record({
      interactions: Array.from({ length: 30 }, (_, k) => click('reader', `a${k}`, T0 + k * 1000, `e${k}`)),
      apply: (fresh) => ({ profiles: [], itemStats: fresh.map((x) => ({ itemId: x.itemId, clicks: 1, lastInteractionAt: x.timestamp })) }),
    });
    // Visible on the replica after its lag.
    const written = Date.now();
    while ((await store.interactions.ofUser('reader')).length < 30) {
      if (Date.now() - written > 10_000) throw new Error('the replica never caught up');
      await sleep(20);
    }
    expect(Date.now() - written).toBeLessThan(10_000);

    // The replica answers alone: the primary is gone.
    await primary.kill();
    expect((await store.interactions.ofUser('reader', { limit: 3 })).map((x) => x.itemId)).toEqual(['a29', 'a28', 'a27']);
    expect((await store.itemStats.getItemStats(['a0', 'a29'])).map((s) => s.clicks)).toEqual([1, 1]);
    expect(await store.interactions.count()).toBe(30);
    let scanned = 0;
    for await (const page of store.interactions.scan({ batchSize: 7 })) scanned += page.length;
    expect(scanned).toBe(30);
    // Writes (and the reads that must see them) need the primary.
    await expect(store.interactions.append([click('reader', 'later', T0 + DAY)])).rejects.toMatchObject({ code: 'BACKEND' });
    await expect(store.profiles.get('reader')).rejects.toMatchObject({ code: 'BACKEND' });
  });

  it('refuses a replica without a primary pool', () => {
    expect(() => createPostgresStore({ pglite: {} as never, readPool: {} as never })).toThrow(/readPool/);
  });
});
