// The real-time pipeline end to end on the real servers: stream-worker processes (the example,
// as shipped) consuming a Redis Stream — or a NATS JetStream stream — into PostgreSQL + Redis.
// Throughput of one worker and of two in one consumer group on a backlog of events, on each bus,
// then publish -> visible delay measured by recommend() while one worker handles a steady 10,000
// events/s (Redis Streams).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createRandom } from '@mycontent/core/data';
import { createRedisEventBus } from '@mycontent/adapters/redis';
import { createNatsEventBus } from '@mycontent/adapters/nats';
import { connect as connectNats } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { deleteRedisPrefix, log, percentile, report } from '../lib';
import { seedWorkerSchema, workerEngine } from './seed';

const POSTGRES_URL = process.env.MYCONTENT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.MYCONTENT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NATS_URL = process.env.MYCONTENT_TEST_NATS_URL ?? '127.0.0.1:4222';
type Bus = 'redis' | 'nats';
const root = fileURLToPath(new URL('../../', import.meta.url));
const ITEMS = 5_000;
const USERS = 20_000;
const BACKLOG = 100_000;

const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const schemas: string[] = [];
const prefixes: string[] = [];
const workers: ChildProcess[] = [];
const nats = await connectNats({ servers: NATS_URL });
/** The worker's NATS prefix: its --prefix without what NATS names refuse. */
const natsPrefix = (prefix: string) => prefix.replace(/[^A-Za-z0-9_-]/g, '');

/** A fresh schema with a catalogue, 100,000 past clicks and trained, saved models. */
async function setUp(label: string, kind: Bus = 'redis') {
  const schema = `mc_bench_pipe_${label}_${process.pid}`;
  const prefix = `mc-bench-pipe-${label}-${process.pid}:`;
  schemas.push(schema);
  prefixes.push(prefix);
  const recommender = workerEngine(pool, redis, schema, prefix);
  await seedWorkerSchema(recommender, ITEMS, USERS);
  const bus = kind === 'nats' ? createNatsEventBus({ connection: nats, prefix: natsPrefix(prefix) }) : createRedisEventBus({ client: redis, prefix });
  return { schema, prefix, recommender, bus };
}

function startWorker(schema: string, prefix: string, kind: Bus = 'redis'): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=@mycontent/source', '--import', 'tsx', 'examples/stream-worker/src/worker.ts', '--postgres', POSTGRES_URL, '--redis', REDIS_URL, '--schema', schema, '--prefix', prefix, '--batch', '500', '--health-ms', '60000',
      ...(kind === 'nats' ? ['--nats', NATS_URL] : [])],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  workers.push(child);
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('"type":"started"')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

async function stopWorkers(): Promise<void> {
  await Promise.all(workers.splice(0).map((w) => new Promise<void>((resolve) => {
    w.once('exit', () => resolve());
    w.kill('SIGTERM');
  })));
}

const event = (rng: ReturnType<typeof createRandom>, n: number, label: string) => ({
  eventId: `${label}-${n}`,
  userId: `u${rng.int(USERS)}`,
  itemId: `a${Math.floor(ITEMS * rng.next() ** 2)}`,
  type: 'click',
  timestamp: Date.now(),
});

const count = async (schema: string) => Number((await pool.query(`SELECT count(*) AS n FROM "${schema}".interactions`)).rows[0].n);

/** Whether the workers' group has read and acknowledged everything. Cheap enough to poll. */
async function drained(prefix: string, kind: Bus): Promise<boolean> {
  if (kind === 'nats') {
    const info = await (await jetstreamManager(nats)).consumers.info(`${natsPrefix(prefix)}_interactions`, 'mycontent-event-processor').catch(() => undefined);
    return info !== undefined && info.num_pending === 0 && info.num_ack_pending === 0;
  }
  const groups = (await redis.xinfo('GROUPS', `${prefix}{s:interactions}`)) as unknown[][];
  const info = new Map<string, unknown>();
  const group = groups[0] ?? [];
  for (let i = 0; i + 1 < group.length; i += 2) info.set(String(group[i]), group[i + 1]);
  return Number(info.get('pending')) === 0 && Number(info.get('lag')) === 0;
}

