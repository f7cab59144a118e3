/**
 * Two worker processes and a SIGKILL: 100,000 events, the first worker killed mid-run, a second
 * one started; every event must be applied exactly once in effect.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildProcess } from 'node:child_process';
import { createRedisEventBus } from '@mycontent/adapters/redis';
import { postgresFixture, redisFixture } from '../../../packages/adapters/test/servers';
import { startWorker as start, until } from './workers';

const pgServer = await postgresFixture('worker');
const redisServer = await redisFixture('worker');
const skip = pgServer.skip ?? redisServer.skip;
const workers: ChildProcess[] = [];
const startWorker = (schema: string, prefix: string) => {
  const worker = start(schema, prefix);
  workers.push(worker.child);
  return worker;
};
afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  if (pgServer.pool) await pgServer.drop();
  if (redisServer.client) await redisServer.drop();
});

describe.skipIf(skip)('stream worker', () => {
  it('applies 100,000 events exactly once across a SIGKILL', async () => {
    const schema = pgServer.schema!;
    const prefix = redisServer.prefix!;
    const USERS = 2_000;
    const ITEMS = 500;
    const TOTAL = 100_000;
    const first = startWorker(schema, prefix);
    await until(() => first.lines.some((l) => l.type === 'started'), 30_000);

    const bus = createRedisEventBus({ client: redisServer.client!, prefix });
    const now = Date.now();
    for (let from = 0; from < TOTAL; from += 5_000) {
      await bus.publishBatch(
        'interactions',
        Array.from({ length: 5_000 }, (_, k) => {
          const i = from + k;
          return { eventId: `e${i}`, userId: `u${i % USERS}`, itemId: `a${i % ITEMS}`, type: 'click', timestamp: now };
        }),
      );
    }
    const count = async () => Number((await pgServer.pool!.query(`SELECT count(*) AS n FROM "${schema}".interactions`)).rows[0].n);
    await until(async () => (await count()) >= 20_000, 60_000);
    const dead = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await dead;
    await new Promise((r) => setTimeout(r, 300)); // a COMMIT the server had already received completes
    const killedAt = await count();
    expect(killedAt).toBeLessThan(TOTAL);

    const second = startWorker(schema, prefix);
    await until(async () => (await count()) === TOTAL, 120_000);
    // Nothing left pending in the group, nothing dead-lettered.
    await until(async () => Number(((await redisServer.client!.xpending(`${prefix}{s:interactions}`, 'mycontent-event-processor')) as [number])[0]) === 0, 30_000);
    expect(await bus.deadLetters('interactions')).toEqual([]);

    const items = await pgServer.pool!.query(`SELECT clicks::int AS clicks, count(*)::int AS n FROM "${schema}".item_stats GROUP BY clicks`);
    expect(items.rows).toEqual([{ clicks: TOTAL / ITEMS, n: ITEMS }]);
    const profiles = await pgServer.pool!.query(`SELECT (profile->>'interactionCount')::int AS c, count(*)::int AS n FROM "${schema}".user_profiles GROUP BY 1`);
    expect(profiles.rows).toEqual([{ c: TOTAL / USERS, n: USERS }]);

    // Graceful stop: exit 0 with a last report.
    await until(() => second.lines.some((l) => l.type === 'health' && (l.processed as number) > 0), 10_000);
    const exit = new Promise<number | null>((resolve) => second.child.once('exit', (code) => resolve(code)));
    second.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const stopped = second.lines.find((l) => l.type === 'stopped');
    expect(stopped).toMatchObject({ running: false, deadLettered: 0 });
    expect((stopped!.processed as number) + killedAt).toBeGreaterThanOrEqual(TOTAL);
  });
});
