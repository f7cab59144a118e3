/**
 * The deployment past one machine, under faults. On loopback: a three-node NATS JetStream cluster
 * (streams replicated 3 times, the event topic in 4 partitions), a Redis Cluster of three masters
 * with a replica each, a PostgreSQL primary and a streaming replica, two stream workers sharing the
 * partitions by leases, and three service instances (reads from the replica, fan-out observers).
 * Under a steady load of events and recommendation requests, one JetStream node, one Redis master,
 * one worker and one service instance are killed (SIGKILL) at moments drawn from a seed. The client
 * retries a failed request on another instance (at most 5 attempts over ~6 s).
 *
 * Three seconds in, new model versions are promoted in the registry: every live instance must serve
 * them within a few seconds (their refresh interval is 1 s), without a request failing.
 *
 * Measured and asserted: requests failed after their retries (0), events accepted but never stored
 * (0), events applied twice (0: item statistics and profiles counted once per stored event), and
 * recovery of each fault within 15 s. Reported: p99 latency of recommendation requests before,
 * during (5 s) and after each fault, and of event posts during it, retries included.
 * `MYCONTENT_CHAOS_SEED` picks other moments; `MYCONTENT_CHAOS_SECONDS` the load's length (40).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createRecommender } from '@mycontent/core';
import { createRandom } from '@mycontent/core/data';
import { createPostgresModelRegistry, createPostgresStore } from '@mycontent/adapters/postgres';
import { createPopularityModel } from '@mycontent/algorithms';
import { runScript } from '../../stream-worker/test/workers';
import { CI, hasBinary, postgresBinaries, startNatsCluster, startPostgresServer, startRedisCluster, type ThrowawayPostgres } from '../../../packages/adapters/test/servers';

const SEED = Number(process.env.MYCONTENT_CHAOS_SEED ?? 7);
const SECONDS = Number(process.env.MYCONTENT_CHAOS_SECONDS ?? 40);
const PARTITIONS = 4;
const ARTICLES = 200;
const READERS = 12;
const METRICS_TOKEN = 'chaos-metrics-token-0123456789abcdef';

const binaries = (await postgresBinaries()) !== undefined && (await hasBinary('redis-server')) && (await hasBinary('redis-cli')) && (await hasBinary('nats-server'));
if (!binaries && CI) throw new Error('a CI run requires initdb/postgres, redis-server, redis-cli and nats-server for the chaos test');
if (!binaries) console.warn('[service tests] skipping the chaos test: PostgreSQL, Redis or NATS binaries missing');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p99 = (values: number[]) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
};

/** A child process whose JSON lines are collected. */
type Child = ReturnType<typeof runScript>;
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
const kill = async (c: ChildProcess) => {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((resolve) => c.once('exit', resolve));
  c.kill('SIGKILL');
  await exited;
};

const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.all(children.map(kill));
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}, 60_000);

