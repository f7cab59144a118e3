import { describe, expect, it } from 'vitest';
import {
  ItemCatalog,
  datasetFromInteractions,
  decodeModelArtifact,
  encodeModelArtifact,
  isMyContentError,
  type Interaction,
} from '@mycontent/core';
import { createPopularityModel } from '@mycontent/algorithms';

const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);
const click = (itemId: string, hoursAgo: number, type: Interaction['type'] = 'click'): Interaction => ({
  userId: 'u',
  itemId,
  type,
  timestamp: T - hoursAgo * H,
});

function catalogWith(...entries: [string, string][]) {
  const catalog = new ItemCatalog();
  for (const [id, category] of entries) catalog.upsert({ id, category, createdAt: T });
  return catalog;
}

describe('popularity model', () => {
  it('halves an interaction every half-life: two clicks 2 h old weigh as much as one fresh click', async () => {
    const catalog = catalogWith(['old', 'c'], ['fresh', 'c']);
    const model = createPopularityModel({ halfLifeMs: 2 * H });
    await model.fit(datasetFromInteractions([click('old', 2), click('old', 2), click('fresh', 0)], catalog));
    expect(model.scoreOf(catalog.indexOf('old'))).toBeCloseTo(1, 6);
    expect(model.scoreOf(catalog.indexOf('fresh'))).toBeCloseTo(1, 6);
    expect(model.clock).toBe(T);
  });

  it('ranks by decayed score, by category, with filters and ties on catalogue order', async () => {
    const catalog = catalogWith(['a', 'x'], ['b', 'y'], ['c', 'x'], ['d', 'x']);
    const model = createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY });
    await model.fit(
      datasetFromInteractions([click('a', 0), click('b', 0), click('b', 0), click('c', 0), click('c', 0), click('c', 0), click('d', 0), click('d', 0), click('d', 0)], catalog),
    );
    const ids = (r: { items: Int32Array }) => Array.from(r.items, (i) => catalog.idAt(i));
    expect(ids(model.trending!({ k: 10 }))).toEqual(['c', 'd', 'b', 'a']);
    expect(Array.from(model.trending!({ k: 2 }).scores)).toEqual([3, 3]);
    expect(ids(model.trending!({ k: 10, category: catalog.categoryCode('x') }))).toEqual(['c', 'd', 'a']);
    expect(ids(model.recommend({ history: new Int32Array(0), k: 2, filter: (i) => catalog.idAt(i) !== 'c' }))).toEqual(['d', 'b']);
  });

  it('weighs interaction types and ignores dislikes', async () => {
    const catalog = catalogWith(['liked', 'c'], ['clicked', 'c'], ['disliked', 'c']);
    const model = createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY });
    await model.fit(datasetFromInteractions([click('liked', 0, 'like'), click('clicked', 0), click('disliked', 0, 'dislike')], catalog));
    expect(model.scoreOf(catalog.indexOf('liked'))).toBe(2);
    expect(model.scoreOf(catalog.indexOf('clicked'))).toBe(1);
    expect(model.scoreOf(catalog.indexOf('disliked'))).toBe(0);
  });

  it('learns online, moving the clock forward', async () => {
    const catalog = catalogWith(['a', 'c'], ['b', 'c']);
    const model = createPopularityModel({ halfLifeMs: H, rerankIntervalMs: 0 });
    await model.fit(datasetFromInteractions([click('a', 0), click('a', 0)], catalog));
    const b = catalog.indexOf('b');
    model.observe!({ userId: 'u', item: b, weight: 1, timestamp: T + H });
    model.observe!({ userId: 'u', item: b, weight: 1, timestamp: T + H });
    // a: 2 clicks one half-life old = 1; b: 2 fresh clicks = 2.
    expect(model.scoreOf(catalog.indexOf('a'))).toBeCloseTo(1, 6);
    expect(model.scoreOf(b)).toBeCloseTo(2, 6);
    expect(Array.from(model.trending!({ k: 2 }).items)).toEqual([b, catalog.indexOf('a')]);
    // Far in the future the anchor moves without losing precision.
    model.observe!({ userId: 'u', item: b, weight: 1, timestamp: T + 1000 * H });
    expect(model.scoreOf(b)).toBeCloseTo(1, 6);
  });

  it('counts an observed interaction at once, between two re-rankings', async () => {
    const catalog = catalogWith(['a', 'news'], ['b', 'news'], ['s', 'sport']);
    const model = createPopularityModel({ halfLifeMs: 6 * H }); // re-ranks at most once a second
    await model.fit(datasetFromInteractions([click('a', 1), click('a', 1), click('b', 1)], catalog));
    expect(Array.from(model.trending!({ k: 3 }).items)).toEqual([0, 1]);
    model.observe!({ userId: 'v', item: catalog.indexOf('s'), weight: 1, timestamp: T });
    model.observe!({ userId: 'v', item: catalog.indexOf('b'), weight: 2, timestamp: T });
    expect(Array.from(model.trending!({ k: 3 }).items, (i) => catalog.idAt(i))).toEqual(['b', 'a', 's']);
    expect(Array.from(model.trending!({ k: 3, category: catalog.categoryCode('sport') }).items, (i) => catalog.idAt(i))).toEqual(['s']);
  });

  it('keeps older items ranked when the stream jumps years ahead (a replayed log, then live events)', async () => {
    const catalog = catalogWith(['a', 'c'], ['b', 'c'], ['c', 'c'], ['live', 'c']);
    const model = createPopularityModel({ halfLifeMs: 6 * H });
    await model.fit(datasetFromInteractions([click('a', 2), click('a', 2), click('b', 2), click('c', 3)], catalog));
    model.observe!({ userId: 'v', item: catalog.indexOf('live'), weight: 1, timestamp: T + 9 * 365 * 24 * H });
    const top = model.trending!({ k: 4 });
    expect(Array.from(top.items, (i) => catalog.idAt(i))).toEqual(['live', 'a', 'b', 'c']);
  });

  it('round-trips through an artifact exactly, onto another catalogue', async () => {
    const catalog = catalogWith(['a', 'c'], ['b', 'c']);
    const model = createPopularityModel();
    await model.fit(datasetFromInteractions([click('a', 1), click('b', 3), click('b', 0)], catalog));
    const bytes = encodeModelArtifact(model.toArtifact());
    const other = catalogWith(['z', 'c'], ['b', 'c'], ['a', 'c']);
    const restored = createPopularityModel();
    restored.restore(decodeModelArtifact(bytes), other);
    expect(restored.scoreOf(other.indexOf('a'))).toBe(model.scoreOf(catalog.indexOf('a')));
    expect(restored.scoreOf(other.indexOf('b'))).toBe(model.scoreOf(catalog.indexOf('b')));
    expect(restored.scoreOf(other.indexOf('z'))).toBe(0);
  });

  it('rejects a non-positive half-life and use before training', () => {
    expect(() => createPopularityModel({ halfLifeMs: 0 })).toThrow(/halfLifeMs must be positive/);
    expect(() => createPopularityModel().trending!({ k: 1 })).toThrow(expect.objectContaining({ code: 'NOT_TRAINED' }));
    try {
      createPopularityModel({ halfLifeMs: -1 });
    } catch (e) {
      expect(isMyContentError(e, 'INVALID_CONFIG')).toBe(true);
    }
  });
});
