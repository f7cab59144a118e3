import { isMyContentError, type InMemoryModel, type ItemCatalog, type ModelQuery, type MyContentError } from '@mycontent/core';

/** The `MyContentError` a promise rejects with (any other outcome fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<MyContentError> {
  try {
    await promise;
  } catch (error) {
    if (isMyContentError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection with a MyContentError');
}

/** A personalised model that always proposes the same scored items (by id), recording the queries it receives. */
export function fixedModel(scores: Record<string, number>): InMemoryModel & { queries: ModelQuery[] } {
  let catalog: ItemCatalog | undefined;
  const queries: ModelQuery[] = [];
  return {
    kind: 'fixed',
    capabilities: { online: false, personalized: true, trending: false, similarItems: false },
    trained: true,
    queries,
    async fit(data) {
      catalog = data.catalog;
    },
    recommend(query: ModelQuery) {
      queries.push(query);
      const entries = Object.entries(scores)
        .map(([id, score]) => [catalog!.indexOf(id), score] as const)
        .filter(([i]) => i >= 0 && (!query.filter || query.filter(i)))
        .sort((a, b) => b[1] - a[1])
        .slice(0, query.k);
      return { items: Int32Array.from(entries.map((e) => e[0])), scores: Float32Array.from(entries.map((e) => e[1])) };
    },
    toArtifact: () => ({ kind: 'fixed', formatVersion: 1, state: {}, arrays: {} }),
    restore() {},
  };
}
