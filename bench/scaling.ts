/**
 * Past one machine, measured on this one (`npm run bench:scaling`):
 *
 * - partitioned streams: 1, 2 and 4 stream-worker processes (the example, as shipped) sharing an
 *   8-partition NATS JetStream topic by leases in Redis, through a backlog of keyed events into
 *   PostgreSQL + Redis — events/s, and CPU per event (the workers' own, and the whole machine's:
 *   workers, PostgreSQL, NATS and Redis), the figure that carries to more machines;
 * - fan-out: how many events one serving process can observe (the news preset's online models,
 *   `observeInteractions`), alone and from a NATS stream — the ceiling of every instance
 *   observing every event;
 * - retention: dropping a day of the partitioned interaction log against deleting it row by row.
 *
 * Writes the `scaling` section of BENCHMARKS.md.
 *
 *   npm run bench:scaling [-- --events 100000 --out BENCHMARKS.md]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createRecommender, type InteractionInput } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createPostgresStore } from '@mycontent/adapters/postgres';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createNatsEventBus } from '@mycontent/adapters/nats';
import { connect as connectNats } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { newsPreset } from '@mycontent/algorithms';
import { deleteRedisPrefix, fmt, gitRevision, log, machine } from './lib';
import { seedWorkerSchema, workerEngine } from './pipeline/seed';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const POSTGRES_URL = process.env.MYCONTENT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.MYCONTENT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NATS_URL = process.env.MYCONTENT_TEST_NATS_URL ?? '127.0.0.1:4222';
const root = fileURLToPath(new URL('../', import.meta.url));
const BACKLOG = Number(values.events);
const PARTITIONS = 8;
const ITEMS = 5_000;
const USERS = 20_000;
/** Clock ticks per second of /proc CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;

const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const nats = await connectNats({ servers: NATS_URL });
const schemas: string[] = [];
const prefixes: string[] = [];
const workers: ChildProcess[] = [];
const natsPrefix = (prefix: string) => prefix.replace(/[^A-Za-z0-9_-]/g, '');

/** CPU seconds of one process (user + system), from /proc. */
function processCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}
/** Busy CPU seconds of the whole machine (every core), from /proc/stat. */
function machineCpu(): number {
  const [, ...times] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const t = times.map(Number);
  const idle = t[3]! + t[4]!; // idle + iowait
  return (t.reduce((a, b) => a + b, 0) - idle) / TICKS;
}

/** A fresh schema with a catalogue, 100,000 past clicks and trained, saved models (what the workers load). */
async function setUp(label: string) {
  const schema = `mc_bench_scale_${label}_${process.pid}`;
  const prefix = `mc-bench-scale-${label}-${process.pid}:`;
  schemas.push(schema);
  prefixes.push(prefix);
  await seedWorkerSchema(workerEngine(pool, redis, schema, prefix), ITEMS, USERS);
  return { schema, prefix, bus: createNatsEventBus({ connection: nats, prefix: natsPrefix(prefix), partitions: PARTITIONS }) };
}

/** A stream worker on the partitioned topic; resolves with the process and its health lines. */
function startWorker(schema: string, prefix: string): Promise<{ child: ChildProcess; owned: () => number[] }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@mycontent/source', '--import', 'tsx', 'examples/stream-worker/src/worker.ts', '--postgres', POSTGRES_URL, '--redis', REDIS_URL, '--schema', schema, '--prefix', prefix,
      '--batch', '500', '--health-ms', '250', '--nats', NATS_URL, '--partitions', String(PARTITIONS), '--lease-ttl-ms', '3000'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  workers.push(child);
  let owned: number[] = [];
  let buffer = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, i)) as { type: string; partitions?: number[] };
        buffer = buffer.slice(i + 1);
        if (line.type === 'health' && line.partitions) owned = line.partitions;
        if (line.type === 'started') resolve({ child, owned: () => owned });
      }
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

const count = async (schema: string) => Number((await pool.query(`SELECT count(*) AS n FROM "${schema}".interactions`)).rows[0].n);

