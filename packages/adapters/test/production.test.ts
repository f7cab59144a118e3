/**
 * The engine on the production adapters, against the real servers: PostgreSQL store, Redis
 * cache and Redis item counters. Consistency under concurrency, atomic batches, typed failures,
 * and GDPR erasure that leaves nothing behind in any backend.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createRecommender, type InteractionInput } from '@mycontent/core';
import { createPopularityModel, createThompsonBandit } from '@mycontent/algorithms';
import { createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisCache, createRedisItemStats } from '@mycontent/adapters/redis';
import { freePort, keysWithPrefix, postgresFixture, redisFixture } from './servers';
import { rejection } from '../../core/test/helpers';

const T0 = Date.UTC(2024, 5, 1);
const pgServer = await postgresFixture('engine');
const redisServer = await redisFixture('engine');
afterAll(async () => {
  if (pgServer.pool) await pgServer.drop();
  if (redisServer.client) await redisServer.drop();
});
const skip = pgServer.skip ?? redisServer.skip;


let run = 0;
/** An engine on its own schema and key prefix. */
async function production(options: { redisStats?: boolean } = {}) {
  const schema = `${pgServer.schema}_${run}`;
  const prefix = `${redisServer.prefix}${run++}:`;
  const store = createPostgresStore({ pool: pgServer.pool!, schema, insertBatchSize: 5_000 });
  const cache = createRedisCache({ client: redisServer.client!, prefix });
  const itemStats = options.redisStats ? createRedisItemStats({ client: redisServer.client!, prefix }) : undefined;
  const recommender = createRecommender({
    store,
    cache,
    ...(itemStats ? { itemStats } : {}),
    models: { popular: createPopularityModel({ rerankIntervalMs: 0 }) },
  });
  const items = Array.from({ length: 30 }, (_, i) => ({ id: `a${i}`, createdAt: T0, category: i % 2 ? 'sport' : 'politics', title: `Article ${i}` }));
  await recommender.ingestItems(items);
  await recommender.ingestInteractions(items.map((item, i) => ({ userId: `warm${i % 5}`, itemId: item.id, type: 'click' as const, timestamp: T0 + i })));
  await recommender.train();
  return { store, cache, itemStats, recommender, schema, prefix };
}

