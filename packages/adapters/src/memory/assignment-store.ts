import type { AssignmentStore } from '@mycontent/core';

/** Name of the in-process assignment store. */
export const MEMORY_ASSIGNMENT_STORE_NAME = 'memory-assignment-store';

/**
 * Sticky experiment assignments in process memory (tests, single-process deployments). Keys are
 * kept in `Map`s, so any user id or experiment key is an ordinary key.
 *
 * @example
 * ```ts
 * const experiments = createExperimentAssigner({ experiments, sticky: createMemoryAssignmentStore() });
 * ```
 */
export function createMemoryAssignmentStore(): AssignmentStore {
  const byUser = new Map<string, Map<string, string>>();
  return {
    name: MEMORY_ASSIGNMENT_STORE_NAME,
    async get(userId) {
      return Object.fromEntries(byUser.get(userId) ?? []);
    },
    async remember(userId, variants) {
      let held = byUser.get(userId);
      if (!held) byUser.set(userId, (held = new Map()));
      const out: Record<string, string> = {};
      for (const [experiment, variant] of Object.entries(variants)) {
        if (!held.has(experiment)) held.set(experiment, variant);
        out[experiment] = held.get(experiment)!;
      }
      return out;
    },
    async deleteUser(userId) {
      const count = byUser.get(userId)?.size ?? 0;
      byUser.delete(userId);
      return count;
    },
    async deleteExperiment(experiment) {
      let count = 0;
      for (const held of byUser.values()) if (held.delete(experiment)) count++;
      return count;
    },
  };
}
