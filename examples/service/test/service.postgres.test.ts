/**
 * The service on PostgreSQL + Redis (real servers): migrations applied at start, events queued on
 * the Redis stream and applied by the in-process consumer, a rate-limit budget shared by two
 * instances, erasure reaching the stream, a model version promoted in the registry reaching
 * another instance without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { createPostgresModelRegistry } from '@mycontent/adapters/postgres';
import { buildApp } from '../src/app';
import { openBackends, type Backends } from '../src/backends';
import { readConfig, type ServiceConfig } from '../src/config';
import { POSTGRES_URL, REDIS_URL, postgresFixture, redisFixture, type PostgresFixture, type RedisFixture } from '../../../packages/adapters/test/servers';

const ADMIN = { email: 'admin@example.com', password: 'admin password 1234' };
const json = (body: unknown, headers: Record<string, string> = {}) => ({ payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

let pgFixture: PostgresFixture;
let redisFix: RedisFixture;
let config: ServiceConfig;
let backends: Backends;
let app: FastifyInstance;

beforeAll(async () => {
  pgFixture = await postgresFixture('service');
  redisFix = await redisFixture('service');
  if (pgFixture.skip || redisFix.skip) return;
  config = readConfig({
    DATABASE_URL: POSTGRES_URL,
    DATABASE_SCHEMA: pgFixture.schema,
    REDIS_URL,
    REDIS_PREFIX: redisFix.prefix,
    CONSUME_EVENTS: 'true',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
  });
  backends = await openBackends(config);
  app = await buildApp(config, backends);
});

afterAll(async () => {
  await app?.close();
  await backends?.close();
  const [postgres, redis] = [pgFixture, redisFix];
  if (postgres?.skip === undefined) await postgres?.drop();
  if (redis?.skip === undefined) await redis?.drop();
});

async function session(email: string, password: string, signUp: boolean) {
  const response = await app.inject({ method: 'POST', url: `/api/v1/auth/${signUp ? 'sign-up' : 'sign-in'}`, ...json({ email, password }) });
  expect(response.statusCode, response.body).toBe(signUp ? 201 : 200);
  return { id: response.json().account.id as string, headers: { authorization: `Bearer ${response.json().access_token}` } };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('PostgreSQL + Redis deployment', () => {
  it('publishes articles, queues events on the stream and applies them, erases a reader from the stream', async (context) => {
    if (pgFixture.skip || redisFix.skip) return context.skip(pgFixture.skip ?? redisFix.skip);
    expect(backends.mode).toBe('postgres');
    expect(backends.events.mode).toBe('queued');
    const ready = (await app.inject('/ready')).json();
    expect(ready).toMatchObject({ ok: true, store: { status: 'up' }, cache: { status: 'up' } });

    const admin = await session(ADMIN.email, ADMIN.password, false);
    const articles = Array.from({ length: 20 }, (_, i) => ({ id: `a${i}`, title: `Article ${i}`, category: `c${i % 3}`, created_at: Date.now() - i * 60_000 }));
    const published = await app.inject({ method: 'POST', url: '/api/v1/articles', ...json({ articles }, admin.headers) });
    expect(published.json()).toEqual({ written: 20 });

    const reader = await session('reader@example.com', 'reader password 1234', true);
    const events = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      ...json({ events: [0, 1, 2].map((i) => ({ user_id: reader.id, article_id: `a${i}`, type: 'click', event_id: `${reader.id}-${i}` })) }, reader.headers),
    });
    expect(events.statusCode, events.body).toBe(202);
    expect(events.json()).toEqual({ accepted: 3, mode: 'queued' });
    const profile = await until(
      async () => (await app.inject({ url: `/api/v1/user/profile?user_id=${reader.id}`, headers: reader.headers })).json(),
      (p) => p.interaction_count === 3,
    );
    expect(profile.interaction_count).toBe(3);

    const feedback = await app.inject({ method: 'POST', url: '/api/v1/feedback', ...json({ user_id: reader.id, article_id: 'a5', type: 'like' }, reader.headers) });
    expect(feedback.statusCode).toBe(200);
    const list = (await app.inject({ url: `/api/v1/recommendations?user_id=${reader.id}&n=5`, headers: reader.headers })).json();
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.map((r: { article_id: string }) => r.article_id)).not.toContain('a5');

    const stream = `${redisFix.prefix}{s:interactions}`;
    const held = async () => (await redisFix.client!.xrange(stream, '-', '+')).filter(([, fields]) => fields.join(' ').includes(reader.id)).length;
    expect(await held()).toBeGreaterThan(0);
    const erased = await app.inject({ method: 'DELETE', url: `/api/v1/user/data?user_id=${reader.id}`, headers: reader.headers });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json()).toMatchObject({ interactions: 4, account_deleted: true });
    expect(erased.json().events).toBeGreaterThanOrEqual(3);
    expect(await held()).toBe(0);
    const { rows } = await pgFixture.pool!.query(`SELECT count(*)::int AS n FROM "${pgFixture.schema}".interactions WHERE user_id = $1`, [reader.id]);
    expect(rows[0].n).toBe(0);
  });

  it('keeps the online models of an instance that does not consume the stream up to date (fan-out)', async (context) => {
    if (pgFixture.skip || redisFix.skip) return context.skip(pgFixture.skip ?? redisFix.skip);
    const observing = await openBackends({ ...config, consumeEvents: false, observeEvents: true, admin: undefined });
    try {
      expect(observing.startup.observingEvents).toBe(true);
      const reader = await session('fan-out@example.com', 'reader password 1234', true);
      const clicks = Array.from({ length: 12 }, (_, i) => ({ user_id: reader.id, article_id: `a${i % 4}`, type: 'click', event_id: `${reader.id}-fan-${i}` }));
      expect((await app.inject({ method: 'POST', url: '/api/v1/events', ...json({ events: clicks }, reader.headers) })).statusCode).toBe(202);
      // The consuming instance stores them; the other observes each one for its models.
      const stats = await until(async () => observing.observer!.stats(), (s) => s.observed >= 12);
      expect(stats).toMatchObject({ running: true, observed: 12, invalid: 0 });
    } finally {
      await observing.close();
    }
    expect(observing.observer!.stats().running).toBe(false);
  });

  it('shares one rate-limit budget between two instances through Redis', async (context) => {
    if (pgFixture.skip || redisFix.skip) return context.skip(pgFixture.skip ?? redisFix.skip);
    const limitedConfig = { ...config, rateLimitPerMinute: 4 };
    const first = await buildApp(limitedConfig, backends);
    const second = await buildApp(limitedConfig, backends);
    try {
      const statuses: number[] = [];
      for (const instance of [first, second, first, second, first]) {
        statuses.push((await instance.inject({ url: '/api/v1/articles/trending', remoteAddress: '10.1.2.3' })).statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('switches another instance to a version promoted in the registry, within its refresh interval', async (context) => {
    if (pgFixture.skip || redisFix.skip) return context.skip(pgFixture.skip ?? redisFix.skip);
    const trainer = backends.recommender;
    await trainer.train();
    const first = await trainer.saveModels({ cycle: 1 });
    const other = await openBackends({ ...config, modelRefreshSeconds: 1, consumeEvents: false });
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    try {
      const versions = (saved: Record<string, { version: number }>) => Object.fromEntries(Object.entries(saved).map(([name, v]) => [name, v.version]));
      expect(other.recommender.metrics().modelVersions).toEqual(versions(first));
      // A new cycle's candidates do not serve...
      await trainer.train();
      const second = await trainer.saveModels({ cycle: 2 }, { promote: false });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(other.recommender.metrics().modelVersions).toEqual(versions(first));
      // ...until promoted: then the other instance follows on its next refresh.
      const registry = createPostgresModelRegistry({ pool, schema: pgFixture.schema });
      const promoted = Date.now();
      for (const [name, info] of Object.entries(second)) await registry.promote(name, info.version);
      const seen = await until(async () => other.recommender.metrics().modelVersions, (v) => JSON.stringify(v) === JSON.stringify(versions(second)), 5_000);
      expect(seen).toEqual(versions(second));
      const otherApp = await buildApp({ ...config, modelRefreshSeconds: 1 }, other);
      const admin = await otherApp.inject({ method: 'POST', url: '/api/v1/auth/sign-in', ...json(ADMIN) });
      const metrics = await otherApp.inject({ url: '/metrics', headers: { authorization: `Bearer ${admin.json().access_token}` } });
      expect(metrics.body).toContain(`mycontent_model_version{model="related"} ${second.related!.version}`);
      await otherApp.close();
      console.log(`model rollout: the other instance served the promoted versions ${Date.now() - promoted} ms after the promotion (refresh every 1 s)`);
    } finally {
      await other.close();
      await pool.end();
    }
  });
});
