import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, type InteractionDataset, type ModelRegistry } from '@mycontent/core';
import { InteractionTableBuilder, createRandom, type TableRow } from '@mycontent/core/data';
import { createFileJournal, createMemoryJournal, createTrainingPipeline, runFitWorker, type TrainingPipelineOptions } from '@mycontent/core/eval';
import { createMemoryModelRegistry, createMemoryStore } from '@mycontent/adapters/memory';
import { createAlsModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

// A world whose reading habits change: readers of article x go on to article f(x) — fA(x) = 10 + x
// until day 12, then fB(x) = 10 + (x + 5) mod 10. Each day, 100 readers read a pair (x, f(x)),
// and 100 "probes" read x that day and f(x) the next, so the held-back day asks, of readers with
// a history, which article comes next.
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const next = (x: number, day: number) => (day < 12 ? 10 + x : 10 + ((x + 5) % 10));

function world(days: number): TableRow[] {
  const rng = createRandom(7);
  const rows: TableRow[] = [];
  for (let d = 0; d < days; d++) {
    for (let j = 0; j < 100; j++) {
      const x = Math.floor(rng.next() * 10);
      const t = T0 + d * DAY + j * 60_000;
      rows.push({ userId: `p${d}-${j}`, itemId: `a${x}`, type: 'click', timestamp: t });
      rows.push({ userId: `p${d}-${j}`, itemId: `a${next(x, d)}`, type: 'click', timestamp: t + 1 });
      const y = Math.floor(rng.next() * 10);
      rows.push({ userId: `q${d}-${j}`, itemId: `a${y}`, type: 'click', timestamp: t + 2 });
      rows.push({ userId: `q${d}-${j}`, itemId: `a${next(y, d + 1)}`, type: 'click', timestamp: t + DAY + 3 });
    }
  }
  return rows.sort((a, b) => a.timestamp - b.timestamp);
}

const rows = world(30);
const data: TrainingPipelineOptions['data'] = async ({ from, to }) => {
  const builder = new InteractionTableBuilder();
  for (const row of rows) if (row.timestamp >= from && row.timestamp < to) builder.add(row);
  return { table: builder.build() };
};
const knn = () => createItemKnnModel({ similarity: 'cooccurrence' });
/** A model trained on shuffled labels: each interaction's article replaced by a random one. */
const broken = () => {
  const model = knn();
  const fit = model.fit.bind(model);
  model.fit = (dataset: InteractionDataset, context) => {
    const rng = createRandom(1);
    const item = Int32Array.from(dataset.item, () => Math.floor(rng.next() * dataset.catalog.size));
    return fit({ ...dataset, item, catalog: dataset.catalog, users: dataset.users, userIndex: dataset.userIndex }, context);
  };
  return model;
};

function pipeline(registry: ModelRegistry, factory = knn, journal = createMemoryJournal()) {
  return createTrainingPipeline({ registry, models: { related: factory }, data, trainingMs: 7 * DAY, holdoutMs: DAY, k: 3, gate: { metrics: ['hitRate', 'ndcg'], tolerance: 0.02 }, journal });
}

describe('the training pipeline', () => {
  it('promotes a better model, refuses a broken one, and leaves rollback to the previous version', async () => {
    const registry = createMemoryModelRegistry();
    const first = await pipeline(registry).run(T0 + 10 * DAY);
    expect(first.models.related).toMatchObject({ candidate: 1, decision: 'promoted', reasons: ['nothing serves yet'] });
    expect(first.data.training).toBeGreaterThan(0);
    expect(first.data.holdout).toBeGreaterThan(0);

    // Habits changed on day 12: the cycle of day 20 trains on them, and beats the serving version.
    const second = await pipeline(registry).run(T0 + 20 * DAY);
    const cycle = second.models.related!;
    expect(cycle).toMatchObject({ candidate: 2, serving: 1, decision: 'promoted' });
    expect(cycle.metrics.candidate.hitRate).toBeGreaterThan(0.3);
    expect(cycle.metrics.candidate.hitRate).toBeGreaterThan(cycle.metrics.serving!.hitRate + 0.2);
    expect((await registry.load('related'))?.version).toBe(2);

    // A model trained on shuffled labels is registered, evaluated, and refused.
    const third = await pipeline(registry, broken).run(T0 + 21 * DAY);
    expect(third.models.related).toMatchObject({ candidate: 3, serving: 2, decision: 'refused' });
    expect(third.models.related!.reasons.join(' ')).toMatch(/hitRate .* < /);
    expect((await registry.load('related'))?.version).toBe(2);
    expect((await registry.list('related')).map((v) => v.state)).toEqual(['retired', 'serving', 'candidate']);

    // The lineage of a version: the cycle, its training and evaluation windows.
    expect((await registry.load('related', 2))?.metadata).toMatchObject({
      cycle: second.id,
      data: { from: new Date(T0 + 12 * DAY).toISOString(), to: new Date(T0 + 19 * DAY).toISOString() },
      evaluation: { from: new Date(T0 + 19 * DAY).toISOString(), to: new Date(T0 + 20 * DAY).toISOString() },
    });
    expect((await registry.rollback('related')).version).toBe(1);
  });

  it('leaves the serving version serving when a cycle dies mid-training, and resumes a cycle that died after registering', async () => {
    const registry = createMemoryModelRegistry();
    // The journal on disk: what a new process reads to resume the cycle.
    const directory = await mkdtemp(join(tmpdir(), 'mycontent-journal-'));
    const journal = createFileJournal(directory);
    await pipeline(registry, knn, journal).run(T0 + 10 * DAY);

    // The fit dies: nothing registered, nothing promoted.
    const dying = () => {
      const model = knn();
      model.fit = async () => {
        throw new Error('worker killed');
      };
      return model;
    };
    await expect(pipeline(registry, dying, journal).run(T0 + 20 * DAY)).rejects.toThrow('worker killed');
    expect((await registry.list('related')).map((v) => [v.version, v.state])).toEqual([[1, 'serving']]);

    // The promotion dies after the candidate was registered: the run restarts at the evaluation.
    let failures = 1;
    const flaky: ModelRegistry = {
      ...registry,
      promote: async (...args) => {
        if (failures-- > 0) throw new Error('connection lost');
        return registry.promote(...args);
      },
    };
    await expect(pipeline(flaky, knn, journal).run(T0 + 20 * DAY)).rejects.toThrow('connection lost');
    expect((await registry.list('related')).map((v) => [v.version, v.state])).toEqual([
      [1, 'serving'],
      [2, 'candidate'],
    ]);
    let fits = 0;
    const counted = () => {
      const model = knn();
      const fit = model.fit.bind(model);
      model.fit = (...args) => (fits++, fit(...args));
      return model;
    };
    const resumed = await pipeline(flaky, counted, journal).run(T0 + 20 * DAY);
    expect(fits).toBe(0); // the registered candidate was restored, not fit again
    expect(resumed.models.related).toMatchObject({ candidate: 2, serving: 1, decision: 'promoted' });
    expect((await registry.list('related')).map((v) => v.version)).toEqual([1, 2]); // registered once
    expect(await pipeline(flaky, counted, createFileJournal(directory)).run(T0 + 20 * DAY)).toEqual(resumed); // done: returned as it was
    await rm(directory, { recursive: true, force: true });
  });
});

describe('fitting in worker threads', () => {
  const fitWorker = new URL('./fixtures/fit-worker.mjs', import.meta.url);
  const inWorkers = (registry: ModelRegistry, onProgress?: TrainingPipelineOptions['onProgress']) =>
    createTrainingPipeline({ registry, models: { related: knn }, fitWorker, data, trainingMs: 7 * DAY, holdoutMs: DAY, k: 3, gate: { metrics: ['hitRate', 'ndcg'], tolerance: 0.02 }, ...(onProgress ? { onProgress } : {}) });
  const behave = (behaviour: string) => void (process.env.MYCONTENT_FIT_FIXTURE = behaviour);
  afterEach(() => void delete process.env.MYCONTENT_FIT_FIXTURE);

  it('registers what a worker fitted, with the same results as a fit in the calling thread', async () => {
    behave('knn');
    const phases: string[] = [];
    const registry = createMemoryModelRegistry();
    const first = await inWorkers(registry, (p) => phases.push(p.phase)).run(T0 + 10 * DAY);
    const second = await inWorkers(registry).run(T0 + 20 * DAY);
    const here = createMemoryModelRegistry();
    await pipeline(here).run(T0 + 10 * DAY);
    const local = await pipeline(here).run(T0 + 20 * DAY);
    expect(first.models.related).toMatchObject({ candidate: 1, decision: 'promoted' });
    expect(second.models.related!.metrics).toEqual(local.models.related!.metrics);
    expect(second.models.related!.decision).toBe('promoted');
    expect(phases).toContain('related: starting'); // the worker's progress, relayed
    expect((await registry.load('related'))!.bytes).toEqual((await here.load('related'))!.bytes);
  });

  it('keeps the calling thread answering while a model fits', async () => {
    behave('busy'); // 300 ms without yielding, in the worker
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      await inWorkers(createMemoryModelRegistry()).run(T0 + 10 * DAY);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('leaves the serving version serving when the fit worker dies or the cycle is aborted, and resumes after', async () => {
    const registry = createMemoryModelRegistry();
    behave('knn');
    await inWorkers(registry).run(T0 + 10 * DAY);

    behave('exit'); // the thread dies mid-fit
    const died = inWorkers(registry).run(T0 + 20 * DAY);
    await expect(died).rejects.toMatchObject({ code: 'BACKEND', message: expect.stringMatching(/exited with code 3/) });
    expect((await registry.list('related')).map((v) => [v.version, v.state])).toEqual([[1, 'serving']]);

    behave('slow'); // aborted while it fits: the thread is terminated
    const controller = new AbortController();
    const cycle = inWorkers(registry, (p) => p.phase === 'related: starting' && controller.abort()).run(T0 + 20 * DAY, { signal: controller.signal });
    await expect(cycle).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await registry.list('related')).map((v) => [v.version, v.state])).toEqual([[1, 'serving']]);

    behave('knn');
    const resumed = await inWorkers(registry).run(T0 + 20 * DAY);
    expect(resumed.models.related).toMatchObject({ candidate: 2, serving: 1, decision: 'promoted' });
  });

  it('refuses to run a fit worker body outside a worker', () => {
    expect(() => runFitWorker({ related: knn })).toThrow(/worker thread started by a training pipeline/);
  });
});

describe('erasure across cycles', () => {
  it('keeps a reader erased between two cycles out of every version the next cycle registers', async () => {
    const store = createMemoryStore();
    const registry = createMemoryModelRegistry();
    const engine = createRecommender({ store, registry, models: { als: createAlsModel({ factors: 4, iterations: 2 }), popular: createPopularityModel() } });
    await engine.ingestInteractions(rows.filter((r) => r.timestamp < T0 + 21 * DAY).map((r) => ({ ...r })));
    // The cycles read the store, as a deployment's pipeline does.
    const fromStore: TrainingPipelineOptions['data'] = async ({ from, to }) => {
      const builder = new InteractionTableBuilder();
      for await (const page of store.interactions.scan()) for (const x of page) if (x.timestamp >= from && x.timestamp < to) builder.add(x);
      return { table: builder.build() };
    };
    const cycles = createTrainingPipeline({ registry, models: { als: () => createAlsModel({ factors: 4, iterations: 2, seed: 3 }) }, data: fromStore, trainingMs: 7 * DAY, holdoutMs: DAY, k: 3 });
    const reader = 'q18-7'; // read on days 18 and 19
    const holds = async (version: number) => (await registry.load('als', version))!.bytes;
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const before = await cycles.run(T0 + 20 * DAY);
    expect(text(await holds(before.models.als!.candidate))).toContain(JSON.stringify(reader));

    await engine.deleteUserData(reader); // the store forgets them, and the saved versions are rewritten
    expect(text(await holds(before.models.als!.candidate))).not.toContain(JSON.stringify(reader));
    const after = await cycles.run(T0 + 20 * DAY + 60_000);
    expect(after.models.als!.candidate).toBe(2);
    for (const { version } of await registry.list('als')) expect(text(await holds(version))).not.toContain(JSON.stringify(reader));
  });
});
