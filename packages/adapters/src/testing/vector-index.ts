import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isMyContentError, type VectorIndex, type VectorMetric } from '@mycontent/core';
import { suiteTitle, type ConformanceOptions } from './shared';

/**
 * The vector index conformance suite. `factory(dimension, metric)` returns an empty index.
 *
 * @example
 * ```ts
 * describeVectorIndexConformance('exact', (dimension, metric) => createExactVectorIndex({ dimension, metric }));
 * ```
 */
export function describeVectorIndexConformance(
  name: string,
  factory: (dimension: number, metric: VectorMetric) => VectorIndex | Promise<VectorIndex>,
  options: ConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('vector index', name, options.skip), () => {
    const created: VectorIndex[] = [];
    const make = async (dimension: number, metric: VectorMetric) => {
      const index = await factory(dimension, metric);
      created.push(index);
      return index;
    };
    afterAll(async () => {
      for (const index of created) await index.dispose?.();
    });

    describe.each(['cosine', 'inner-product', 'l2'] as const)('%s', (metric) => {
      let index: VectorIndex;
      beforeEach(async () => {
        index = await make(3, metric);
        await index.upsert(['x', 'y', 'z', 'xy'], [[1, 0, 0], [0, 2, 0], [0, 0, 3], [1, 1, 0]]);
      });

      it('returns the nearest vectors best first', async () => {
        const hits = await index.search([0.9, 0.1, 0], 2);
        // cosine: x 0.99, xy 0.78; inner product: xy 1.0, x 0.9; l2: x 0.14, xy 0.91.
        expect(hits.map((h) => h.id)).toEqual(metric === 'inner-product' ? ['xy', 'x'] : ['x', 'xy']);
        expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[1]!.score);
      });

      it('scores with the metric', async () => {
        // q = (1, -0.1, 0): x is the unique best under every metric.
        const [hit] = await index.search([1, -0.1, 0], 1);
        expect(hit!.id).toBe('x');
        const expected = metric === 'l2' ? -0.1 : metric === 'cosine' ? 1 / Math.sqrt(1.01) : 1;
        expect(hit!.score).toBeCloseTo(expected, 5);
      });

      it('replaces and removes vectors', async () => {
        await index.upsert(['x'], [[0, -1, 0]]);
        expect(index.size()).toBe(4);
        expect((await index.search([0, -1, 0], 1))[0]!.id).toBe('x');
        await index.remove(['x', 'unknown']);
        expect(index.size()).toBe(3);
        expect((await index.search([1, 0, 0], 4)).map((h) => h.id)).not.toContain('x');
      });

      it('answers a batch like single searches, in query order', async () => {
        const queries = [[0.9, 0.1, 0], [0, 0, 1], [0.1, 1, 0.1]];
        const batch = index.searchBatch ? await index.searchBatch(queries, 2) : await Promise.all(queries.map((q) => index.search(q, 2)));
        for (let i = 0; i < queries.length; i++) expect(batch[i]!.map((h) => h.id)).toEqual((await index.search(queries[i]!, 2)).map((h) => h.id));
      });

      it('applies a filter and returns at most k or what exists', async () => {
        const hits = await index.search([1, 0, 0], 10, { filter: (id) => id !== 'x' });
        expect(hits.map((h) => h.id)).not.toContain('x');
        expect(hits).toHaveLength(3);
      });
    });

    it('rejects a wrong dimension, non-finite values and k < 1, and stays usable', async () => {
      const index = await make(2, 'cosine');
      await index.upsert(['a'], [[1, 0]]);
      for (const bad of [
        () => index.upsert(['b'], [[1, 0, 0]]),
        () => index.upsert(['b'], [[Number.NaN, 0]]),
        () => index.upsert(['b'], [[Number.POSITIVE_INFINITY, 0]]),
        () => index.search([1, 0, 0], 1),
        () => index.search([1, 0], 0),
      ]) {
        await expect(bad()).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'INVALID_INPUT'));
      }
      expect(index.size()).toBe(1);
      expect((await index.search([1, 0], 1))[0]!.id).toBe('a');
    });
  });
}