/** Publishes a backlog, starts `k` workers, and times them through it. */
async function throughput(k: number, kind: Bus = 'redis') {
  const { schema, prefix, bus } = await setUp(`${kind}${k}`, kind);
  const rng = createRandom(10 + k);
  for (let from = 0; from < BACKLOG; from += 5_000) await bus.publishBatch('interactions', Array.from({ length: 5_000 }, (_, i) => event(rng, from + i, `w${k}`)));
  const base = await count(schema);
  log(`${k} worker(s) on ${kind}: ${BACKLOG.toLocaleString()} events waiting`);
  const started = performance.now();
  await Promise.all(Array.from({ length: k }, () => startWorker(schema, prefix, kind)));
  const ready = performance.now();
  // Polled on the bus: a count(*) on PostgreSQL every few ms would take the database's time.
  while (!(await drained(prefix, kind))) await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - ready;
  await stopWorkers();
  const applied = (await count(schema)) - base;
  if (applied !== BACKLOG) throw new Error(`${k} worker(s): ${applied} events applied, expected ${BACKLOG}`);
  return { workers: k, events: BACKLOG, ms, perSecond: BACKLOG / (ms / 1000), startupMs: ready - started };
}

/** One worker under a steady load; probes publish a click and poll recommend() until it shows. */
async function freshness(rate: number, seconds: number) {
  const { schema, prefix, bus, recommender } = await setUp('fresh');
  await recommender.loadModels();
  await startWorker(schema, prefix);
  const rng = createRandom(99);
  let published = 0;
  let stop = false;
  const producer = (async () => {
    const start = performance.now();
    while (!stop) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      if (due > published) {
        const n = Math.min(due - published, 1_000);
        await bus.publishBatch('interactions', Array.from({ length: n }, (_, i) => event(rng, published + i, 'load')));
        published += n;
      } else await new Promise((r) => setTimeout(r, 5));
    }
    return performance.now() - start;
  })();
  const delays: number[] = [];
  const end = Date.now() + seconds * 1000;
  let probe = 0;
  while (Date.now() < end) {
    const userId = `probe-${probe++}`;
    const before = await recommender.recommend({ userId, n: 10, useCache: false });
    const clicked = before.items[0]!.itemId;
    const t = performance.now();
    await bus.publish('interactions', { userId, itemId: clicked, type: 'click', timestamp: Date.now() });
    // Visible: the next recommend() for the user no longer offers the clicked article (seen).
    for (;;) {
      const list = await recommender.recommend({ userId, n: 10 });
      if (!list.items.some((r) => r.itemId === clicked)) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    delays.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  stop = true;
  const producedMs = await producer;
  const base = 100_000;
  while ((await count(schema)) < base + published + probe) await new Promise((r) => setTimeout(r, 20));
  await stopWorkers();
  delays.sort((a, b) => a - b);
  return { rate: published / (producedMs / 1000), seconds, probes: delays.length, p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1)! };
}

try {
  const one = await throughput(1);
  log(`1 worker: ${one.perSecond.toFixed(0)} events/s`);
  const two = await throughput(2);
  log(`2 workers: ${two.perSecond.toFixed(0)} events/s`);
  const natsOne = await throughput(1, 'nats');
  log(`1 worker on NATS JetStream: ${natsOne.perSecond.toFixed(0)} events/s`);
  const natsTwo = await throughput(2, 'nats');
  log(`2 workers on NATS JetStream: ${natsTwo.perSecond.toFixed(0)} events/s`);
  const fresh = await freshness(10_000, 15);
  log(`freshness at ${fresh.rate.toFixed(0)} events/s: p50 ${fresh.p50.toFixed(1)} ms, p99 ${fresh.p99.toFixed(1)} ms`);
  report({ one, two, nats: { one: natsOne, two: natsTwo }, fresh, items: ITEMS, users: USERS });
} finally {
  for (const w of workers) w.kill('SIGKILL');
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  for (const prefix of prefixes) await deleteRedisPrefix(redis, prefix);
  const manager = await jetstreamManager(nats);
  for (const prefix of prefixes) for (const stream of [`${natsPrefix(prefix)}_interactions`, `${natsPrefix(prefix)}_interactions_dead`]) await manager.streams.delete(stream).catch(() => undefined);
  await nats.close();
  await pool.end();
  redis.disconnect();
}
