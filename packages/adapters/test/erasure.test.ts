/**
 * Erasure everywhere: a user's clicks flow through Redis Streams into PostgreSQL, one is
 * dead-lettered, models are trained and saved (two versions each, in PostgreSQL), answers are
 * cached in Redis, the lists served are logged (on the exposure stream and in PostgreSQL). After `deleteUserData`, every table, every Redis key and value (streams and
 * dead letters included), every saved artifact and every live model is searched for the user's id:
 * nothing is found. The other users keep everything.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEventProcessor, createExposureRecorder, createRecommender, encodeModelArtifact, type InteractionInput } from '@mycontent/core';
import { createAlsModel, createBprModel, createItemKnnModel, createPopularityModel, createSessionKnnModel } from '@mycontent/algorithms';
import { createPostgresAssignmentStore, createPostgresExposureStore, createPostgresModelRegistry, createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisCache, createRedisEventBus } from '@mycontent/adapters/redis';
import { keysWithPrefix, postgresFixture, redisFixture } from './servers';

const pgServer = await postgresFixture('erasure');
const redisServer = await redisFixture('erasure');
afterAll(async () => {
  if (pgServer.pool) await pgServer.drop();
  if (redisServer.client) await redisServer.drop();
});
const skip = pgServer.skip ?? redisServer.skip;
const T0 = Date.UTC(2024, 5, 1);
const VICTIM = 'victim-7Qz';

const until = async (check: () => boolean | Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Everything Redis holds under the prefix, as text: key names and values of every type. */
async function redisText(prefix: string): Promise<string> {
  const client = redisServer.client!;
  const parts: string[] = [];
  for (const key of await keysWithPrefix(client, prefix)) {
    parts.push(key);
    const type = await client.type(key);
    if (type === 'string') parts.push((await client.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await client.hgetall(key)));
    else if (type === 'stream') parts.push(JSON.stringify(await client.xrange(key, '-', '+')));
    else if (type === 'zset') parts.push(JSON.stringify(await client.zrange(key, 0, -1, 'WITHSCORES')));
    else if (type === 'set') parts.push(JSON.stringify(await client.smembers(key)));
    else if (type === 'list') parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
  }
  return parts.join('\n');
}

/** Every row of every table of the schema, as text (bytea as hex, so the hex of the id is searched too). */
async function postgresText(schema: string): Promise<string> {
  const pool = pgServer.pool!;
  const { rows: tables } = await pool.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
  expect(tables.map((t) => t.table_name)).toContain('models');
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await pool.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join('\n');
}

const hex = (text: string) => Buffer.from(text).toString('hex');

