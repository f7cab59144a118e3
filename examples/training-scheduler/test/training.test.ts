/**
 * The training scheduler on PostgreSQL + Redis (real servers): a first cycle registers and promotes
 * the service's models with their lineage; a later cycle is gated against them; clicks on the event
 * stream reach the drift monitor through its own consumer group, and drift brings a cycle forward.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
