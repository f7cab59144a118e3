/**
 * The Redis adapters through the failover of a master: a Redis Cluster of three masters, each with
 * a replica, started for the test. Under steady load — a reader's cached lists read and written,
 * an article's counters incremented — the master holding them is killed. Reported: operations that
 * failed, how long until the replica served them, p99 latency before and after, and counter
 * increments acknowledged by the old master but lost with it (Redis replicates asynchronously).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { createRedisCache, createRedisItemStats } from '@mycontent/adapters/redis';
import { CI, hasBinary, startRedisCluster } from './servers';

const binaries = (await hasBinary('redis-server')) && (await hasBinary('redis-cli'));
if (!binaries && CI) throw new Error('a CI run requires redis-server and redis-cli for the Redis Cluster tests');
const skip = binaries ? undefined : 'no redis-server / redis-cli binaries on PATH';
if (skip) console.warn(`[adapters tests] skipping the Redis failover test: ${skip}`);
const cluster = binaries ? await startRedisCluster({ replicas: 1 }) : undefined;
const client = cluster
  ? new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })), {
      redisOptions: { maxRetriesPerRequest: 2, connectTimeout: 500, commandTimeout: 1_000 },
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: 1_000,
      slotsRefreshInterval: 500, // find the promoted replica soon after the master is gone
    })
  : undefined;
client?.on('error', () => {});
if (client && client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

const p99 = (xs: number[]) => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!);

/** The port of the master serving `key`'s slot. */
async function masterOf(key: string): Promise<number> {
  const slot = Number(await client!.cluster('KEYSLOT', key));
  const slots = (await client!.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
  return range[2][1];
}

describe.skipIf(skip)('redis cluster: failover of a master under load', () => {
  it("keeps serving a reader's cache and an article's counters once the replica takes over", async () => {
    const cache = createRedisCache({ client: client!, prefix: 'fo:' });
    const stats = createRedisItemStats({ client: client!, prefix: 'fo:' });
    const master = await masterOf('fo:{u:hot}:cache');
    // The article's counters on the same master: one kill hits both.
    let article = 'a0';
    for (let i = 0; (await masterOf(`fo:{i:${article}}:stats`)) !== master; i++) article = `a${i + 1}`;

    const ops: { at: number; ms: number; ok: boolean }[] = [];
    let acknowledged = 0;
    let killedAt = Number.POSITIVE_INFINITY;
    let acknowledgedAtKill = 0;
    const started = Date.now();
    const load = (async () => {
      for (let n = 0; Date.now() - started < 12_000; n++) {
        const t0 = Date.now();
        try {
          await cache.set({ family: 'reco', id: `page-${n % 5}`, userId: 'hot' }, [`x${n}`], 60_000);
          await cache.get({ family: 'reco', id: `page-${n % 5}`, userId: 'hot' });
          await stats.incrementItemStats([{ itemId: article, clicks: 1 }]);
          acknowledged++;
          ops.push({ at: t0, ms: Date.now() - t0, ok: true });
        } catch {
          ops.push({ at: t0, ms: Date.now() - t0, ok: false });
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 3_000));
    acknowledgedAtKill = acknowledged;
    killedAt = Date.now();
    await cluster!.kill(master);
    await load;

    const failed = ops.filter((o) => !o.ok);
    const lastFailure = Math.max(killedAt, ...failed.map((o) => o.at));
    const recoveredMs = lastFailure - killedAt;
    const before = ops.filter((o) => o.at < killedAt);
    const after = ops.filter((o) => o.at > lastFailure + 1_000);
    const [counter] = await stats.getItemStats([article]);
    const lost = acknowledged - (counter?.clicks ?? 0);
    console.log(
      `redis failover: master :${master} killed after ${acknowledgedAtKill} operations; ${failed.length} of ${ops.length} failed, ` +
        `served again ${recoveredMs} ms after the kill; p99 ${p99(before.map((o) => o.ms))} ms before, ${p99(after.map((o) => o.ms))} ms after; ` +
        `${lost} acknowledged increments lost with the old master`,
    );
    expect(after.length).toBeGreaterThan(100);
    expect(after.every((o) => o.ok)).toBe(true);
    expect(recoveredMs).toBeLessThan(8_000);
    expect(await cache.get({ family: 'reco', id: 'page-1', userId: 'hot' })).toBeDefined();
    expect(counter!.clicks).toBeGreaterThan(acknowledgedAtKill * 0.9);
    // The replica is a master now.
    const promoted = new Redis({ port: await masterOf('fo:{u:hot}:cache'), host: '127.0.0.1' });
    expect(await promoted.role()).toContain('master');
    promoted.disconnect();
  }, 60_000);
});
