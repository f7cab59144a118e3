import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelRegistry } from '@mycontent/core';
import { suiteTitle, type ConformanceOptions } from './shared';

/**
 * The model registry conformance suite. `factory` returns an empty registry for each test.
 *
 * @example
 * ```ts
 * describeModelRegistryConformance('memory', () => createMemoryModelRegistry());
 * ```
 */
export function describeModelRegistryConformance(
  name: string,
  factory: () => ModelRegistry | Promise<ModelRegistry>,
  options: ConformanceOptions & { cleanup?: () => Promise<void> } = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('model registry', name, options.skip), () => {
    let registry: ModelRegistry;
    beforeEach(async () => {
      registry = await factory();
    });
    afterAll(async () => {
      await options.cleanup?.();
    });

    it('numbers versions from 1 and loads the latest by default', async () => {
      const v1 = await registry.save('als', Uint8Array.from([1, 2, 3]), { ndcg: 0.4 });
      const v2 = await registry.save('als', Uint8Array.from([4, 5]));
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect(v1).toMatchObject({ name: 'als', size: 3, metadata: { ndcg: 0.4 } });
      const latest = await registry.load('als');
      expect(latest?.version).toBe(2);
      expect(Array.from(latest!.bytes)).toEqual([4, 5]);
      expect(Array.from((await registry.load('als', 1))!.bytes)).toEqual([1, 2, 3]);
    });

    it('returns undefined for unknown names and versions', async () => {
      expect(await registry.load('nothing')).toBeUndefined();
      await registry.save('knn', Uint8Array.from([1]));
      expect(await registry.load('knn', 7)).toBeUndefined();
    });

    it('lists and deletes versions, keeping models apart', async () => {
      await registry.save('a', Uint8Array.from([1]));
      await registry.save('a', Uint8Array.from([2]));
      await registry.save('b', Uint8Array.from([3]));
      expect((await registry.list('a')).map((v) => v.version)).toEqual([1, 2]);
      await registry.delete('a', 1);
      expect((await registry.list('a')).map((v) => v.version)).toEqual([2]);
      expect((await registry.list('b')).map((v) => v.version)).toEqual([1]);
    });

    it('replaces the bytes of a version in place, keeping its number and metadata', async () => {
      const first = await registry.save('m', Uint8Array.from([1, 2, 3]), { auc: 0.8 });
      await registry.save('m', Uint8Array.from([4]));
      const replaced = await registry.replace('m', 1, Uint8Array.from([9, 9]));
      expect(replaced).toEqual({ ...first, size: 2 });
      const loaded = await registry.load('m', 1);
      expect(Array.from(loaded!.bytes)).toEqual([9, 9]);
      expect(loaded!.metadata).toEqual({ auc: 0.8 });
      expect((await registry.list('m')).map((v) => [v.version, v.size])).toEqual([
        [1, 2],
        [2, 1],
      ]);
      expect(Array.from((await registry.load('m'))!.bytes)).toEqual([4]);
      await expect(registry.replace('m', 7, Uint8Array.from([1]))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('stores bytes exactly, including large artifacts', async () => {
      const bytes = new Uint8Array(1 << 20);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
      await registry.save('big', bytes);
      const loaded = await registry.load('big');
      expect(loaded?.size).toBe(bytes.length);
      expect(Buffer.compare(Buffer.from(loaded!.bytes), Buffer.from(bytes))).toBe(0);
    });
  });
}
