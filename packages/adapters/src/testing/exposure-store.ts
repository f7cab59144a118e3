import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExposureStore, ListExposure } from '@mycontent/core';
import { ODD_IDS, suiteTitle, type ConformanceOptions } from './shared';

const T0 = Date.UTC(2024, 5, 1);

function exposure(id: string, servedAt: number, userId: string | undefined, experiments: [string, string][] = []): ListExposure {
  return {
    id,
    ...(userId === undefined ? {} : { userId }),
    servedAt,
    experiments: experiments.map(([experiment, variant]) => ({ experiment, variant })),
    items: ['a', 'b', 'c'],
    sources: ['als', 'explore:fresh', 'popular'],
    propensities: [1, 0.125, 1],
    phase: 'personalized',
    cached: false,
  };
}

async function all(pages: AsyncIterable<ListExposure[]>): Promise<ListExposure[][]> {
  const out: ListExposure[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/**
 * The exposure store conformance suite. `factory` returns an empty store for each test.
 *
 * @example
 * ```ts
 * describeExposureStoreConformance('memory', () => createMemoryExposureStore());
 * ```
 */
export function describeExposureStoreConformance(
  name: string,
  factory: () => ExposureStore | Promise<ExposureStore>,
  options: ConformanceOptions & { cleanup?: () => Promise<void> } = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  suite(suiteTitle('exposure store', name, options.skip), () => {
    let store: ExposureStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterAll(async () => {
      await options.cleanup?.();
    });

    it('stores exposures exactly, and reads them back by id', async () => {
      const x = exposure('l1', T0 + 0.5, 'u1', [['blend', 'more'], ['layout', 'grid']]);
      const anonymous = exposure('l2', T0, undefined);
      expect(await store.append([x, anonymous])).toBe(2);
      expect(await store.get('l1')).toEqual(x);
      expect(await store.get('l2')).toEqual(anonymous);
      expect(await store.get('nothing')).toBeUndefined();
      expect(await store.append([])).toBe(0);
    });

    it('keeps the first copy of an id: a redelivered exposure changes nothing', async () => {
      await store.append([exposure('l1', T0, 'u1')]);
      expect(await store.append([{ ...exposure('l1', T0 + 5, 'u2'), cached: true }, exposure('l2', T0, 'u1'), exposure('l2', T0, 'u1')])).toBe(1);
      expect(await store.get('l1')).toEqual(exposure('l1', T0, 'u1'));
    });

    it('scans oldest first, in pages, by experiment and time', async () => {
      const batch = [
        exposure('l3', T0 + 2, 'u1', [['blend', 'more']]),
        exposure('l1', T0, 'u2', [['blend', 'control']]),
        exposure('l2', T0 + 1, 'u1', [['layout', 'grid']]),
        exposure('l0', T0 + 2, 'u3', [['blend', 'control'], ['layout', 'list']]),
        exposure('l4', T0 + 3, undefined),
      ];
      await store.append(batch);
      const ids = (pages: ListExposure[][]) => pages.flat().map((x) => x.id);
      expect(ids(await all(store.scan()))).toEqual(['l1', 'l2', 'l0', 'l3', 'l4']);
      const paged = await all(store.scan({ pageSize: 2 }));
      expect(paged.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(ids(await all(store.scan({ experiment: 'blend' })))).toEqual(['l1', 'l0', 'l3']);
      expect(ids(await all(store.scan({ experiment: 'layout', pageSize: 1 })))).toEqual(['l2', 'l0']);
      expect(ids(await all(store.scan({ from: T0 + 1, to: T0 + 3 })))).toEqual(['l2', 'l0', 'l3']);
      expect(ids(await all(store.scan({ experiment: 'nothing' })))).toEqual([]);
    });

    it("reads and erases a user's exposures, and nobody else's", async () => {
      await store.append([exposure('l2', T0 + 1, 'u1'), exposure('l1', T0, 'u1'), exposure('l3', T0, 'u2'), exposure('l4', T0, undefined)]);
      expect((await store.ofUser('u1')).map((x) => x.id)).toEqual(['l1', 'l2']);
      expect(await store.deleteUser('u1')).toBe(2);
      expect(await store.ofUser('u1')).toEqual([]);
      expect(await store.get('l1')).toBeUndefined();
      expect(await store.get('l3')).toEqual(exposure('l3', T0, 'u2'));
      expect(await store.deleteUser('u1')).toBe(0);
    });

    it('stores odd ids and keys exactly', async () => {
      await store.append(ODD_IDS.map((id, i) => exposure(`${id}:${i}`, T0 + i, id, [[id, id]])));
      for (const [i, id] of ODD_IDS.entries()) {
        expect(await store.get(`${id}:${i}`)).toEqual(exposure(`${id}:${i}`, T0 + i, id, [[id, id]]));
        expect((await store.ofUser(id)).map((x) => x.id)).toEqual([`${id}:${i}`]);
        expect((await all(store.scan({ experiment: id }))).flat().map((x) => x.id)).toEqual([`${id}:${i}`]);
      }
    });
  });
}
