import { describe, expect, it } from 'vitest';
import { ItemCatalog, datasetFromInteractions, decodeModelArtifact, encodeModelArtifact, type Interaction } from '@mycontent/core';
import { createItemKnnModel } from '@mycontent/algorithms';

const T = Date.UTC(2024, 0, 1);
let tick = 0;
const click = (userId: string, itemId: string, sessionId?: string): Interaction => ({
  userId,
  itemId,
  type: 'click',
  timestamp: T + tick++ * 1000,
  ...(sessionId === undefined ? {} : { sessionId }),
});

// Sessions: {a,b}, {a,b}, {a,c}, {b,c}, {d}
function data() {
  const catalog = new ItemCatalog();
  for (const id of ['a', 'b', 'c', 'd']) catalog.upsert({ id, createdAt: T });
  const rows = [
    click('u1', 'a', 's1'), click('u1', 'b', 's1'),
    click('u2', 'a', 's2'), click('u2', 'b', 's2'),
    click('u3', 'a', 's3'), click('u3', 'c', 's3'),
    click('u4', 'b', 's4'), click('u4', 'c', 's4'),
    click('u5', 'd', 's5'),
  ];
  return { catalog, dataset: datasetFromInteractions(rows, catalog) };
}

describe('item-kNN model', () => {
  it('counts co-occurrences within sessions', async () => {
    const { catalog, dataset } = data();
    const model = createItemKnnModel({ similarity: 'cooccurrence' });
    await model.fit(dataset);
    const a = model.neighborsOf(catalog.indexOf('a'));
    expect(Array.from(a.items, (i) => catalog.idAt(i))).toEqual(['b', 'c']);
    expect(Array.from(a.scores)).toEqual([2, 1]);
    expect(model.neighborsOf(catalog.indexOf('d')).items).toHaveLength(0);
  });

  it('normalises by item counts with cosine: c(a,b) / sqrt(n(a) n(b))', async () => {
    const { catalog, dataset } = data();
    const model = createItemKnnModel({ similarity: 'cosine' });
    await model.fit(dataset);
    const b = model.neighborsOf(catalog.indexOf('b'));
    // n(a) = 3, n(b) = 3, n(c) = 2: sim(b,a) = 2/3, sim(b,c) = 1/sqrt(6).
    expect(Array.from(b.items, (i) => catalog.idAt(i))).toEqual(['a', 'c']);
    expect(b.scores[0]).toBeCloseTo(2 / 3, 6);
    expect(b.scores[1]).toBeCloseTo(1 / Math.sqrt(6), 6);
  });

  it('scores a history by summing neighbour similarities with recency decay', async () => {
    const { catalog, dataset } = data();
    const model = createItemKnnModel({ similarity: 'cooccurrence', recencyDecay: 0.5 });
    await model.fit(dataset);
    const ix = (id: string) => catalog.indexOf(id);
    // History a (older, weight 0.5) then c (newest, weight 1): b = 0.5*2 + 1*1 = 2.
    const result = model.recommend({ history: Int32Array.from([ix('a'), ix('c')]), k: 5, filter: (i) => i !== ix('a') && i !== ix('c') });
    expect(Array.from(result.items, (i) => catalog.idAt(i))).toEqual(['b']);
    expect(result.scores[0]).toBeCloseTo(2, 6);
    const scored = model.score!({ history: Int32Array.from([ix('a'), ix('c')]) }, Int32Array.from([ix('b'), ix('d')]));
    expect(Array.from(scored)).toEqual([2, 0]);
  });

  it('uses the whole user history as context when asked, within the window', async () => {
    const catalog = new ItemCatalog();
    const rows = [click('u', 'x', 's1'), click('u', 'y', 's2'), click('u', 'z', 's3')];
    const model = createItemKnnModel({ similarity: 'cooccurrence', context: 'user', window: 1 });
    await model.fit(datasetFromInteractions(rows, catalog));
    // window 1: only adjacent pairs (x,y), (y,z).
    expect(Array.from(model.neighborsOf(catalog.indexOf('x')).items, (i) => catalog.idAt(i))).toEqual(['y']);
    expect(Array.from(model.neighborsOf(catalog.indexOf('y')).items, (i) => catalog.idAt(i)).sort()).toEqual(['x', 'z']);
  });

  it('keeps only the best neighbours', async () => {
    const { catalog, dataset } = data();
    const model = createItemKnnModel({ similarity: 'cooccurrence', neighbors: 1 });
    await model.fit(dataset);
    expect(Array.from(model.neighborsOf(catalog.indexOf('a')).items, (i) => catalog.idAt(i))).toEqual(['b']);
  });

  it('round-trips through an artifact onto a differently ordered catalogue', async () => {
    const { catalog, dataset } = data();
    const model = createItemKnnModel();
    await model.fit(dataset);
    const other = new ItemCatalog();
    for (const id of ['d', 'c', 'new', 'b', 'a']) other.upsert({ id, createdAt: T });
    const restored = createItemKnnModel();
    restored.restore(decodeModelArtifact(encodeModelArtifact(model.toArtifact())), other);
    for (const id of ['a', 'b', 'c', 'd']) {
      const before = model.neighborsOf(catalog.indexOf(id));
      const after = restored.neighborsOf(other.indexOf(id));
      expect(Array.from(after.items, (i) => other.idAt(i))).toEqual(Array.from(before.items, (i) => catalog.idAt(i)));
      expect(Array.from(after.scores)).toEqual(Array.from(before.scores));
    }
    expect(restored.neighborsOf(other.indexOf('new')).items).toHaveLength(0);
  });

  it('rejects bad options with the field', () => {
    expect(() => createItemKnnModel({ neighbors: 0 })).toThrow(/neighbors must be a positive integer/);
    expect(() => createItemKnnModel({ similarity: 'jaccard' as never })).toThrow(/similarity/);
    expect(() => createItemKnnModel({ recencyDecay: 0 })).toThrow(/recencyDecay/);
  });
});

