import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InteractionInput } from '@mycontent/core';
import { tableRow } from '@mycontent/core/data';
import { createTrainingPipeline } from '@mycontent/core/eval';
import { createLakeExporter, createParquetLake, type InteractionLake } from '@mycontent/adapters/duckdb';
import { createMemoryEventBus, createMemoryModelRegistry } from '@mycontent/adapters/memory';
import { createPopularityModel } from '@mycontent/algorithms';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 31, 22); // the last hours of January, then February
let directory: string;
let lake: InteractionLake;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mycontent-lake-'));
  lake = await createParquetLake({ directory });
});
afterEach(async () => {
  await lake.close();
  await rm(directory, { recursive: true, force: true });
});

const clicks = (count: number, start: number, step: number, prefix = 'e', items = 5): InteractionInput[] =>
  Array.from({ length: count }, (_, i) => ({ eventId: `${prefix}${i}`, userId: `u${i % 7}`, itemId: `a${i % items}`, type: 'click', timestamp: start + i * step, sessionId: `s${i % 3}` }));

describe('the Parquet lake', () => {
  it('writes each interaction into its UTC hour partition and reads a window back, fields intact, oldest first', async () => {
    const rows = [...clicks(60, T0, 4 * 60_000), { userId: 'r', itemId: 'a1', type: 'rating', rating: 4.5, timestamp: T0 + 30 * 60_000 } as InteractionInput, { userId: 'd', itemId: 'a2', type: 'read', duration: 95, timestamp: T0 + 3 * H + 1 } as InteractionInput];
    const { written, partitions } = await lake.append(rows);
    expect(written).toBe(62);
    expect(partitions).toEqual(['year=2024/month=1/day=31/hour=22', 'year=2024/month=1/day=31/hour=23', 'year=2024/month=2/day=1/hour=0', 'year=2024/month=2/day=1/hour=1']);
    expect(await lake.partitions()).toEqual(partitions);
    expect((await readdir(join(directory, 'year=2024/month=2/day=1/hour=0'))).every((f) => /^part-.*\.parquet$/.test(f))).toBe(true);

    const window = await lake.read({ from: T0 + H, to: T0 + 2 * H }); // 23:00 to 00:00, half-open
    const expected = rows.filter((x) => (x.timestamp as number) >= T0 + H && (x.timestamp as number) < T0 + 2 * H);
    expect(window.length).toBe(expected.length);
    const back = Array.from({ length: window.length }, (_, i) => tableRow(window, i));
    expect(back.map((x) => x.timestamp)).toEqual(expected.map((x) => x.timestamp));
    expect(back[0]).toEqual({ userId: expected[0]!.userId, itemId: expected[0]!.itemId, type: 'click', timestamp: expected[0]!.timestamp, sessionId: expected[0]!.sessionId });
    const all = await lake.read({ from: T0, to: T0 + 4 * H });
    const rating = Array.from({ length: all.length }, (_, i) => tableRow(all, i)).find((x) => x.type === 'rating');
    expect(rating).toMatchObject({ userId: 'r', rating: 4.5 });
    expect(Array.from({ length: all.length }, (_, i) => tableRow(all, i)).find((x) => x.type === 'read')).toMatchObject({ duration: 95 });
    expect(all.length).toBe(62);
  });

  it('reads an event written twice (same eventId) once, and refuses an invalid batch whole, naming the record and field', async () => {
    const batch = clicks(10, T0, 1_000);
    await lake.append(batch);
    await lake.append(batch.slice(5)); // an exporter's redelivery
    expect((await lake.read({ from: T0, to: T0 + H })).length).toBe(10);
    await expect(lake.append([...clicks(2, T0, 1, 'x'), { userId: 'u', itemId: 'a', type: 'click', timestamp: 'yesterday' } as InteractionInput])).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/record 2: timestamp/) });
    expect((await lake.read({ from: T0, to: T0 + H })).length).toBe(10);
    await expect(lake.read({ from: 2, to: 1 })).rejects.toMatchObject({ field: 'window' });
  });

  it('drops whole hours for retention, and the days and months they leave empty', async () => {
    await lake.append(clicks(48, T0, 5 * 60_000)); // 22:00 to 01:55
    expect(await lake.dropBefore(T0 + 2 * H)).toBe(2); // 22:00 and 23:00 of January 31
    expect(await lake.partitions()).toEqual(['year=2024/month=2/day=1/hour=0', 'year=2024/month=2/day=1/hour=1']);
    expect(await readdir(join(directory, 'year=2024'))).toEqual(['month=2']);
    expect((await lake.read({ from: T0, to: T0 + 4 * H })).length).toBe(24);
  });

  it('is filled from the event stream by the exporter, in its own group; an invalid event is dead-lettered alone', async () => {
    const bus = createMemoryEventBus();
    await bus.publishBatch('interactions', clicks(30, T0, 60_000));
    await bus.publish('interactions', { userId: 'u', itemId: 'a', type: 'click' }); // no timestamp
    const exporter = await createLakeExporter({ bus, topic: 'interactions', lake, batchSize: 8 });
    await expect.poll(async () => (await lake.read({ from: T0, to: T0 + H })).length, { timeout: 5_000 }).toBe(30);
    await expect.poll(async () => (await bus.deadLetters('interactions')).length, { timeout: 5_000 }).toBe(1);
    expect((await bus.deadLetters('interactions'))[0]!.error).toMatch(/invalid interaction: timestamp/);
    await exporter.close();
    await bus.close();
  });

  it('feeds a training pipeline: a cycle trains on the window it reads from the lake', async () => {
    await lake.append(clicks(400, T0, 60_000, 'e', 97)); // ~6.7 hours, readers going on to articles they have not read
    const pipeline = createTrainingPipeline({
      registry: createMemoryModelRegistry(),
      models: { popular: () => createPopularityModel() },
      data: async ({ from, to }) => ({ table: await lake.read({ from, to }) }),
      trainingMs: 5 * H,
      holdoutMs: H,
    });
    const run = await pipeline.run(T0 + 6 * H);
    expect(run.data).toEqual({ training: 300, holdout: 60 });
    expect(run.models.popular).toMatchObject({ candidate: 1, decision: 'promoted' });
  });
});
