import { describe, expect, it } from 'vitest';
import { createTrainingScheduler, type DriftMonitor, type DriftReport, type PipelineRun, type TrainingPipeline } from '@mycontent/core/eval';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1); // a Monday

/** A pipeline that records the cycles asked, failing the ones listed once. */
function recordingPipeline(failOnce: number[] = []) {
  const asked: number[] = [];
  const failing = new Set(failOnce);
  const pipeline: TrainingPipeline = {
    async run(at) {
      asked.push(at);
      if (failing.delete(at)) throw new Error('worker killed');
      return { key: String(at) } as PipelineRun;
    },
  };
  return { pipeline, asked };
}

const quiet: DriftReport = { at: 0, clicks: { window: 0, baseline: 0 }, psi: 0, unknownShare: { window: 0, baseline: 0 }, fired: [] };

describe('the training scheduler', () => {
  it('runs the cycles of its cron schedule, and resumes a failed one at the next tick with the same key', async () => {
    let clock = T0;
    const { pipeline, asked } = recordingPipeline([T0 + 7 * 24 * HOUR + 3 * HOUR]);
    const errors: unknown[] = [];
    const scheduler = createTrainingScheduler({ pipeline, schedule: '0 3 * * 1', now: () => clock, onError: (error) => errors.push(error) });
    expect(scheduler.nextDue()).toBe(T0 + 3 * HOUR);
    for (let hour = 0; hour < 21 * 24; hour++) {
      clock = T0 + hour * HOUR;
      await scheduler.tick().catch(() => undefined);
    }
    const monday = (week: number) => T0 + week * 7 * 24 * HOUR + 3 * HOUR;
    expect(asked).toEqual([monday(0), monday(1), monday(1), monday(2)]); // week 1 failed once, then resumed
    expect(errors).toHaveLength(1);
    expect(scheduler.nextDue()).toBe(monday(3));
  });

  it('brings a cycle forward when drift fires, at most once per minimum interval', async () => {
    let clock = T0 + 4 * HOUR;
    const { pipeline, asked } = recordingPipeline();
    const monitor: DriftMonitor = {
      click: () => undefined,
      impressions: () => undefined,
      check: (now) => ({ ...quiet, at: now, fired: now >= T0 + 50 * HOUR && now < T0 + 60 * HOUR ? ['unknown-items'] : [] }),
    };
    const reasons: string[] = [];
    const scheduler = createTrainingScheduler({ pipeline, schedule: '0 3 * * 1', drift: { monitor, checkEveryMs: HOUR }, minIntervalMs: 6 * HOUR, now: () => clock, onCycle: (_run, reason) => reasons.push(reason.kind) });
    for (let hour = 4; hour < 72; hour++) {
      clock = T0 + hour * HOUR;
      await scheduler.tick();
    }
    expect(asked).toEqual([T0 + 50 * HOUR, T0 + 56 * HOUR]); // fired from hour 50 to 59: two cycles, 6 hours apart
    expect(reasons).toEqual(['drift', 'drift']);
  });

  it('refuses a schedule that is not a cron pattern, naming it', () => {
    expect(() => createTrainingScheduler({ pipeline: recordingPipeline().pipeline, schedule: '61 * * * *' })).toThrow(/schedule "61 \* \* \* \*" is not a cron pattern/);
  });
});