/** Whether every partition's consumer of the workers' group has read and acknowledged everything. */
async function drained(prefix: string): Promise<boolean> {
  const manager = await jetstreamManager(nats);
  for (let p = 0; p < PARTITIONS; p++) {
    const info = await manager.consumers.info(`${natsPrefix(prefix)}_interactions`, `mycontent-event-processor__p${p}`).catch(() => undefined);
    if (!info || info.num_pending > 0 || info.num_ack_pending > 0) return false;
  }
  return true;
}

/** `k` workers settle on their partitions; then a backlog of keyed events is published and timed through. */
async function partitioned(k: number) {
  const { schema, prefix, bus } = await setUp(`w${k}`);
  const started = await Promise.all(Array.from({ length: k }, () => startWorker(schema, prefix)));
  const settleFrom = performance.now();
  while (!(started.reduce((n, w) => n + w.owned().length, 0) === PARTITIONS && started.every((w) => w.owned().length > 0))) await new Promise((r) => setTimeout(r, 50));
  const settleMs = performance.now() - settleFrom;
  const base = await count(schema);
  const rng = createRandom(10 + k);
  const cpu0 = started.map((w) => processCpu(w.child.pid!));
  const machine0 = machineCpu();
  const t0 = performance.now();
  for (let from = 0; from < BACKLOG; from += 5_000) {
    await bus.publishBatch('interactions', Array.from({ length: 5_000 }, (_, i) => {
      const n = from + i;
      const user = `u${rng.int(USERS)}`;
      return { eventId: `w${k}-${n}`, userId: user, sessionId: `${user}-s`, itemId: `a${Math.floor(ITEMS * rng.next() ** 2)}`, type: 'click', timestamp: Date.now() };
    }));
  }
  while (!(await drained(prefix))) await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - t0;
  const workerCpu = started.reduce((sum, w, i) => sum + processCpu(w.child.pid!) - cpu0[i]!, 0);
  const machineBusy = machineCpu() - machine0;
  const shares = started.map((w) => w.owned().length);
  await stopWorkers();
  const applied = (await count(schema)) - base;
  if (applied !== BACKLOG) throw new Error(`${k} worker(s): ${applied} events applied, expected ${BACKLOG}`);
  return { workers: k, events: BACKLOG, ms, perSecond: BACKLOG / (ms / 1000), workerCpuUs: (workerCpu * 1e6) / BACKLOG, machineCpuUs: (machineBusy * 1e6) / BACKLOG, settleMs, shares };
}

/** Sessions of news clicks: what a serving instance observes. */
function clicks(count: number, seed: number): InteractionInput[] {
  const rng = createRandom(seed);
  const out: InteractionInput[] = [];
  const now = Date.now() - 600_000;
  for (let n = 0; n < count; n++) {
    const session = rng.int(count / 6);
    out.push({ userId: `u${session % USERS}`, sessionId: `s${session}`, itemId: `a${Math.floor(ITEMS * rng.next() ** 2)}`, type: 'click', timestamp: now + n, eventId: `o${seed}-${n}` });
  }
  return out;
}

/** One serving process with the news preset, trained on 100,000 clicks. */
async function servingInstance() {
  const recommender = createRecommender({ store: createMemoryStore(), ...newsPreset() });
  await recommender.ingestItems(Array.from({ length: ITEMS }, (_, i) => ({ id: `a${i}`, createdAt: Date.now() - 86_400_000, category: `c${i % 20}` })));
  const history = clicks(100_000, 1).map((x) => ({ ...x, timestamp: Number(x.timestamp) - 3_600_000 }));
  for (let i = 0; i < history.length; i += 10_000) await recommender.ingestInteractions(history.slice(i, i + 10_000));
  await recommender.train();
  return recommender;
}

