/**
 * The training scheduler on PostgreSQL + Redis (real servers): a first cycle registers and promotes
 * the service's models with their lineage; a later cycle is gated against them; clicks on the event
 * stream reach the drift monitor through its own consumer group, and drift brings a cycle forward;
 * the scheduler process killed mid-training leaves the serving versions serving, and its next start
 * finishes the cycle.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecommender } from '@mycontent/core';
import { generateSyntheticNews, tableBatches } from '@mycontent/core/data';
import { createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisEventBus } from '@mycontent/adapters/redis';
import { createPopularityModel } from '@mycontent/algorithms';
import { postgresFixture, redisFixture, type PostgresFixture, type RedisFixture } from '../../../packages/adapters/test/servers';
import { openTraining } from '../src/training';

let pg: PostgresFixture;
let redis: RedisFixture;
let journal: string;
const END = Date.now();

beforeAll(async () => {
  pg = await postgresFixture('training');
  redis = await redisFixture('training');
  journal = await mkdtemp(join(tmpdir(), 'mycontent-training-'));
  if (pg.skip || redis.skip) return;
  // Three days of synthetic news up to now, in the store the service and the workers share.
  const news = generateSyntheticNews('tiny', { seed: 5, end: END });
  const seeding = createRecommender({ store: createPostgresStore({ pool: pg.pool, schema: pg.schema }), models: { trending: createPopularityModel() } });
  await seeding.ingestItems(news.items);
  for (const batch of tableBatches(news.clicks, 5_000)) await seeding.ingestInteractions(batch);
}, 120_000);

afterAll(async () => {
  await rm(journal, { recursive: true, force: true });
  if (pg?.skip === undefined) await pg?.drop();
  if (redis?.skip === undefined) await redis?.drop();
});

const config = () => ({ schema: pg.schema!, prefix: redis.prefix!, topic: 'interactions', schedule: '0 3 * * 1', trainingDays: 2, holdoutHours: 12, tolerance: 0.02, minIntervalHours: 6, journal });

describe('the training scheduler', () => {
  it('registers and promotes the first versions with their lineage, then gates the next cycle against them', async (context) => {
    if (pg.skip || redis.skip) return context.skip(pg.skip ?? redis.skip);
    const lines: Record<string, unknown>[] = [];
    const training = await openTraining({ pool: pg.pool!, redis: redis.client! }, config(), (line) => lines.push(line));
    try {
      const first = await training.pipeline.run(END);
      expect(first.models.trending).toMatchObject({ candidate: 1, decision: 'promoted', reasons: ['nothing serves yet'] });
      expect(first.models.related).toMatchObject({ candidate: 1, decision: 'promoted' });
      expect(first.models.related!.metrics.candidate.hitRate).toBeGreaterThan(0);
      const lineage = (await training.registry.load('related'))!.metadata;
      expect(lineage).toMatchObject({ cycle: first.id, kind: 'item-knn', evaluation: { to: new Date(END).toISOString() } });

      const second = await training.pipeline.run(END + 60_000);
      expect(second.models.related).toMatchObject({ candidate: 2, serving: 1 });
      expect(second.models.related!.reasons.every((r) => /^(ndcg|hitRate) /.test(r))).toBe(true);
      expect((await training.registry.list('related')).filter((v) => v.state === 'serving')).toHaveLength(1);
    } finally {
      await training.close();
    }
  }, 120_000);

  it('hears the event stream in its own group, and runs a cycle when drift fires', async (context) => {
    if (pg.skip || redis.skip) return context.skip(pg.skip ?? redis.skip);
    const lines: Record<string, unknown>[] = [];
    const training = await openTraining({ pool: pg.pool!, redis: redis.client! }, config(), (line) => lines.push(line));
    try {
      await training.pipeline.run(END + 120_000); // the serving models, and what they know
      const bus = createRedisEventBus({ client: redis.client!, prefix: redis.prefix! });
      const now = Date.now();
      // A baseline of clicks on known articles two hours ago, then a breaking story: clicks on articles nobody trained on.
      await bus.publishBatch('interactions', Array.from({ length: 300 }, (_, i) => ({ eventId: `b${i}`, userId: `u${i}`, itemId: String(i % 50), type: 'click', timestamp: now - 2 * 3_600_000 + i })));
      await bus.publishBatch('interactions', Array.from({ length: 300 }, (_, i) => ({ eventId: `n${i}`, userId: `v${i}`, itemId: `breaking-${i % 5}`, type: 'click', timestamp: now - 60_000 + i })));
      await expect.poll(() => training.monitor.check(Date.now()).clicks.window, { timeout: 10_000 }).toBe(300);
      expect(training.monitor.check(Date.now()).fired).toContain('unknown-items');
      const cycle = await training.scheduler.tick();
      expect(cycle?.reason.kind).toBe('drift');
      expect(lines.at(-1)).toMatchObject({ type: 'cycle', reason: expect.stringMatching(/^drift: .*unknown-items/) });
      expect(await training.scheduler.tick()).toBeUndefined(); // not again within the minimum interval
    } finally {
      await training.close();
    }
  }, 120_000);

  it('leaves the serving versions serving when the process is killed mid-training, and finishes the cycle at its next start', async (context) => {
    if (pg.skip || redis.skip) return context.skip(pg.skip ?? redis.skip);
    const training = await openTraining({ pool: pg.pool!, redis: redis.client! }, config(), () => {});
    const states = async () => Object.fromEntries(await Promise.all(['trending', 'related'].map(async (name) => [name, (await training.registry.list(name)).filter((v) => v.state === 'serving').map((v) => v.version)])));
    try {
      await training.pipeline.run(END + 180_000);
      const before = await states();
      const at = new Date(END + 240_000).toISOString();

      const first = scheduler(['--once', '--at', at]);
      await first.reached((line) => line.type === 'progress' && line.phase === 'related: fitting');
      first.child.kill('SIGKILL');
      expect(await first.exit).toBe('SIGKILL');
      expect(first.lines.some((l) => l.type === 'cycle')).toBe(false);
      // The model in training when the process died still serves its previous version (trending,
      // decided before, may have been promoted: that step was journaled).
      expect((await states()).related).toEqual(before.related);

      const second = scheduler(['--once', '--at', at]);
      expect(await second.exit).toBe(0);
      const cycle = second.lines.find((l) => l.type === 'cycle') as { window: { to: string }; models: Record<string, { decision: string }> };
      expect(cycle.window.to).toBe(at);
      expect(Object.keys(cycle.models).sort()).toEqual(['related', 'trending']);
      // The trending model was decided before the kill: the resumed cycle did not train it again.
      expect(second.lines.filter((l) => l.type === 'progress').map((l) => l.phase)).not.toContain('trending: fitting');
      const after = await states();
      for (const name of ['trending', 'related']) expect(after[name]).toHaveLength(1);
    } finally {
      await training.close();
    }
  }, 180_000);
});

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The scheduler as a process, on this test's schema, prefix and journal. */
function scheduler(extra: string[]) {
  const c = config();
  const child = spawn(
    process.execPath,
    ['--conditions=@mycontent/source', '--import', 'tsx', 'examples/training-scheduler/src/main.ts',
      '--postgres', process.env.MYCONTENT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      '--redis', process.env.MYCONTENT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      '--schema', c.schema, '--prefix', c.prefix, '--journal', c.journal, '--training-days', String(c.trainingDays), '--holdout-hours', String(c.holdoutHours), ...extra],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  const lines: Record<string, unknown>[] = [];
  const waiting: { test: (line: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, i)) as Record<string, unknown>;
      buffer = buffer.slice(i + 1);
      lines.push(line);
      for (const w of waiting.filter((w) => w.test(line))) w.resolve();
    }
  });
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const reached = (test: (line: Record<string, unknown>) => boolean) =>
    new Promise<void>((resolve, reject) => {
      if (lines.some(test)) return resolve();
      waiting.push({ test, resolve });
      void exit.then((code) => reject(new Error(`the scheduler exited (${code}) first: ${JSON.stringify(lines)}`)));
    });
  return { child, lines, exit, reached };
}
