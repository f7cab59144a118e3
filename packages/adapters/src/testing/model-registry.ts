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
      expect(await registry.names()).toEqual([]);
      await registry.save('b', Uint8Array.from([3]));
      await registry.save('a', Uint8Array.from([1]));
      await registry.save('a', Uint8Array.from([2]));
      expect(await registry.names()).toEqual(['a', 'b']);
      expect((await registry.list('a')).map((v) => v.version)).toEqual([1, 2]);
      await registry.delete('a', 1);
      expect((await registry.list('a')).map((v) => v.version)).toEqual([2]);
      expect((await registry.list('b')).map((v) => v.version)).toEqual([1]);
    });

    it('replaces the bytes of a version in place, keeping its number and metadata', async () => {
      const first = await registry.save('m', Uint8Array.from([1, 2, 3]), { auc: 0.8 });
      await registry.save('m', Uint8Array.from([4]));
      const replaced = await registry.replace('m', 1, Uint8Array.from([9, 9]));
      // Same number, creation time and metadata; size follows the bytes; the state is the current one (v2 serves now).
      expect(replaced).toEqual({ ...first, size: 2, state: 'retired' });
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

    it('serves the version saved last by default, and keeps candidates aside until promoted', async () => {
      const v1 = await registry.save('als', Uint8Array.from([1]));
      expect(v1).toMatchObject({ state: 'serving', pinned: false });
      expect(v1.promotedAt).toBeTypeOf('number');
      const v2 = await registry.save('als', Uint8Array.from([2]), { ndcg: 0.5 }, { state: 'candidate' });
      expect(v2).toMatchObject({ version: 2, state: 'candidate', pinned: false });
      expect(v2.promotedAt).toBeUndefined();
      expect((await registry.load('als'))?.version).toBe(1); // the serving one, not the latest
      expect((await registry.load('als', 2))?.state).toBe('candidate');
      const promoted = await registry.promote('als', 2);
      expect(promoted).toMatchObject({ version: 2, state: 'serving', previous: 1 });
      expect((await registry.list('als')).map((v) => [v.version, v.state])).toEqual([
        [1, 'retired'],
        [2, 'serving'],
      ]);
      expect(Array.from((await registry.load('als'))!.bytes)).toEqual([2]);
      await expect(registry.promote('als', 9)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await registry.load('nothing-serves')).toBeUndefined();
      await registry.save('only-candidates', Uint8Array.from([1]), {}, { state: 'candidate' });
      expect(await registry.load('only-candidates')).toBeUndefined();
    });

    it('rolls back to the version that served before, and further back on a second rollback', async () => {
      await registry.save('m', Uint8Array.from([1]));
      await registry.save('m', Uint8Array.from([2]));
      await registry.save('m', Uint8Array.from([3]), {}, { state: 'candidate' });
      await registry.promote('m', 3);
      expect((await registry.rollback('m')).version).toBe(2);
      expect((await registry.load('m'))?.version).toBe(2);
      expect((await registry.list('m')).map((v) => v.state)).toEqual(['retired', 'serving', 'retired']);
      expect((await registry.rollback('m')).version).toBe(1);
      await expect(registry.rollback('m')).rejects.toMatchObject({ code: 'NOT_FOUND' }); // v1 replaced nothing
      expect((await registry.load('m'))?.version).toBe(1);
      await expect(registry.rollback('never-saved')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('keeps a pinned version serving until it is unpinned or overridden', async () => {
      await registry.save('p', Uint8Array.from([1]));
      await registry.save('p', Uint8Array.from([2]), {}, { state: 'candidate' });
      expect(await registry.promote('p', 1, { pin: true })).toMatchObject({ version: 1, state: 'serving', pinned: true });
      await expect(registry.promote('p', 2)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(registry.save('p', Uint8Array.from([3]))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await registry.list('p')).map((v) => v.version)).toEqual([1, 2]); // the refused save stored nothing
      await registry.save('p', Uint8Array.from([3]), {}, { state: 'candidate' }); // candidates are always welcome
      expect(await registry.promote('p', 2, { force: true })).toMatchObject({ version: 2, state: 'serving', pinned: false, previous: 1 });
      await registry.promote('p', 2, { pin: true });
      await registry.unpin('p');
      expect((await registry.promote('p', 3)).previous).toBe(2);
    });

    it('prunes old versions, never the serving one nor the one a rollback needs', async () => {
      await registry.save('r', Uint8Array.from([1]));
      await registry.save('r', Uint8Array.from([2])); // serving, previous: 1
      for (let i = 3; i <= 6; i++) await registry.save('r', Uint8Array.from([i]), {}, { state: 'candidate' });
      expect(await registry.prune('r', 2)).toEqual([3, 4]);
      expect((await registry.list('r')).map((v) => v.version)).toEqual([1, 2, 5, 6]);
      expect((await registry.rollback('r')).version).toBe(1);
      await expect(registry.prune('r', -1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('leaves exactly one serving version under concurrent promotions', async () => {
      await registry.save('c', Uint8Array.from([0]));
      for (let i = 1; i <= 4; i++) await registry.save('c', Uint8Array.from([i]), {}, { state: 'candidate' });
      await Promise.all([2, 3, 4, 5].map((v) => registry.promote('c', v)));
      const states = (await registry.list('c')).map((v) => v.state);
      expect(states.filter((state) => state === 'serving')).toHaveLength(1);
      expect((await registry.load('c'))?.state).toBe('serving');
    });

    it('deletes the serving version, leaving nothing serving', async () => {
      await registry.save('d', Uint8Array.from([1]));
      await registry.save('d', Uint8Array.from([2]));
      await registry.delete('d', 2);
      expect(await registry.load('d')).toBeUndefined();
      expect((await registry.list('d')).map((v) => [v.version, v.state])).toEqual([[1, 'retired']]);
      expect((await registry.promote('d', 1)).state).toBe('serving');
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
