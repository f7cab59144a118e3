import { isMyContentError } from '../errors/error';
import type { Recommender } from './types';

/** How the event processor rides out a store outage. */
export interface OutagePolicy {
  /** Wait before the first probe of a store found down, ms; doubled after each failed probe. @default 250 */
  retryDelayMs?: number;
  /** Longest wait between two probes, ms. @default 5_000 */
  maxRetryDelayMs?: number;
}

/** The counters an outage gate keeps (part of the processor's stats). */
export interface OutageCounters {
  /** `down` while the processor waits for the store, holding its events and reading nothing new. */
  backend: 'up' | 'down';
  /** Outages waited out since the start. */
  outages: number;
  /** Time spent waiting for the store, ms (the current outage included once over). */
  outageMs: number;
  lastError?: string;
}

/** What one guarded write came to. */
export type GuardedWrite<T> =
  | { kind: 'done'; value: T }
  /** The write failed and the store answers (or cannot say): the data written is at fault, or something else than the store. */
  | { kind: 'failed'; error: unknown; storeAnswers: boolean }
  /** The processor stopped while the store was down: nothing was written, nothing is at fault. */
  | { kind: 'released' };

/** Writes through the engine, waiting out store outages. */
export interface OutageGate {
  /**
   * Runs `write`. Validation errors are thrown as they are. On any other failure the store is
   * pinged: when it does not answer, the gate waits for it (probing with backoff) and runs
   * `write` again, for as long as the outage lasts — unless the gate is stopped meanwhile.
   */
  write<T>(write: () => Promise<T>): Promise<GuardedWrite<T>>;
  /** Ends any wait: the write in progress resolves `released`. */
  stop(): void;
}

/**
 * An outage gate over the engine's `health()`: an infrastructure failure is not the events'
 * fault, so it is waited out instead of counted against them.
 */
export function createOutageGate(recommender: Recommender, policy: OutagePolicy, counters: OutageCounters, clock: () => number): OutageGate {
  const retryDelayMs = policy.retryDelayMs ?? 250;
  const maxRetryDelayMs = policy.maxRetryDelayMs ?? 5_000;
  let stopped = false;
  let wake: (() => void) | undefined;

  const storeStatus = async () => (await recommender.health()).store;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** Waits until the store answers (true) or the gate is stopped (false). */
  async function waitForStore(error: unknown): Promise<boolean> {
    const since = clock();
    counters.backend = 'down';
    counters.outages++;
    counters.lastError = error instanceof Error ? error.message : String(error);
    let delay = retryDelayMs;
    try {
      while (!stopped) {
        await pause(delay);
        if (stopped) break;
        if ((await storeStatus()).status !== 'down') return true;
        delay = Math.min(maxRetryDelayMs, delay * 2);
      }
      return false;
    } finally {
      counters.backend = 'up';
      counters.outageMs += clock() - since;
    }
  }

  return {
    async write<T>(write: () => Promise<T>): Promise<GuardedWrite<T>> {
      for (;;) {
        try {
          return { kind: 'done', value: await write() };
        } catch (error) {
          if (isMyContentError(error, 'INVALID_INPUT')) throw error;
          const store = await storeStatus();
          if (store.status !== 'down') return { kind: 'failed', error, storeAnswers: store.status === 'up' };
          if (!(await waitForStore(error))) return { kind: 'released' };
        }
      }
    },
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
