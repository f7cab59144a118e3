/**
 * The reference REST service.
 *
 *   npm start                                   # embedded defaults: PGlite, in-process cache, demo news
 *   DATABASE_URL=postgres://... REDIS_URL=redis://... npm start
 *
 * Every setting is an environment variable (src/config.ts, docs/guides/rest-service.md).
 * SIGTERM / SIGINT: stop accepting connections, finish the requests in flight, close the pools.
 */
import { buildApp } from './app';
import { openBackends } from './backends';
import { readConfig } from './config';

let config;
try {
  config = readConfig();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
}

const started = performance.now();
console.log(config.databaseUrl ? 'My Content service: opening PostgreSQL' + (config.redisUrl ? ' and Redis' : '') : `My Content service: embedded defaults (PGlite in memory, "${config.demo.scale}" demo news)`);
const backends = await openBackends(config);
const app = await buildApp(config, backends, { level: process.env.LOG_LEVEL ?? (config.production ? 'info' : 'warn') });
const address = await app.listen({ host: config.host, port: config.port });
console.log(JSON.stringify({ type: 'started', url: address, ...backends.startup, startMs: Math.round(performance.now() - started) }));
console.log(`API: ${address}/api/v1   interactive docs: ${address}/docs`);
if (config.jwtSecretGenerated) console.log('note: JWT_SECRET is not set; tokens are signed with a key drawn at start and do not survive a restart');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ type: 'stopping', signal }));
  await app.close(); // stops accepting, waits for in-flight requests
  await backends.close();
  console.log(JSON.stringify({ type: 'stopped', signal }));
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
