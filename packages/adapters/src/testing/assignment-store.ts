import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { AssignmentStore } from '@mycontent/core';
import { ODD_IDS, suiteTitle, type ConformanceOptions } from './shared';

/**
 * The assignment store conformance suite. `factory` returns an empty store for each test.
 *
 * @example
 * ```ts
 * describeAssignmentStoreConformance('memory', () => createMemoryAssignmentStore());
 * ```
 */
export function describeAssignmentStoreConformance(
  name: string,
  factory: () => AssignmentStore | Promise<AssignmentStore>,
  options: ConformanceOptions & { cleanup?: () => Promise<void> } = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('assignment store', name, options.skip), () => {
    let store: AssignmentStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterAll(async () => {
      await options.cleanup?.();
    });

    it('remembers variants per user and experiment, and knows nothing of unknown users', async () => {
      expect(await store.get('nobody')).toEqual({});
      expect(await store.remember('u1', { blend: 'more', layout: 'grid' })).toEqual({ blend: 'more', layout: 'grid' });
      await store.remember('u2', { blend: 'control' });
      expect(await store.get('u1')).toEqual({ blend: 'more', layout: 'grid' });
      expect(await store.get('u2')).toEqual({ blend: 'control' });
      expect(await store.remember('u3', {})).toEqual({});
    });

    it('keeps the first variant: a later or concurrent one does not replace it', async () => {
      await store.remember('u1', { blend: 'more' });
      expect(await store.remember('u1', { blend: 'less', layout: 'list' })).toEqual({ blend: 'more', layout: 'list' });
      const racing = await Promise.all(['a', 'b', 'c', 'd'].map((variant) => store.remember('u9', { race: variant })));
      const winner = racing[0]!.race;
      for (const result of racing) expect(result.race).toBe(winner);
      expect((await store.get('u9')).race).toBe(winner);
    });

    it('forgets a user, and an ended experiment, counting what it removed', async () => {
      await store.remember('u1', { blend: 'more', layout: 'grid' });
      await store.remember('u2', { blend: 'control' });
      expect(await store.deleteExperiment('blend')).toBe(2);
      expect(await store.get('u2')).toEqual({});
      expect(await store.deleteUser('u1')).toBe(1);
      expect(await store.get('u1')).toEqual({});
      expect(await store.deleteUser('u1')).toBe(0);
    });

    it('stores odd ids and keys exactly', async () => {
      for (const id of ODD_IDS) {
        expect(await store.remember(id, { [id]: id })).toEqual({ [id]: id });
        expect(await store.get(id)).toEqual({ [id]: id });
      }
    });
  });
}