describe('item-kNN with BM25 weighting', () => {
  it('weighs co-occurrences in short contexts and of rare items higher, by hand', async () => {
    // Contexts (users): u1 {a, b}, u2 {a, b, c, d}. Item lengths: a 2, b 2, c 1, d 1; average 1.5.
    const catalog = new ItemCatalog();
    const rows = [click('u1', 'a'), click('u1', 'b'), click('u2', 'a'), click('u2', 'b'), click('u2', 'c'), click('u2', 'd')];
    const model = createItemKnnModel({ similarity: 'bm25', context: 'user' });
    await model.fit(datasetFromInteractions(rows, catalog));
    const k1 = 1.2;
    const b = 0.75;
    const itemTerm = (len: number) => (k1 + 1) / (k1 * (1 - b + (b * len) / 1.5) + 1);
    const idf = (contextLength: number) => Math.log(4 / (1 + contextLength));
    const w = (len: number, ctx: number) => itemTerm(len) * idf(ctx);
    const ab = w(2, 2) * w(2, 2) + w(2, 4) * w(2, 4);
    const ac = w(2, 4) * w(1, 4);
    const a = model.neighborsOf(catalog.indexOf('a'));
    expect(catalog.idAt(a.items[0]!)).toBe('b');
    expect(a.scores[0]).toBeCloseTo(ab, 5);
    expect(a.scores[1]).toBeCloseTo(ac, 5);
  });

  it('learns live co-occurrences between trainings: a new article gets neighbours from its first clicks', async () => {
    const { catalog, dataset } = data();
    const model = createItemKnnModel({ similarity: 'cooccurrence' });
    await model.fit(dataset);
    const fresh = catalog.upsert({ id: 'fresh', createdAt: T }); // published after training
    const a = catalog.indexOf('a');
    expect(model.similar!(a, 5).items).not.toContain(fresh);
    for (const user of ['v1', 'v2', 'v3']) {
      model.observe!({ userId: user, item: a, weight: 1, timestamp: T });
      model.observe!({ userId: user, item: fresh, weight: 1, timestamp: T + 1000 });
    }
    // 3 live co-occurrences (a, fresh) in sessions beat the trained 2 of (a, b).
    expect(Array.from(model.similar!(a, 5).items, (i) => catalog.idAt(i))).toEqual(['fresh', 'b', 'c']);
    expect(Array.from(model.similar!(fresh, 5).items, (i) => catalog.idAt(i))).toEqual(['a']);
    const top = model.recommend({ history: Int32Array.of(a), k: 1 });
    expect(catalog.idAt(top.items[0]!)).toBe('fresh');
    expect(Array.from(model.score!({ history: Int32Array.of(a) }, Int32Array.of(fresh)))).toEqual([3]);
    // Retraining absorbs (here: forgets) them; liveWeight 0 turns them off.
    await model.fit(dataset);
    expect(model.similar!(a, 5).items).not.toContain(fresh);
    const off = createItemKnnModel({ similarity: 'cooccurrence', liveWeight: 0 });
    await off.fit(dataset);
    off.observe!({ userId: 'v1', item: a, weight: 1, timestamp: T });
    off.observe!({ userId: 'v1', item: fresh, weight: 1, timestamp: T + 1000 });
    expect(off.similar!(a, 5).items).not.toContain(fresh);
  });
});
