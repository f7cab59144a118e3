import type { RecommendationCache } from './cache';

/**
 * A cache that keeps nothing: every read is a miss. What the engine uses when no cache is
 * given, so that no code path asks whether there is one.
 *
 * @example
 * ```ts
 * createRecommender({ store, cache: createNoopCache(), models });
 * ```
 */
export function createNoopCache(): RecommendationCache {
  return {
    name: 'none',
    capabilities: { shared: false, constantTimeUserInvalidation: true },
    get: async () => undefined,
    set: async () => {},
    delete: async () => {},
    invalidateUser: async () => {},
    invalidateUsers: async () => {},
    invalidateFamily: async () => {},
    clear: async () => {},
  };
}
