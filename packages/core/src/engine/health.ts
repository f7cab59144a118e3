import type { EngineCore } from './core';

/** How one backend answered a health probe. */
export interface BackendHealth {
  /** The adapter's name. */
  name: string;
  /** `up` when it answered, `down` when it failed or did not answer in time, `unknown` when the adapter has no `ping`. */
  status: 'up' | 'down' | 'unknown';
  /** How long the probe took, ms. */
  ms: number;
  /** Why it is down. */
  error?: string;
}

/** What {@link Recommender.health} reports. */
export interface HealthReport {
  /** False when the store is down: nothing can be written, and answers may fail. A cache that is down only slows answers. */
  ok: boolean;
  store: BackendHealth;
  cache: BackendHealth;
}

/** How long a backend may take to answer a probe before it is reported down, ms. */
export const HEALTH_TIMEOUT_MS = 2_000;

/**
 * Pings the store and the cache at once, each within {@link HEALTH_TIMEOUT_MS}. A store that is
 * down makes the report not `ok`; the cache only degrades the engine (a failing cache is a miss).
 */
export async function health(core: EngineCore): Promise<HealthReport> {
  const { store } = core;
  const [storeHealth, cacheHealth] = await Promise.all([
    probe(store.name, store.ping?.bind(store), core.clock),
    probe(core.cache.name, core.cache.ping, core.clock),
  ]);
  return { ok: storeHealth.status !== 'down', store: storeHealth, cache: cacheHealth };
}

async function probe(name: string, ping: (() => Promise<void>) | undefined, clock: () => number): Promise<BackendHealth> {
  if (!ping) return { name, status: 'unknown', ms: 0 };
  const started = clock();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
        timer.unref?.();
      }),
    ]);
    return { name, status: 'up', ms: clock() - started };
  } catch (error) {
    return { name, status: 'down', ms: clock() - started, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