describe.skipIf(skip)('erasure everywhere', () => {
  it('leaves nothing of the user in any table, key, stream, saved model or live model', async () => {
    const schema = pgServer.schema!;
    const prefix = redisServer.prefix!;
    const store = createPostgresStore({ pool: pgServer.pool!, schema });
    const registry = createPostgresModelRegistry({ pool: pgServer.pool!, schema });
    const assignments = createPostgresAssignmentStore({ pool: pgServer.pool!, schema });
    const exposureStore = createPostgresExposureStore({ pool: pgServer.pool!, schema });
    const bus = createRedisEventBus({ client: redisServer.client!, prefix, claimIdleMs: 500, blockMs: 100, retryDelayMs: 10 });
    const models = {
      als: createAlsModel({ factors: 8, iterations: 3, seed: 1 }),
      bpr: createBprModel({ factors: 8, epochs: 3, seed: 1 }),
      sessions: createSessionKnnModel(),
      related: createItemKnnModel(),
      popular: createPopularityModel({ rerankIntervalMs: 0 }),
    };
    const recommender = createRecommender({
      store,
      cache: createRedisCache({ client: redisServer.client!, prefix }),
      registry,
      models,
      eventLog: { bus, topics: ['interactions'] },
      assignments,
      exposures: { bus, topic: 'exposures', store: exposureStore },
    });
    await recommender.ingestItems(Array.from({ length: 20 }, (_, i) => ({ id: `a${i}`, createdAt: T0, category: i % 2 ? 'sport' : 'news' })));
    const users = [VICTIM, 'u1', 'u2', 'u3', 'u4'];
    const history: InteractionInput[] = [];
    for (let k = 0; k < 100; k++) history.push({ userId: users[k % 5]!, itemId: `a${(k * 7) % 20}`, type: 'click', timestamp: T0 + k * 1_000, sessionId: `${users[k % 5]}-s${k % 3}` });
    await recommender.ingestInteractions(history);
    await recommender.train();
    await recommender.saveModels({ round: 1 });
    await recommender.saveModels({ round: 2 });

    // Live events through the stream, one of them dead-lettered.
    const processor = createEventProcessor({ recommender, bus, maxDeliveries: 1, recompute: false });
    await processor.start();
    await bus.publishBatch('interactions', [
      { userId: VICTIM, itemId: 'a3', type: 'click', sessionId: `${VICTIM}-live` },
      { userId: VICTIM, itemId: 'a4', type: 'teleport' }, // invalid: dead-lettered
      { userId: 'u1', itemId: 'a5', type: 'click' },
    ]);
    await until(() => processor.stats().processed === 2 && processor.stats().deadLettered === 1);
    await processor.stop();
    // Lists served: the victim's first one recorded in PostgreSQL, the second still on the stream.
    const recorder = createExposureRecorder({ bus, topic: 'exposures', store: exposureStore });
    await recorder.start();
    await recommender.recommend({ userId: VICTIM, n: 5 }); // cached in Redis
    await recommender.recommend({ userId: 'u1', n: 5 });
    await recommender.flush();
    await until(() => recorder.stats().recorded === 2);
    await recorder.stop();
    await recommender.recommend({ userId: VICTIM, n: 5 });
    await assignments.remember(VICTIM, { 'blend-weight': 'more' }); // an experiment's sticky variant
    await assignments.remember('u1', { 'blend-weight': 'control' });

    const before = await recommender.exportUserData(VICTIM);
    expect(before.interactions).toHaveLength(21);
    expect(Object.keys(before.models ?? {}).sort()).toEqual(['als', 'bpr', 'related', 'sessions']); // related: the victim's open session
    expect((before.models!.als as { factors: number[] }).factors).toHaveLength(8);
    expect(before.events!.map((e) => (e.payload as { type: string }).type).sort()).toEqual(['click', 'teleport']);
    expect(before.experiments).toEqual({ 'blend-weight': 'more' });
    expect(before.exposures).toHaveLength(2);
    // The id is everywhere before.
    expect(await postgresText(schema)).toContain(VICTIM);
    expect(await postgresText(schema)).toContain(hex(JSON.stringify(VICTIM)));
    expect(await redisText(prefix)).toContain(VICTIM);

    const report = await recommender.deleteUserData(VICTIM);
    expect(report).toEqual({ interactions: 21, events: 2, modelVersions: 6, assignments: 1, exposures: 2 }); // als, bpr, sessions × 2 versions
    expect(await exposureStore.ofUser('u1')).toHaveLength(1); // the others keep theirs

    const pgAfter = await postgresText(schema);
    expect(pgAfter).not.toContain(VICTIM);
    expect(pgAfter).not.toContain(hex(VICTIM));
    expect(await redisText(prefix)).not.toContain(VICTIM);
    for (const [name, model] of Object.entries(models)) {
      expect(Buffer.from(encodeModelArtifact(model.toArtifact())).toString('latin1'), name).not.toContain(VICTIM);
    }
    expect(await recommender.exportUserData(VICTIM)).toEqual({ user: undefined, profile: undefined, interactions: [], models: {}, events: [], experiments: {}, exposures: [] });
    expect(await assignments.get('u1')).toEqual({ 'blend-weight': 'control' });

    // The others keep everything, and the rewritten versions still load and answer.
    expect((await recommender.exportUserData('u1')).interactions).toHaveLength(21);
    expect((await registry.list('als')).map((v) => [v.version, v.metadata.round])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    await recommender.loadModels({ als: 1, bpr: 1, sessions: 1, related: 1, popular: 1 });
    expect((await recommender.recommend({ userId: 'u1', n: 5 })).items).toHaveLength(5);
    expect((await recommender.recommend({ userId: VICTIM, n: 5 })).phase).toBe('cold-start');
    await bus.close();
  });
});
