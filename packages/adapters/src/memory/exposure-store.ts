import type { ExposureScanOptions, ExposureStore, ListExposure } from '@mycontent/core';

/** Name of the in-process exposure store. */
export const MEMORY_EXPOSURE_STORE_NAME = 'memory-exposure-store';

const byTime = (a: ListExposure, b: ListExposure) => a.servedAt - b.servedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Served lists in process memory (tests, single-process deployments), by id and by user.
 *
 * @example
 * ```ts
 * const exposures = createMemoryExposureStore();
 * await createExposureRecorder({ bus, topic: 'exposures', store: exposures }).start();
 * ```
 */
export function createMemoryExposureStore(): ExposureStore {
  const byId = new Map<string, ListExposure>();
  const byUser = new Map<string, Set<string>>();
  const copy = (x: ListExposure): ListExposure => structuredClone(x);

  return {
    name: MEMORY_EXPOSURE_STORE_NAME,
    async append(exposures) {
      let added = 0;
      for (const x of exposures) {
        if (byId.has(x.id)) continue;
        byId.set(x.id, copy(x));
        added++;
        if (x.userId === undefined) continue;
        let ids = byUser.get(x.userId);
        if (!ids) byUser.set(x.userId, (ids = new Set()));
        ids.add(x.id);
      }
      return added;
    },
    async get(id) {
      const x = byId.get(id);
      return x && copy(x);
    },
    async *scan(options: ExposureScanOptions = {}) {
      const { experiment, from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY, pageSize = 1000 } = options;
      const chosen = [...byId.values()]
        .filter((x) => x.servedAt >= from && x.servedAt < to && (experiment === undefined || x.experiments.some((e) => e.experiment === experiment)))
        .sort(byTime);
      for (let i = 0; i < chosen.length; i += pageSize) yield chosen.slice(i, i + pageSize).map(copy);
    },
    async ofUser(userId) {
      return [...(byUser.get(userId) ?? [])].map((id) => copy(byId.get(id)!)).sort(byTime);
    },
    async deleteUser(userId) {
      const ids = byUser.get(userId);
      if (!ids) return 0;
      for (const id of ids) byId.delete(id);
      byUser.delete(userId);
      return ids.size;
    },
  };
}
