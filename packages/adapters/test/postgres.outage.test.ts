/**
 * A PostgreSQL outage under a steady stream: a throwaway PostgreSQL server is killed while the
 * event processor consumes from Redis Streams, and started again later. The processor must hold
 * its events and wait (no failed delivery, no dead letter), then catch up: every event applied
 * exactly once. The outage lasts `MYCONTENT_OUTAGE_MS` (8 s by default; the reported run uses 60 s).
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createEventProcessor, createRecommender } from '@mycontent/core';
import { createPopularityModel } from '@mycontent/algorithms';
import { createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisEventBus } from '@mycontent/adapters/redis';
import { CI, postgresBinaries, redisFixture, startPostgresServer, type ThrowawayPostgres } from './servers';

const OUTAGE_MS = Number(process.env.MYCONTENT_OUTAGE_MS ?? 8_000);
/** Events published per second, before, during and after the outage. */
const RATE = 1_000;
const BEFORE_MS = 3_000;
const AFTER_MS = 3_000;

const binaries = await postgresBinaries();
if (!binaries && CI) throw new Error('a CI run requires the initdb and postgres binaries for the outage test');
if (!binaries) console.warn('[adapters tests] skipping the PostgreSQL outage test: no initdb/postgres binaries');
const redisServer = await redisFixture('outage');
const skip = !binaries ? 'no PostgreSQL binaries' : redisServer.skip;

let server: ThrowawayPostgres | undefined;
let pool: pg.Pool | undefined;
afterAll(async () => {
  await pool?.end().catch(() => {});
  await server?.stop();
  if (redisServer.client) await redisServer.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)('a PostgreSQL outage under a steady stream', () => {
  it('holds the events while the store is down, then applies each exactly once and catches up', async () => {
    server = await startPostgresServer();
    pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 1_000 });
    pool.on('error', () => {}); // connections cut by the kill: the next query reconnects
    const store = createPostgresStore({ pool });
    const recommender = createRecommender({ store, models: { popular: createPopularityModel({ rerankIntervalMs: 0 }) } });
    const T0 = Date.now() - 3_600_000;
    await recommender.ingestItems(Array.from({ length: 50 }, (_, i) => ({ id: `a${i}`, createdAt: T0 })));
    const bus = createRedisEventBus({ client: redisServer.client!, prefix: redisServer.prefix!, claimIdleMs: 2_000, blockMs: 100, retryDelayMs: 20 });
    const processor = createEventProcessor({ recommender, bus, batchSize: 200, maxDeliveries: 5, recompute: false, outage: { retryDelayMs: 100, maxRetryDelayMs: 1_000 } });
    await processor.start();

    // A steady publisher, in ticks of 50 ms; the server is killed after BEFORE_MS and started again OUTAGE_MS later.
    let published = 0;
    const started = Date.now();
    let killedAt = 0;
    let restartedAt = 0;
    const total = BEFORE_MS + OUTAGE_MS + AFTER_MS;
    while (Date.now() - started < total) {
      const elapsed = Date.now() - started;
      if (!killedAt && elapsed >= BEFORE_MS) {
        await server.kill();
        killedAt = Date.now();
      }
      if (killedAt && !restartedAt && elapsed >= BEFORE_MS + OUTAGE_MS) {
        void server.restart().then(() => (restartedAt = Date.now()));
        restartedAt = -1; // restarting
      }
      const due = Math.floor((elapsed / 1_000) * RATE) - published;
      if (due > 0) {
        await bus.publishBatch(
          'interactions',
          Array.from({ length: due }, (_, k) => {
            const n = published + k;
            return { userId: `u${n % 500}`, itemId: `a${n % 50}`, type: 'click', timestamp: T0 + n };
          }),
        );
        published += due;
      }
      await sleep(50);
    }
    while (restartedAt <= 0) await sleep(50);
    const deadline = Date.now() + 120_000;
    while (processor.stats().processed < published && Date.now() < deadline) await sleep(20);
    const caughtUpAt = Date.now();
    await sleep(300);
    const stats = processor.stats();
    await processor.stop();
    await bus.close();

    const backlog = Math.round((OUTAGE_MS / 1_000) * RATE);
    console.info(
      `[outage] ${published} events at ${RATE}/s, PostgreSQL down ${Math.round((restartedAt - killedAt) / 100) / 10} s: ` +
        `caught up ${caughtUpAt - restartedAt} ms after it came back (a backlog of about ${backlog} events, ` +
        `${Math.round(backlog / ((caughtUpAt - restartedAt) / 1_000))} events/s), outages ${stats.outages}, waited ${stats.outageMs} ms, ` +
        `failures ${stats.failures}, dead letters ${stats.deadLettered}, duplicates ${stats.duplicates}`,
    );
    expect(stats.processed).toBe(published);
    expect(stats.deadLettered).toBe(0);
    expect(stats.failures).toBe(0);
    expect(stats.outages).toBeGreaterThanOrEqual(1);
    expect(stats.backend).toBe('up');
    expect(await bus.deadLetters('interactions')).toEqual([]);
    // Exactly once in effect: one row per event, and every counter moved once per event.
    const one = async (sql: string) => Number((await pool!.query(sql)).rows[0].n);
    expect(await one('SELECT count(*) AS n FROM mycontent.interactions')).toBe(published);
    expect(await one('SELECT count(DISTINCT event_id) AS n FROM mycontent.interactions')).toBe(published);
    expect(await one(`SELECT sum((profile->>'interactionCount')::int) AS n FROM mycontent.user_profiles`)).toBe(published);
    expect(await one('SELECT sum(clicks) AS n FROM mycontent.item_stats')).toBe(published);
  }, 60_000 + 3 * OUTAGE_MS);
});