/** The fan-out ceiling: events one process observes per second, alone and from a NATS stream. */
async function fanOut() {
  const events = clicks(BACKLOG * 2, 2);
  const alone = await servingInstance();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += 500) await alone.observeInteractions(events.slice(i, i + 500));
  const engineMs = performance.now() - t0;
  const engineCpu = process.cpuUsage(cpu0);

  const prefix = `mc-bench-scale-fan-${process.pid}:`;
  prefixes.push(prefix);
  const bus = createNatsEventBus({ connection: nats, prefix: natsPrefix(prefix) });
  for (let i = 0; i < events.length; i += 5_000) await bus.publishBatch('interactions', events.slice(i, i + 5_000).map((x) => ({ ...x, eventId: `n-${x.eventId}` })));
  const observing = await servingInstance();
  let observed = 0;
  const t1 = performance.now();
  const done = new Promise<void>((resolve) => {
    void bus.subscribeBatch<InteractionInput>(
      'interactions',
      async (messages) => {
        const report = await observing.observeInteractions(messages.map((m) => m.payload));
        observed += report.observed;
        if (observed >= events.length) resolve();
      },
      { batchSize: 500, startFrom: 'earliest' },
    );
  });
  await done;
  const streamMs = performance.now() - t1;
  await bus.close();
  return {
    events: events.length,
    engine: { perSecond: events.length / (engineMs / 1000), cpuUs: (engineCpu.user + engineCpu.system) / events.length },
    nats: { perSecond: events.length / (streamMs / 1000) },
    openSessions: observing.metrics().models.sessions?.openSessions ?? 0,
  };
}

/** Retention on the partitioned log: one day dropped against the same rows deleted. */
async function retention(rows: number) {
  const schema = `mc_bench_scale_ret_${process.pid}`;
  schemas.push(schema);
  const store = createPostgresStore({ pool, schema });
  const day = Date.UTC(2026, 0, 1);
  const rng = createRandom(5);
  const batch = (d: number, i: number) =>
    Array.from({ length: 10_000 }, (_, k) => ({ userId: `u${rng.int(USERS)}`, itemId: `a${rng.int(ITEMS)}`, type: 'click' as const, timestamp: day + d * 86_400_000 + k * 8, eventId: `d${d}-${i + k}` }));
  for (const d of [0, 1]) for (let i = 0; i < rows; i += 10_000) await store.interactions.append(batch(d, i));
  await pool.query(`VACUUM ANALYZE "${schema}".interactions`);
  // Day 1 deleted row by row with its event ids, then vacuumed (what an unpartitioned log pays),
  // against day 0 expired: its partition dropped, its ids deleted and their table vacuumed.
  const day1 = [new Date(day + 86_400_000), new Date(day + 2 * 86_400_000)];
  const t0 = performance.now();
  await pool.query(`DELETE FROM "${schema}".interactions WHERE "timestamp" >= $1 AND "timestamp" < $2`, day1);
  await pool.query(`DELETE FROM "${schema}".interaction_events WHERE "timestamp" >= $1 AND "timestamp" < $2`, day1);
  await pool.query(`VACUUM "${schema}".interactions_20260102`);
  await pool.query(`VACUUM "${schema}".interaction_events`);
  const deleteMs = performance.now() - t0;
  const t1 = performance.now();
  await store.interactions.expireBefore!(day + 86_400_000);
  await pool.query(`VACUUM "${schema}".interaction_events`);
  const dropMs = performance.now() - t1;
  return { rows, deleteMs, dropMs };
}

