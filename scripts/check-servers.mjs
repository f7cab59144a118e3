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
const natsUrl = process.env.MYCONTENT_TEST_NATS_URL ?? `${process.env.NATS_HOST ?? '127.0.0.1'}:${process.env.NATS_PORT ?? '4222'}`;
try {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const connection = await connect({ servers: natsUrl, timeout: 5_000, maxReconnectAttempts: 0 });
  try {
    await (await jetstreamManager(connection)).getAccountInfo();
    console.log(`NATS answers at ${natsUrl} (server ${connection.info?.version ?? '?'}, JetStream on)`);
  } finally {
    await connection.close();
  }
} catch (error) {
  failed = true;
  console.error(`NATS with JetStream does NOT answer at ${natsUrl}: ${error.message}\n  set MYCONTENT_TEST_NATS_URL (or NATS_HOST/NATS_PORT) to a server started with -js`);
}
process.exit(failed ? 1 : 0);
