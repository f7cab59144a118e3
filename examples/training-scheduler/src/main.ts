/**
 * The training scheduler, a long-running process beside the service and the stream workers:
 * training cycles on a cron schedule and whenever drift fires, each gated against the serving
 * version; every service instance follows a promotion within its MODEL_REFRESH_SECONDS.
 *
 *   npm start -w @mycontent/example-training-scheduler -- [--postgres URL] [--redis URL] [--schema mycontent]
 *     [--prefix mc:] [--topic interactions] [--schedule "0 3 * * 1"] [--training-days 14] [--holdout-hours 24]
 *     [--tolerance 0.02] [--min-interval-hours 6] [--journal ./pipeline-journal] [--once [--at ISO]]
 *
 * Prints one JSON line per event: {"type":"started"}, {"type":"progress", phase}, {"type":"cycle",
 * reason, window, models: {name: {candidate, serving, decision, reasons}}}, {"type":"cycle-failed"}.
 * `--once` runs the cycle ending now (or at `--at`: run it again to resume it) and exits. Each fit
 * runs in a worker thread of its own. SIGTERM / SIGINT: waits for the cycle in progress (a cycle
 * cut short by a kill resumes from its journal at the next start), then exits 0.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { openTraining } from './training';

const { values } = parseArgs({
  options: {
    postgres: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    schema: { type: 'string', default: 'mycontent' },
    prefix: { type: 'string', default: 'mc:' },
    topic: { type: 'string', default: 'interactions' },
    schedule: { type: 'string', default: '0 3 * * 1' },
    'training-days': { type: 'string', default: '14' },
    'holdout-hours': { type: 'string', default: '24' },
    tolerance: { type: 'string', default: '0.02' },
    'min-interval-hours': { type: 'string', default: '6' },
    journal: { type: 'string', default: './pipeline-journal' },
    once: { type: 'boolean', default: false },
    at: { type: 'string' },
  },
});

const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...line, pid: process.pid, at: new Date().toISOString() })}\n`);
const positive = (name: string, raw: string) => {
  const n = Number(raw);
  if (!(n > 0)) {
    emit({ type: 'error', message: `--${name} must be a positive number, got ${JSON.stringify(raw)}` });
    process.exit(2);
  }
  return n;
};

const pool = new pg.Pool({ connectionString: values.postgres, max: 4 });
pool.on('error', (error) => emit({ type: 'warning', message: `postgres: ${error.message}` }));
const redis = new Redis(values.redis!, { maxRetriesPerRequest: 1 });
redis.on('error', () => {});

const training = await openTraining(
  { pool, redis },
  {
    schema: values.schema!,
    prefix: values.prefix!,
    topic: values.topic!,
    schedule: values.schedule!,
    trainingDays: positive('training-days', values['training-days']!),
    holdoutHours: positive('holdout-hours', values['holdout-hours']!),
    tolerance: Number(values.tolerance),
    minIntervalHours: positive('min-interval-hours', values['min-interval-hours']!),
    journal: values.journal!,
    fitWorker: new URL('./fit-worker.mjs', import.meta.url),
  },
  emit,
);

async function shutdown(code: number) {
  await training.close();
  await pool.end();
  redis.disconnect();
  process.exit(code);
}

if (values.once) {
  const at = values.at === undefined ? Date.now() : Date.parse(values.at);
  if (!Number.isFinite(at)) {
    emit({ type: 'error', message: `--at must be an ISO date, got ${JSON.stringify(values.at)}` });
    await shutdown(2);
  }
  try {
    const run = await training.pipeline.run(at);
    emit(training.describe(run, { kind: 'schedule', due: run.window.to }));
    await shutdown(0);
  } catch (error) {
    emit({ type: 'cycle-failed', error: (error as Error).message });
    await shutdown(1);
  }
} else {
  training.scheduler.start();
  emit({ type: 'started', schedule: values.schedule, next: new Date(training.scheduler.nextDue()).toISOString() });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(0));
}
