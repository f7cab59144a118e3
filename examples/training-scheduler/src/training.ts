/**
 * The training side of a deployment, built from open connections: a pipeline over the store and
 * the model registry (the REST service's models, by the same names and options), a drift monitor
 * fed by the event stream through its own consumer group, and a scheduler that runs cycles on a
 * cron schedule and when drift fires.
 */
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { DEFAULT_INTERACTION_WEIGHTS, type InteractionInput, type InteractionType, type Item } from '@mycontent/core';
import { InteractionTableBuilder } from '@mycontent/core/data';
import { createDriftMonitor, createFileJournal, createTrainingPipeline, createTrainingScheduler, type CycleReason, type PipelineRun } from '@mycontent/core/eval';
import { createPostgresModelRegistry, createPostgresStore } from '@mycontent/adapters/postgres';
import { createRedisEventBus } from '@mycontent/adapters/redis';
import { MODELS } from './models';

const HOUR = 3_600_000;

/** What the scheduler is told. */
export interface TrainingConfig {
  schema: string;
  prefix: string;
  /** The event topic the stream worker consumes (the drift monitor reads it too, in its own group). */
  topic: string;
  schedule: string;
  trainingDays: number;
  holdoutHours: number;
  tolerance: number;
  minIntervalHours: number;
  /** Where cycles are journaled (a cycle cut short resumes from here). */
  journal: string;
  /** The module each fit runs on, in a worker thread of its own (`src/fit-worker.mjs`); in the calling thread without. */
  fitWorker?: string | URL;
}

const positive = (type: string) => (DEFAULT_INTERACTION_WEIGHTS[type as InteractionType] ?? 0) > 0;
const timeOf = (timestamp: InteractionInput['timestamp']) => (typeof timestamp === 'number' ? timestamp : new Date(timestamp).getTime());

/** Opens the pipeline, the drift monitor and the scheduler; `close` stops them and the stream consumer. */
export async function openTraining(connections: { pool: pg.Pool; redis: Redis }, config: TrainingConfig, report: (line: Record<string, unknown>) => void) {
  const store = createPostgresStore({ pool: connections.pool, schema: config.schema });
  const registry = createPostgresModelRegistry({ pool: connections.pool, schema: config.schema });

  /** Articles the serving models were trained with: those of the last cycle's window. */
  let known = new Set<string>();
  const pipeline = createTrainingPipeline({
    registry,
    models: MODELS,
    trainingMs: config.trainingDays * 24 * HOUR,
    holdoutMs: config.holdoutHours * HOUR,
    gate: { metrics: ['ndcg', 'hitRate'], tolerance: config.tolerance },
    journal: createFileJournal(config.journal),
    ...(config.fitWorker ? { fitWorker: config.fitWorker } : {}),
    // One line per step of the cycle (not per epoch of a model): what a supervisor watching the process needs.
    onProgress: ({ phase }) => {
      if (/^(reading the window|done|\w+: (fitting|evaluating))$/.test(phase)) report({ type: 'progress', phase });
    },
    // The window's interactions, read from the store (a data lake would read one partition per hour).
    async data({ from, to }) {
      const builder = new InteractionTableBuilder();
      for await (const page of store.interactions.scan()) {
        for (const x of page) if (x.timestamp >= from && x.timestamp < to) builder.add(x);
      }
      const items: Item[] = [];
      for await (const page of store.items.scan()) items.push(...page);
      const table = builder.build();
      known = new Set(table.items);
      return { table, items };
    },
  });

  const monitor = createDriftMonitor({ known: (id) => known.has(id) });
  const bus = createRedisEventBus({ client: connections.redis, prefix: config.prefix });
  const subscription = await bus.subscribeBatch<InteractionInput>(
    config.topic,
    async (messages) => {
      for (const { payload } of messages) if (positive(payload.type ?? 'click')) monitor.click(String(payload.itemId), timeOf(payload.timestamp ?? Date.now()));
      return { failed: [] };
    },
    { group: 'mycontent-drift', batchSize: 500 },
  );

  const describe = (run: PipelineRun, reason: CycleReason) => ({
    type: 'cycle',
    reason: reason.kind === 'schedule' ? 'schedule' : `drift: ${reason.report.fired.join(', ')}`,
    window: { from: new Date(run.window.from).toISOString(), holdoutFrom: new Date(run.window.holdoutFrom).toISOString(), to: new Date(run.window.to).toISOString() },
    models: Object.fromEntries(Object.entries(run.models).map(([name, m]) => [name, { candidate: m.candidate, serving: m.serving, decision: m.decision, reasons: m.reasons }])),
  });
  const scheduler = createTrainingScheduler({
    pipeline,
    schedule: config.schedule,
    drift: { monitor },
    minIntervalMs: config.minIntervalHours * HOUR,
    onCycle: (run, reason) => report(describe(run, reason)),
    onError: (error, reason) => report({ type: 'cycle-failed', reason: reason.kind, error: (error as Error).message }),
  });

  return {
    pipeline,
    scheduler,
    monitor,
    registry,
    describe,
    async close() {
      await scheduler.stop();
      await subscription.close();
    },
  };
}