describe.skipIf(skip)('engine on PostgreSQL + Redis', () => {
  it('gives consistent counts under concurrent ingests and recommends for one user', async () => {
    for (const redisStats of [false, true]) {
      const { recommender, store, itemStats } = await production({ redisStats });
      const batches = Array.from({ length: 20 }, (_, b) =>
        Array.from({ length: 5 }, (_, i): InteractionInput => ({ userId: 'hot', itemId: `a${(b * 5 + i) % 30}`, type: 'click', timestamp: T0 + 1_000 + b * 10 + i })),
      );
      const results = await Promise.all([
        ...batches.map((batch) => recommender.ingestInteractions(batch)),
        ...batches.map(() => recommender.recommend({ userId: 'hot', n: 5 })),
      ]);
      expect(results.slice(0, 20).every((r) => (r as { written: number }).written === 5)).toBe(true);
      const profile = await store.profiles.get('hot');
      expect(profile?.interactionCount).toBe(100);
      expect(profile?.counts.click).toBe(100);
      expect((await store.interactions.ofUser('hot', { limit: 1_000 })).length).toBe(100);
      const stats = await (itemStats ?? store.itemStats).getItemStats(Array.from({ length: 30 }, (_, i) => `a${i}`));
      expect(stats.reduce((sum, s) => sum + s.clicks, 0)).toBe(130); // 30 warm-up clicks + 100
    }
  });

  it('writes nothing of a batch whose statement fails half-way', async () => {
    const { recommender, store, schema } = await production();
    await pgServer.pool!.query(`
      CREATE FUNCTION "${schema}".poison() RETURNS trigger AS $$
      BEGIN IF NEW.article_id = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await pgServer.pool!.query(`CREATE TRIGGER poison BEFORE INSERT ON "${schema}".interactions FOR EACH ROW EXECUTE FUNCTION "${schema}".poison()`);
    const before = await store.interactions.count();
    // 12,000 rows: three INSERT statements; the poisoned row is in the last one.
    const batch: InteractionInput[] = Array.from({ length: 12_000 }, (_, i) => ({ userId: `u${i % 50}`, itemId: i === 11_999 ? 'poison' : `a${i % 30}`, type: 'click', timestamp: T0 + i }));
    const error = await rejection(recommender.ingestInteractions(batch));
    expect(error.code).toBe('BACKEND');
    expect(error.message).toContain('poisoned row');
    expect(error.message).toContain('interactions.record');
    expect(await store.interactions.count()).toBe(before);
    expect(await store.profiles.get('u1')).toBeUndefined();
    expect((await store.itemStats.getItemStats(['a1']))[0]?.clicks).toBe(1);
  });

  it('erases a user from the store, the cache and everywhere in Redis', async () => {
    const { recommender, prefix, schema } = await production({ redisStats: true });
    const userId = `gdpr-"o'brien"-ü`;
    await recommender.setPreferences(userId, { categories: ['sport'] });
    await recommender.ingestInteractions([
      { userId, itemId: 'a1', type: 'click', timestamp: T0 + 10, sessionId: 's-1', context: { device: 'mobile' } },
      { userId, itemId: 'a3', type: 'like', timestamp: T0 + 20 },
    ]);
    await recommender.recommend({ userId, n: 5 });
    await recommender.recommend({ userId, n: 5 }); // now cached
    expect(recommender.metrics().cacheHits).toBeGreaterThan(0);
    const exported = await recommender.exportUserData(userId);
    expect(exported.interactions).toHaveLength(2);
    expect(exported.user?.preferences?.categories).toEqual(['sport']);
    expect((await keysWithPrefix(redisServer.client!, prefix)).some((k) => k.includes(userId))).toBe(true);

    expect(await recommender.deleteUserData(userId)).toEqual({ interactions: 2, events: 0, modelVersions: 0, assignments: 0, exposures: 0 });

    expect(await recommender.exportUserData(userId)).toEqual({ user: undefined, profile: undefined, interactions: [], models: {}, events: [] });
    // Nothing in Redis: no key names the user, no value holds the id.
    for (const key of await keysWithPrefix(redisServer.client!, prefix)) {
      expect(key).not.toContain(userId);
      const type = await redisServer.client!.type(key);
      const values = type === 'hash' ? Object.values(await redisServer.client!.hgetall(key)) : [];
      for (const value of values) expect(value).not.toContain('o\'brien');
    }
    // Nothing in PostgreSQL: no row of any table mentions the user.
    for (const table of ['users', 'articles', 'interactions', 'item_stats', 'user_profiles']) {
      const { rows } = await pgServer.pool!.query(`SELECT count(*)::int AS n FROM "${schema}".${table} t WHERE row_to_json(t)::text LIKE $1`, [`%o'brien%`]);
      expect(rows[0].n, table).toBe(0);
    }
    const cold = await recommender.recommend({ userId, n: 5 });
    expect(cold.phase).toBe('cold-start');
  });

  it('shares bandit state between service instances, losing no concurrent update', async () => {
    const schema = `${pgServer.schema}_${run++}`;
    // Two "service instances": separate store objects on one database.
    const instances = [0, 1].map((seed) => createThompsonBandit({ state: createPostgresStore({ pool: pgServer.pool!, schema }).bandits, name: 'homepage', seed }));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => instances[i % 2]!.update([{ arm: 'good', reward: 1 }, { arm: 'bad', reward: 0 }])),
    );
    const rows = await createPostgresStore({ pool: pgServer.pool!, schema }).bandits.getArms('homepage');
    expect(rows.map((r) => [r.arm, r.pulls, r.reward]).sort()).toEqual([['bad', 40, 0], ['good', 40, 40]]);
    for (const bandit of instances) expect(await bandit.select(['bad', 'good'], 2)).toEqual(['good', 'bad']);
  });

  it('rejects NUL characters and stores injection-looking ids byte-exact', async () => {
    const { recommender, store } = await production();
    const error = await rejection(recommender.ingestInteractions([{ userId: 'a\u0000b', itemId: 'a1', type: 'click', timestamp: T0 }]));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.issues[0]?.field).toBe('userId');
    expect(error.message).toContain('U+0000');
    const evil = `x'); DROP TABLE interactions; --\r\n*1\r\n$8\r\nFLUSHALL\r\n`;
    await recommender.ingestInteractions([{ userId: evil, itemId: 'a1', type: 'click', timestamp: T0 + 5, context: { referrer: evil } }]);
    const [x] = await store.interactions.ofUser(evil);
    expect(x?.userId).toBe(evil);
    expect(x?.context?.referrer).toBe(evil);
    expect((await recommender.recommend({ userId: evil, n: 3 })).items.length).toBe(3);
    expect(await redisServer.client!.ping()).toBe('PONG');
  });
});

describe('PostgreSQL refusing connections', () => {
  it('gives a typed BACKEND error and writes nothing', async () => {
    const port = await freePort(); // nothing listens there
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'test', connectionTimeoutMillis: 2_000 });
    const store = createPostgresStore({ pool, migrate: false });
    const error = await rejection(store.interactions.append([{ userId: 'u', itemId: 'i', type: 'click', timestamp: T0 }]));
    expect(error.code).toBe('BACKEND');
    expect(error.source).toBe('postgres');
    expect(error.message).toContain('unreachable (ECONNREFUSED)');
    const migrating = createPostgresStore({ pool });
    expect((await rejection(migrating.profiles.getUser('u'))).code).toBe('BACKEND');
    await pool.end();
  });
});