try {
  const runs = [];
  for (const k of [1, 2, 4]) {
    log(`partitioned stream: ${k} worker(s), ${BACKLOG.toLocaleString()} events...`);
    const run = await partitioned(k);
    log(`${k} worker(s): ${run.perSecond.toFixed(0)} events/s, ${run.workerCpuUs.toFixed(0)} µs of worker CPU per event (shares ${run.shares.join('/')})`);
    runs.push(run);
  }
  log('fan-out: one serving process observing every event...');
  const fan = await fanOut();
  log(`fan-out: ${fan.engine.perSecond.toFixed(0)} events/s in the engine, ${fan.nats.perSecond.toFixed(0)} from NATS`);
  log('retention: a day dropped against a day deleted...');
  const ret = await retention(500_000);
  log(`retention: drop ${ret.dropMs.toFixed(1)} ms, delete ${ret.deleteMs.toFixed(0)} ms`);

  const s = (ms: number) => `${fmt(ms / 1000, 2)} s`;
  const section = `<!-- scaling:start -->
## Past one machine (\`bench/scaling.ts\`)

\`npm run bench:scaling\` on ${machine()}, revision ${gitRevision()}, ${new Date().toISOString().slice(0, 10)}. The servers
(PostgreSQL, Redis, NATS) run on the same 2 cores as the workers: the events/s stop growing past two processes here; the CPU
per event is the figure that carries to more machines.

**Partitioned stream.** \`examples/stream-worker\` processes sharing an ${PARTITIONS}-partition NATS JetStream topic (\`--partitions ${PARTITIONS}\`, leases in
Redis), each partition owned by one worker; ${BACKLOG.toLocaleString()} events keyed by session, published once the workers had settled
on their partitions, into PostgreSQL (interactions, statistics, profiles) and Redis (cache invalidation, recomputed lists).

| workers | partitions each | settled in | events | time | events/s | worker CPU per event | machine CPU per event |
| --- | --- | --- | --- | --- | --- | --- | --- |
${runs.map((r) => `| ${r.workers} | ${r.shares.join(' / ')} | ${s(r.settleMs)} | ${r.events.toLocaleString()} | ${s(r.ms)} | **${fmt(r.perSecond, 0)}** | ${fmt(r.workerCpuUs, 0)} µs | ${fmt(r.machineCpuUs, 0)} µs |`).join('\n')}

Machine CPU counts every process (workers, PostgreSQL, NATS, Redis): at ${fmt(runs[0]!.machineCpuUs, 0)} µs an event, one core carries
~${fmt(1e6 / runs[0]!.machineCpuUs, 0)} events/s of the whole pipeline.

**Fan-out ceiling.** One serving process (the news preset: session neighbours, item co-reads, recent popularity; trained on
100,000 clicks) observing ${fan.events.toLocaleString()} events of sessions with \`observeInteractions\` (batches of 500): the rate up to which
every instance can observe every event (\`createEventObserver\`, the service's \`OBSERVE_EVENTS\`).

| path | events/s | CPU per event |
| --- | --- | --- |
| \`observeInteractions\` alone | **${fmt(fan.engine.perSecond, 0)}** | ${fmt(fan.engine.cpuUs, 1)} µs |
| from a NATS JetStream stream (decode + observe) | **${fmt(fan.nats.perSecond, 0)}** | |

**Retention.** The partitioned interaction log, ${ret.rows.toLocaleString()} events a day: one day expired by \`expireBefore\` (its
partition dropped, its event ids deleted, their table vacuumed) in **${s(ret.dropMs)}**, against ${s(ret.deleteMs)} to \`DELETE\` the same
events and ids row by row and \`VACUUM\` both tables. The log's part is a \`DROP TABLE\`, the same for any size; the event ids'
part grows with the day's events.
<!-- scaling:end -->`;
  const out = values.out!;
  const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const marked = /<!-- scaling:start -->[\s\S]*?<!-- scaling:end -->/;
  writeFileSync(out, marked.test(previous) ? previous.replace(marked, section) : `${previous.trimEnd()}\n\n${section}\n`);
  log(`wrote the scaling section of ${out}`);
} finally {
  for (const w of workers) w.kill('SIGKILL');
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  for (const prefix of prefixes) await deleteRedisPrefix(redis, prefix);
  const manager = await jetstreamManager(nats);
  for await (const name of manager.streams.names()) if (prefixes.some((p) => name.startsWith(`${natsPrefix(p)}_`))) await manager.streams.delete(name).catch(() => undefined);
  await nats.close();
  await pool.end();
  redis.disconnect();
}
