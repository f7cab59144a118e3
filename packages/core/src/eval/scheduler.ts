/**
 * The training scheduler: runs a pipeline's cycles on a cron schedule, and earlier when drift
 * fires, never two cycles closer than a minimum interval. Time is read at each tick, so a test
 * (or a replay) drives it with its own clock.
 */
import { Cron } from 'croner';
import { MyContentError } from '../errors/error';
import type { DriftMonitor, DriftReport } from './drift';
import type { PipelineRun, TrainingPipeline } from './pipeline';

const SOURCE = 'training-scheduler';
const MINUTE = 60_000;

/** Options of {@link createTrainingScheduler}. */
export interface TrainingSchedulerOptions {
  pipeline: TrainingPipeline;
  /** When cycles are due: a cron pattern (`'0 3 * * 1'`: Mondays at 03:00), in `timezone`. */
  schedule: string;
  /** @default 'UTC' */
  timezone?: string;
  /** Drift that brings a cycle forward: checked every `checkEveryMs` (default 10 minutes). */
  drift?: { monitor: DriftMonitor; checkEveryMs?: number };
  /** No cycle starts sooner than this after the previous one started (a drift storm retrains once). @default 6 hours */
  minIntervalMs?: number;
  /** How often `start()` ticks. @default 30 s */
  tickMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** Each finished cycle, with why it ran. */
  onCycle?: (run: PipelineRun, reason: CycleReason) => void;
  /** A cycle that failed (it runs again, resuming, at the next tick that finds it due). */
  onError?: (error: unknown, reason: CycleReason) => void;
}

/** Why a cycle ran: its schedule, or drift (with the report that fired). */
export type CycleReason = { kind: 'schedule'; due: number } | { kind: 'drift'; report: DriftReport };

/** A running scheduler; see {@link createTrainingScheduler}. */
export interface TrainingScheduler {
  /** One look at the clock: runs the cycle that is due, if any; resolves with it. */
  tick(): Promise<{ run: PipelineRun; reason: CycleReason } | undefined>;
  /** The next scheduled cycle (epoch ms). */
  nextDue(): number;
  /** Ticks every `tickMs` until `stop()`. */
  start(): void;
  /** Stops ticking and waits for the cycle in progress. */
  stop(): Promise<void>;
}

/**
 * A scheduler of training cycles. A scheduled cycle's key is its due time, so a cycle that failed
 * or was cut short by a restart resumes at the next tick rather than starting over; a drift cycle's
 * key is the minute drift fired.
 *
 * @example
 * ```ts
 * const scheduler = createTrainingScheduler({ pipeline, schedule: '0 3 * * 1', drift: { monitor } });
 * scheduler.start(); // Mondays at 03:00 UTC, and whenever drift fires (at most every 6 hours)
 * ```
 */
export function createTrainingScheduler(options: TrainingSchedulerOptions): TrainingScheduler {
  const now = options.now ?? Date.now;
  let cron: Cron;
  try {
    cron = new Cron(options.schedule, { timezone: options.timezone ?? 'UTC', paused: true });
  } catch (error) {
    throw new MyContentError('INVALID_CONFIG', `schedule ${JSON.stringify(options.schedule)} is not a cron pattern: ${(error as Error).message}`, { source: SOURCE, field: 'schedule', value: options.schedule });
  }
  const minIntervalMs = options.minIntervalMs ?? 6 * 3_600_000;
  const checkEveryMs = options.drift?.checkEveryMs ?? 10 * MINUTE;
  const tickMs = options.tickMs ?? 30_000;
  const dueAfter = (time: number) => cron.nextRun(new Date(time))?.getTime() ?? Number.POSITIVE_INFINITY;
  let due = dueAfter(now());
  let lastStart = Number.NEGATIVE_INFINITY;
  let lastDriftCheck = Number.NEGATIVE_INFINITY;
  let running: Promise<unknown> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  async function cycle(at: number, reason: CycleReason) {
    lastStart = now();
    try {
      const run = await options.pipeline.run(at);
      options.onCycle?.(run, reason);
      return { run, reason };
    } catch (error) {
      options.onError?.(error, reason);
      throw error;
    }
  }

  async function tick(): Promise<{ run: PipelineRun; reason: CycleReason } | undefined> {
    const t = now();
    if (t >= due) {
      const scheduled = due;
      // A failed scheduled cycle stays due (and resumes); a done one moves the schedule on.
      const result = await cycle(scheduled, { kind: 'schedule', due: scheduled });
      due = dueAfter(Math.max(t, scheduled));
      return result;
    }
    if (options.drift && t - lastDriftCheck >= checkEveryMs) {
      lastDriftCheck = t;
      const report = options.drift.monitor.check(t);
      if (report.fired.length > 0 && t - lastStart >= minIntervalMs) return cycle(Math.floor(t / MINUTE) * MINUTE, { kind: 'drift', report });
    }
    return undefined;
  }

  return {
    tick: () => {
      if (running) return running as ReturnType<typeof tick>;
      const current = tick().finally(() => (running = undefined));
      running = current;
      return current;
    },
    nextDue: () => due,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (!running) this.tick().catch(() => undefined); // reported through onError; retried on a later tick
      }, tickMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
