/**
 * The stream worker on NATS JetStream: 20,000 events, the first worker killed (SIGKILL) mid-run,
 * a second one started; every event applied exactly once in effect, as on Redis Streams.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { createNatsEventBus } from '@mycontent/adapters/nats';
import { NATS_URL, deleteByPrefix, natsFixture, postgresFixture, redisFixture } from '../../../packages/adapters/test/servers';
import { startWorker as start, until } from './workers';

const pgServer = await postgresFixture('worker_nats');
const redisServer = await redisFixture('worker_nats');
const natsServer = await natsFixture('worker_nats');
const skip = pgServer.skip ?? redisServer.skip ?? natsServer.skip;
const workers: ChildProcess[] = [];
afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  if (pgServer.pool) await pgServer.drop();
  // The workers' cache keys are under their --prefix (the NATS fixture's), not the Redis fixture's.
  if (redisServer.client && natsServer.prefix) await deleteByPrefix(redisServer.client, natsServer.prefix);
  if (redisServer.client) await redisServer.drop();
  if (natsServer.connection) await natsServer.drop();
});

describe.skipIf(skip)('stream worker on NATS JetStream', () => {
  it('applies 20,000 events exactly once across a SIGKILL', async () => {
    const schema = pgServer.schema!;
    // The worker's NATS prefix is its --prefix without what NATS names refuse: the fixture's.
    const prefix = `${natsServer.prefix!}:`;
    const startWorker = () => {
      const worker = start(schema, prefix, ['--nats', NATS_URL]);
      workers.push(worker.child);
      return worker;
    };
    const USERS = 1_000;
    const ITEMS = 200;
    const TOTAL = 20_000;
    const first = startWorker();
    await until(() => first.lines.some((l) => l.type === 'started'), 30_000);
    expect(first.lines.find((l) => l.type === 'started')).toMatchObject({ bus: 'nats-jetstream-event-bus' });

    const bus = createNatsEventBus({ connection: natsServer.connection!, prefix: natsServer.prefix! });
    const now = Date.now();
    for (let from = 0; from < TOTAL; from += 2_000) {
      await bus.publishBatch('interactions', Array.from({ length: 2_000 }, (_, k) => {
        const i = from + k;
        return { eventId: `e${i}`, userId: `u${i % USERS}`, itemId: `a${i % ITEMS}`, type: 'click', timestamp: now };
      }));
    }
    const count = async () => Number((await pgServer.pool!.query(`SELECT count(*) AS n FROM "${schema}".interactions`)).rows[0].n);
    await until(async () => (await count()) >= 4_000, 60_000);
    const dead = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await dead;
    await new Promise((r) => setTimeout(r, 300));
    expect(await count()).toBeLessThan(TOTAL);

    const second = startWorker();
    await until(async () => (await count()) === TOTAL, 120_000);
    expect(await bus.deadLetters('interactions')).toEqual([]);
    const items = await pgServer.pool!.query(`SELECT clicks::int AS clicks, count(*)::int AS n FROM "${schema}".item_stats GROUP BY clicks`);
    expect(items.rows).toEqual([{ clicks: TOTAL / ITEMS, n: ITEMS }]);

    const exit = new Promise<number | null>((resolve) => second.child.once('exit', (code) => resolve(code)));
    second.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(second.lines.find((l) => l.type === 'stopped')).toMatchObject({ running: false, deadLettered: 0 });
  }, 180_000);

  it('shares 8 partitions between two workers by leases, and the survivor takes over a SIGKILLed one', async () => {
    const schema = `${pgServer.schema!}_partitioned`;
    // Streams under the fixture's prefix (`<prefix>_p_interactions`), so that the fixture removes them.
    const prefix = `${natsServer.prefix!}_p:`;
    const natsPrefix = `${natsServer.prefix!}_p`;
    const startWorker = () => {
      const worker = start(schema, prefix, ['--nats', NATS_URL, '--partitions', '8', '--lease-ttl-ms', '1500']);
      workers.push(worker.child);
      return worker;
    };
    const owned = (w: { lines: Record<string, unknown>[] }) => (w.lines.filter((l) => l.type === 'health').at(-1)?.partitions as number[] | undefined) ?? [];
    const a = startWorker();
    const b = startWorker();
    await until(() => owned(a).length + owned(b).length === 8 && owned(a).length > 0 && owned(b).length > 0, 60_000);
    expect([...owned(a), ...owned(b)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const TOTAL = 20_000;
    const bus = createNatsEventBus({ connection: natsServer.connection!, prefix: natsPrefix, partitions: 8 });
    const now = Date.now();
    for (let from = 0; from < TOTAL; from += 2_000) {
      await bus.publishBatch('interactions', Array.from({ length: 2_000 }, (_, k) => {
        const i = from + k;
        return { eventId: `e${i}`, userId: `u${i % 1_000}`, sessionId: `s${i % 1_000}`, itemId: `a${i % 200}`, type: 'click', timestamp: now };
      }));
    }
    const count = async () => Number((await pgServer.pool!.query(`SELECT count(*) AS n FROM "${schema}".interactions`)).rows[0].n);
    await until(async () => (await count()) >= 4_000, 60_000);
    const dead = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGKILL');
    await dead;
    const killedAt = Date.now();
    await until(() => owned(b).length === 8, 30_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(1_500 + 2_000); // the lease time and a renewal period or so
    await until(async () => (await count()) === TOTAL, 120_000);
    expect(new Set((await pgServer.pool!.query(`SELECT event_id FROM "${schema}".interactions`)).rows.map((r) => r.event_id)).size).toBe(TOTAL);
    expect(await bus.deadLetters('interactions')).toEqual([]);
    const exit = new Promise<number | null>((resolve) => b.child.once('exit', (code) => resolve(code)));
    b.child.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 180_000);
});
