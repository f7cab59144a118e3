// Checks that the servers the adapter tests need answer, with the tests' settings, and says
// clearly which one does not. CI runs it before `npm test` (which, with CI=true, fails on a
// missing server anyway, but less readably).
import pg from 'pg';
import { Redis } from 'ioredis';

const postgresUrl =
  process.env.MYCONTENT_TEST_POSTGRES_URL ??
  `postgres://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? '5432'}/${process.env.PGDATABASE ?? 'test'}`;
const redisUrl = process.env.MYCONTENT_TEST_REDIS_URL ?? `redis://${process.env.REDIS_HOST ?? '127.0.0.1'}:${process.env.REDIS_PORT ?? '6379'}`;

let failed = false;
try {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  const { rows } = await client.query('SHOW server_version');
  await client.end();
  console.log(`PostgreSQL answers at ${postgresUrl} (server ${rows[0].server_version})`);
} catch (error) {
  failed = true;
  console.error(`PostgreSQL does NOT answer at ${postgresUrl}: ${error.message}\n  set MYCONTENT_TEST_POSTGRES_URL (or PGHOST/PGPORT/PGUSER/PGDATABASE) to a reachable server`);
}
const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
redis.on('error', () => {});
try {
  await redis.connect();
  const info = await redis.info('server');
  console.log(`Redis answers at ${redisUrl} (server ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'})`);
} catch (error) {
  failed = true;
  console.error(`Redis does NOT answer at ${redisUrl}: ${error.message}\n  set MYCONTENT_TEST_REDIS_URL (or REDIS_HOST/REDIS_PORT) to a reachable server`);
} finally {
  redis.disconnect();
}
process.exit(failed ? 1 : 0);
