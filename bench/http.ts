/**
 * HTTP load test of the REST service (examples/service), with autocannon: warm
 * `GET /api/v1/recommendations` at a fixed rate (latency p50/p95/p99, errors), then as fast as it
 * goes (the ceiling), on the embedded default and on PostgreSQL + Redis. The service runs in its
 * own process; the load comes from this one. Writes the "http" section of BENCHMARKS.md.
 *
 *   npm run bench:http -- [--rate 1000] [--seconds 20] [--connections 50] [--users 2000] [--postgres URL] [--redis URL]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { deleteRedisPrefix, fmt, gitRevision, log, machine } from './lib';
import { adminToken, demoNewsAndReaders, openLoop, seedPostgres, startService, stopService } from './service-load';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    users: { type: 'string', default: '2000' },
    postgres: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const SEED = 42;

// The demo news: the embedded service seeds the same (scale demo, seed 42); the users with the
// most clicks are the ones asked for (personalised lists).
const { news, users } = demoNewsAndReaders(Number(values.users));

interface Load {
  requests: number;
  perSecond: number;
  errors: number;
  non2xx: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const pathFor = (n: number) => `/api/v1/recommendations?user_id=${encodeURIComponent(users[n % users.length]!)}&n=10`;

/** The open-loop load at a fixed rate (see `openLoop`), summarised. */
async function fixedRate(url: string, token: string, perSecond: number, duration: number): Promise<Load> {
  const { samples, elapsedMs } = await openLoop(url, token, perSecond, duration, pathFor);
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const failed = samples.filter((s) => s.failed).length;
  return {
    requests: samples.length,
    perSecond: samples.length / (elapsedMs / 1000),
    errors: 0,
    non2xx: failed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? 0,
  };
}

/** `GET /recommendations` for the users in turn, as fast as `connections` keep-alive connections go (autocannon). */
async function ceiling(url: string, token: string, duration: number): Promise<Load> {
  let next = 0;
  const latencies: number[] = [];
  const options: autocannon.Options = {
    url,
    connections,
    duration,
    headers: { authorization: `Bearer ${token}` },
    requests: [
      {
        setupRequest: (request) => ({ ...request, path: pathFor(next++) }),
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / duration,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? 0,
  };
}

async function measure(label: string, env: Record<string, string>) {
  log(`${label}: starting the service`);
  const service = await startService(env);
  log(`${label}: serving after ${fmt(service.startMs / 1000, 1)} s at ${service.url}`);
  const token = await adminToken(service.url);
  // Warm: every user's list computed once and cached.
  for (let i = 0; i < users.length; i += 50) {
    await Promise.all(users.slice(i, i + 50).map((user) => fetch(`${service.url}/api/v1/recommendations?user_id=${encodeURIComponent(user)}&n=10`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.arrayBuffer())));
  }
  log(`${label}: ${fmt(rate, 0)} requests/s for ${seconds} s`);
  const fixed = await fixedRate(service.url, token, rate, seconds);
  log(`${label}: as fast as it goes for ${seconds} s`);
  const fastest = await ceiling(service.url, token, seconds);
  await stopService(service);
  return { label, startMs: service.startMs, fixed, ceiling: fastest };
}

const results: Awaited<ReturnType<typeof measure>>[] = [];
results.push(await measure('embedded default (PGlite, in-process cache)', { DEMO_SCALE: 'demo', DEMO_SEED: String(SEED) }));

// PostgreSQL + Redis: the same demo news ingested into a fresh schema first.
const schema = `bench_http_${Date.now().toString(36)}`;
const prefix = `${schema}:`;
const pool = new pg.Pool({ connectionString: values.postgres, max: 4 });
try {
  log(`PostgreSQL + Redis: ingesting the demo news into schema ${schema}`);
  await seedPostgres(pool, schema, news);
  results.push(await measure('PostgreSQL + Redis', { DATABASE_URL: values.postgres!, DATABASE_SCHEMA: schema, REDIS_URL: values.redis!, REDIS_PREFIX: prefix }));
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  const redis = new Redis(values.redis!);
  await deleteRedisPrefix(redis, prefix);
  await redis.quit();
}

const ms = (v: number) => `${fmt(v, v < 10 ? 2 : 1)} ms`;
const row = (r: (typeof results)[number], which: 'fixed' | 'ceiling') => {
  const l = r[which];
  return `| ${r.label} | ${which === 'fixed' ? `${fmt(rate, 0)}/s` : 'unthrottled'} | ${fmt(l.perSecond, 0)} | ${ms(l.p50)} | ${which === 'fixed' ? `**${ms(l.p95)}**` : ms(l.p95)} | ${ms(l.p99)} | ${ms(l.max)} | ${l.errors + l.non2xx} |`;
};
const section = `<!-- http:start -->
## The REST service under load (\`npm run bench:http\`)

\`npm run bench:http\` on ${new Date().toISOString().slice(0, 10)} (commit ${gitRevision()}); ${machine()}.
The service (\`examples/service\`, \`npm start\`) runs in its own process; the load generator, in another on the
same 2 cores, sends \`GET /api/v1/recommendations?user_id=…&n=10\` with an admin's bearer token for the
${users.length.toLocaleString()} most active users of the demo news (20,000 articles, 150,000 clicks; item-kNN + content +
trending) in turn, ${seconds} s per row, after one warm-up request per user (warm: the lists are in the cache; each
request still verifies the JWT, checks the rate limit, validates the query, reads the cache and serialises through
the response schema). At a fixed rate the load is open-loop: request n is sent at n / rate seconds whatever the
earlier answers, and its latency counts from then (no coordinated omission). Unthrottled, autocannon keeps
${connections} connections busy: the requests/s is the ceiling, and its latency is mostly queueing behind the
${connections} requests in flight. Target: p95 < 25 ms at 1,000 requests/s with zero errors.

| deployment | offered load | served requests/s | p50 | p95 | p99 | max | errors |
| --- | --- | --- | --- | --- | --- | --- | --- |
${results.flatMap((r) => [row(r, 'fixed'), row(r, 'ceiling')]).join('\n')}

Start to serving: ${results.map((r) => `${r.label} ${fmt(r.startMs / 1000, 1)} s`).join('; ')} (the embedded start generates, ingests and
trains on the demo news; the PostgreSQL start trains on what the database holds).
${results.map((r) => `${r.label}: target ${r.fixed.p95 < 25 && r.fixed.errors + r.fixed.non2xx === 0 && r.fixed.perSecond > rate * 0.95 ? 'met ✅' : 'missed ❌'}`).join('; ')}.
<!-- http:end -->`;

const out = values.out!;
const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
const marked = /<!-- http:start -->[\s\S]*?<!-- http:end -->/;
writeFileSync(out, marked.test(previous) ? previous.replace(marked, section) : `${previous.trimEnd()}\n\n${section}\n`);
console.log(JSON.stringify(results));
log(`wrote the http section of ${out}`);