describe.skipIf(!binaries)('chaos: NATS, Redis Cluster, PostgreSQL replica, workers and services under faults', () => {
  it('loses no request, no event and applies none twice while a node of each kind dies', async () => {
    // --- The servers.
    const nats = await startNatsCluster();
    cleanups.push(() => nats.stop());
    const redis = await startRedisCluster({ replicas: 1 });
    cleanups.push(() => redis.stop());
    const primary: ThrowawayPostgres = await startPostgresServer();
    cleanups.push(() => primary.stop());
    const pool = new pg.Pool({ connectionString: primary.url, max: 4 });
    pool.on('error', () => {});
    cleanups.push(() => pool.end());

    // A catalogue and past clicks, then the replica (a copy of it, following the primary).
    const seed = createRecommender({ store: createPostgresStore({ pool }), models: { popular: createPopularityModel() } });
    const T0 = Date.now() - 3_600_000;
    await seed.ingestItems(Array.from({ length: ARTICLES }, (_, i) => ({ id: `a${i}`, title: `Article ${i}`, category: `c${i % 5}`, createdAt: T0 })));
    const rng = createRandom(SEED);
    await seed.ingestInteractions(Array.from({ length: 5_000 }, (_, n) => ({ userId: `past${n % 300}`, itemId: `a${Math.floor(ARTICLES * rng.next() ** 2)}`, type: 'click' as const, timestamp: T0 + n })));
    const replica = await startPostgresServer({ replicaOf: primary.port });
    cleanups.push(() => replica.stop());

    const redisNodes = redis.ports.map((p) => `127.0.0.1:${p}`).join(',');
    const natsUrls = nats.urls.join(',');
    // --- Two workers sharing 4 partitions by leases; three service instances.
    const worker = () =>
      runScript('examples/stream-worker/src/worker.ts', [
        '--postgres', primary.url, '--redis-cluster', redisNodes, '--nats', natsUrls, '--nats-replicas', '3',
        '--partitions', String(PARTITIONS), '--lease-ttl-ms', '5000', '--claim-idle-ms', '3000', '--health-ms', '250', '--batch', '200',
      ]);
    const workers = [worker(), worker()];
    children.push(...workers.map((w) => w.child));
    const service = () =>
      runScript('examples/service/src/main.ts', [], {
        PORT: '0',
        DATABASE_URL: primary.url,
        DATABASE_READ_URL: replica.url,
        REDIS_CLUSTER_NODES: redisNodes,
        NATS_URL: natsUrls,
        NATS_REPLICAS: '3',
        STREAM_PARTITIONS: String(PARTITIONS),
        JWT_SECRET: 'chaos-test-secret-chaos-test-secret-0123',
        DEMO_SCALE: 'none',
        RATE_LIMIT_PER_MINUTE: '1000000',
        AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
        MODEL_REFRESH_SECONDS: '1',
        METRICS_TOKEN,
        LOG_LEVEL: 'fatal',
      });
    // The first instance trains and saves the models; the others load them.
    const services = [service()];
    await until(() => services[0]!.lines.some((l) => l.type === 'started'), 120_000, 'the first service');
    services.push(service(), service());
    children.push(...services.map((s) => s.child));
    await until(() => services.every((s) => s.lines.some((l) => l.type === 'started')), 120_000, 'the services');
    const urls = services.map((s) => String(s.lines.find((l) => l.type === 'started')!.url));
    const owned = (w: Child) => ((w.lines.filter((l) => l.type === 'health').at(-1)?.partitions as number[] | undefined) ?? []);
    await until(() => owned(workers[0]!).length + owned(workers[1]!).length === PARTITIONS && workers.every((w) => owned(w).length > 0), 60_000, 'the workers to share the partitions');

    // --- Readers, signed up once (their tokens are valid on every instance: one secret).
    const readers: { id: string; token: string }[] = [];
    for (let r = 0; r < READERS; r++) {
      const response = await fetch(`${urls[0]}/api/v1/auth/sign-up`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `reader${r}@example.com`, password: 'reader password 1234' }) });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { account: { id: string }; access_token: string };
      readers.push({ id: body.account.id, token: body.access_token });
    }
    const statsBefore = Number((await pool.query(`SELECT coalesce(sum(clicks), 0)::int AS n FROM mycontent.item_stats`)).rows[0].n);

    // --- The client: round robin over the live instances, a failed attempt retried on the next.
    const live = new Set(urls);
    let turn = 0;
    type Outcome = { kind: 'events' | 'recommend'; sentAt: number; ms: number; attempts: number; ok: boolean };
    const outcomes: Outcome[] = [];
    const accepted = new Set<string>();
    /** Failed attempts, for the report. */
    const errors: { at: number; kind: string; error: string }[] = [];
    const started = Date.now();
    async function send(kind: Outcome['kind'], path: string, init: RequestInit): Promise<boolean> {
      const sentAt = Date.now() - started;
      const t = performance.now();
      let attempts = 0;
      for (let backoff = 200; attempts < 5; backoff *= 2) {
        const base = [...live][turn++ % live.size]!;
        attempts++;
        try {
          const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(2_000) });
          await response.arrayBuffer();
          if (response.status >= 500) errors.push({ at: Date.now() - started, kind, error: `HTTP ${response.status}` });
          if (response.status < 500) {
            outcomes.push({ kind, sentAt, ms: performance.now() - t, attempts, ok: response.ok });
            return response.ok;
          }
        } catch (error) {
          // refused, reset or timed out: the next instance
          const cause = (error as { cause?: { code?: string } }).cause?.code;
          errors.push({ at: Date.now() - started, kind, error: cause ?? (error as Error).name });
        }
        await sleep(backoff);
      }
      outcomes.push({ kind, sentAt, ms: performance.now() - t, attempts, ok: false });
      return false;
    }

    // --- The faults, at moments drawn from the seed, at least 6 s apart, after 6 s of calm.
    const draw = createRandom(SEED);
    const kinds = ['nats', 'redis', 'worker', 'service'] as const;
    const order = [...kinds].sort(() => draw.next() - 0.5);
    const span = (SECONDS - 16) / order.length;
    const faults = order.map((kind, i) => ({ kind, at: Math.round((6 + i * span + draw.next() * (span - 6)) * 1000), done: 0, detail: '' }));
    const takeover = { ms: Number.NaN };
    async function inject(fault: (typeof faults)[number]): Promise<void> {
      fault.done = Date.now() - started;
      if (fault.kind === 'nats') {
        const node = draw.int(3);
        fault.detail = `node ${node}`;
        await nats.kill(node);
      } else if (fault.kind === 'redis') {
        const probe = new Redis({ port: redis.ports[0]!, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
        probe.on('error', () => {});
        await probe.connect();
        const masters = String(await probe.cluster('NODES')).split('\n').filter((l) => l.includes('master') && !l.includes('fail')).map((l) => Number(l.split(' ')[1]!.split(':')[1]!.split('@')[0]));
        probe.disconnect();
        const port = masters[draw.int(masters.length)]!;
        fault.detail = `master on port ${port}`;
        await redis.kill(port);
      } else if (fault.kind === 'worker') {
        const victim = draw.int(2);
        fault.detail = `worker ${victim}`;
        const survivor = workers[1 - victim]!;
        await kill(workers[victim]!.child);
        const killedAt = Date.now();
        void until(() => owned(survivor).length === PARTITIONS, 30_000, 'the takeover').then(() => (takeover.ms = Date.now() - killedAt), () => undefined);
      } else {
        const victim = draw.int(3);
        fault.detail = `instance ${victim}`;
        live.delete(urls[victim]!); // the load balancer's health check takes it out...
        await kill(services[victim]!.child); // ...as it dies: requests in flight to it are retried
      }
    }

    // --- A model rollout during the load: new versions promoted in the registry (the serving
    // ones saved again), which every live instance must serve within its refresh interval (1 s).
    const registry = createPostgresModelRegistry({ pool });
    const rollout = { at: 0, ms: Number.NaN, versions: {} as Record<string, number> };
    const servedVersion = async (url: string, name: string) => {
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(2_000) })).text();
      return Number(new RegExp(`mycontent_model_version\\{model="${name}"\\} (\\d+)`).exec(metrics)?.[1]);
    };
    async function rollOut(): Promise<void> {
      rollout.at = Date.now() - started;
      for (const name of await registry.names()) {
        const serving = (await registry.load(name))!;
        const saved = await registry.save(name, serving.bytes, { ...serving.metadata, rollout: 'chaos' }, { state: 'candidate' });
        await registry.promote(name, saved.version);
        rollout.versions[name] = saved.version;
      }
      const promoted = Date.now();
      await until(async () => {
        for (const url of live) if ((await servedVersion(url, 'related').catch(() => 0)) !== rollout.versions.related) return false;
        return true;
      }, 15_000, 'every instance to serve the promoted versions');
      rollout.ms = Date.now() - promoted;
    }

    // --- The load: every 100 ms, 10 events (one request) and 3 recommendation requests.
    let n = 0;
    const pending: Promise<unknown>[] = [];
    while (Date.now() - started < SECONDS * 1000) {
      const elapsed = Date.now() - started;
      for (const fault of faults) if (!fault.done && elapsed >= fault.at) pending.push(inject(fault));
      if (!rollout.at && elapsed >= 3_000) pending.push(rollOut());
      const reader = readers[n % READERS]!;
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${reader.token}` };
      const events = Array.from({ length: 10 }, (_, k) => ({
        user_id: reader.id,
        session_id: `${reader.id}-visit`,
        article_id: `a${(n * 7 + k * 13) % ARTICLES}`,
        type: 'click',
        event_id: `chaos-${n}-${k}`,
      }));
      pending.push(send('events', '/api/v1/events', { method: 'POST', headers, body: JSON.stringify({ events }) }).then((ok) => ok && events.forEach((e) => accepted.add(e.event_id))));
      for (let q = 0; q < 3; q++) {
        const r = readers[(n + q) % READERS]!;
        pending.push(send('recommend', `/api/v1/recommendations?user_id=${encodeURIComponent(r.id)}&n=10`, { headers: { authorization: `Bearer ${r.token}` } }));
      }
      n++;
      await sleep(100);
    }
    await Promise.all(pending);

    // --- Every accepted event stored, once.
    const stored = async () => Number((await pool.query(`SELECT count(*)::int AS n FROM mycontent.interactions WHERE event_id LIKE 'chaos-%'`)).rows[0].n);
    await until(async () => (await stored()) >= accepted.size, 120_000, 'the workers to store every accepted event').catch(() => undefined);
    await sleep(1_000); // anything still in flight lands
    const ids = new Set((await pool.query<{ event_id: string }>(`SELECT event_id FROM mycontent.interactions WHERE event_id LIKE 'chaos-%'`)).rows.map((r) => r.event_id));
    const lost = [...accepted].filter((id) => !ids.has(id)).length;
    const storedCount = await stored();
    const clicks = Number((await pool.query(`SELECT coalesce(sum(clicks), 0)::int AS n FROM mycontent.item_stats`)).rows[0].n) - statsBefore;
    const profileCounts = Number((await pool.query(`SELECT coalesce(sum((profile::jsonb ->> 'interactionCount')::int), 0)::int AS n FROM mycontent.user_profiles WHERE user_id = ANY($1)`, [readers.map((r) => r.id)])).rows[0].n);

    // --- The report.
    const firstFault = Math.min(...faults.map((f) => f.done));
    const latencies = (kind: Outcome['kind'], from: number, to: number) => outcomes.filter((o) => o.kind === kind && o.sentAt >= from && o.sentAt < to).map((o) => o.ms);
    const recommendMs = (from: number, to: number) => latencies('recommend', from, to);
    const report = {
      seed: SEED,
      seconds: SECONDS,
      requests: outcomes.length,
      retried: outcomes.filter((o) => o.attempts > 1).length,
      failed: outcomes.filter((o) => !o.ok).length,
      events: { accepted: accepted.size, stored: storedCount, lost, doubleAppliedStats: clicks - storedCount, doubleAppliedProfiles: profileCounts - storedCount },
      p99BeforeMs: Math.round(p99(recommendMs(0, firstFault))),
      eventsP99BeforeMs: Math.round(p99(latencies('events', 0, firstFault))),
      faults: faults.map((f) => {
        // Recovered: the last request sent after the fault (and before the next) that needed a retry, or failed.
        const next = Math.min(f.done + 15_000, ...faults.filter((g) => g.done > f.done).map((g) => g.done));
        const hit = outcomes.filter((o) => o.sentAt >= f.done && o.sentAt < next && (o.attempts > 1 || !o.ok));
        const attemptsFailed = errors.filter((e) => e.at >= f.done && e.at < next);
        return {
          fault: `${f.kind} (${f.detail})`,
          atS: f.done / 1000,
          p99DuringMs: Math.round(p99(recommendMs(f.done, Math.min(next, f.done + 5_000)))),
          p99AfterMs: Math.round(p99(recommendMs(f.done + 5_000, next))),
          eventsP99DuringMs: Math.round(p99(latencies('events', f.done, Math.min(next, f.done + 5_000)))),
          retried: hit.length,
          failedAttempts: [...attemptsFailed.reduce((m, e) => m.set(`${e.kind}: ${e.error}`, (m.get(`${e.kind}: ${e.error}`) ?? 0) + 1), new Map<string, number>())].map(([what, count]) => `${count} × ${what}`),
          recoveredInS: hit.length === 0 ? 0 : (Math.max(...hit.map((o) => o.sentAt + o.ms)) - f.done) / 1000,
        };
      }),
      partitionsTakenOverInS: takeover.ms / 1000,
      rollout: { atS: rollout.at / 1000, everyInstanceServedInS: rollout.ms / 1000, versions: rollout.versions },
    };
    console.log(`chaos report: ${JSON.stringify(report, null, 2)}`);

    expect(report.failed).toBe(0);
    expect(lost).toBe(0);
    expect(storedCount).toBeGreaterThanOrEqual(accepted.size);
    expect(report.events.doubleAppliedStats).toBe(0);
    expect(report.events.doubleAppliedProfiles).toBe(0);
    for (const f of report.faults) expect(f.recoveredInS, f.fault).toBeLessThan(15);
    expect(report.partitionsTakenOverInS).toBeLessThan(15);
    expect(faults.every((f) => f.done > 0)).toBe(true);
    expect(report.rollout.everyInstanceServedInS).toBeLessThan(5); // the refresh interval (1 s), a load and a swap
  }, 400_000);
});
