import { describe, expect, it } from 'vitest';
import {
  ItemCatalog,
  createRecommender,
  datasetFromInteractions,
  decodeModelArtifact,
  encodeModelArtifact,
  isMyContentError,
  type Interaction,
  type RecommenderModel,
  type ScoredItems,
} from '@mycontent/core';
import { createMemoryStore } from '@mycontent/adapters/memory';
import {
  newsPreset,
  createItemKnnModel,
  createRecentPopularityModel,
  createSequentialRulesModel,
  createSessionKnnModel,
} from '@mycontent/algorithms';
import { ids } from './fixtures';

const MIN = 60_000;
const T = Date.UTC(2024, 0, 1);

/** Sessions as lists of item ids; session i starts at T + i minutes, one click per second. */
function sessions(catalog: ItemCatalog, lists: string[][], startMinute = 0) {
  const rows: Interaction[] = [];
  lists.forEach((items, s) =>
    items.forEach((itemId, p) =>
      rows.push({ userId: `u${s}`, itemId, type: 'click', sessionId: `s${s}`, timestamp: T + (startMinute + s) * MIN + p * 1000 }),
    ),
  );
  return datasetFromInteractions(rows, catalog);
}

function catalogOf(...items: string[]) {
  const catalog = new ItemCatalog();
  for (const id of items) catalog.upsert({ id, category: id.startsWith('s') ? 'sport' : 'news', createdAt: 0 });
  return catalog;
}

const at = (catalog: ItemCatalog, ...items: string[]) => Int32Array.from(items, (id) => catalog.indexOf(id));

describe('sequential rules', () => {
  it('weighs a rule by 1/distance and sums rules from the last items with the query decay', async () => {
    const catalog = catalogOf('a', 'b', 'c', 'd');
    const sr = createSequentialRulesModel({ queryItems: 2, queryDecay: 0.5 });
    // a→b (1), a→c (1/2), b→c (1) from the first; a→d (1) from the second.
    await sr.fit(sessions(catalog, [['a', 'b', 'c'], ['a', 'd']]));
    expect(sr.rules).toBe(4);
    const fromA = sr.recommend({ history: new Int32Array(0), session: at(catalog, 'a'), k: 10 });
    expect(ids(catalog, fromA.items)).toEqual(['b', 'd', 'c']);
    expect(Array.from(fromA.scores)).toEqual([1, 1, 0.5]);
    // Session [a, b]: b→c (1) + 0.5 × (a→b 1, a→c 0.5, a→d 1).
    const both = sr.score!({ history: new Int32Array(0), session: at(catalog, 'a', 'b') }, at(catalog, 'b', 'c', 'd'));
    expect(Array.from(both)).toEqual([0.5, 1.25, 0.5]);
  });

  it('learns online: an article published a minute ago gets rules from its first readers', async () => {
    const catalog = catalogOf('a', 'b');
    const sr = createSequentialRulesModel();
    await sr.fit(sessions(catalog, [['a', 'b']]));
    const fresh = catalog.ensure('fresh');
    expect(sr.recommend({ history: new Int32Array(0), session: at(catalog, 'a'), k: 3 }).items).toEqual(at(catalog, 'b'));
    for (let u = 0; u < 3; u++) {
      sr.observe!({ userId: `r${u}`, sessionId: `live${u}`, item: catalog.indexOf('a'), weight: 1, timestamp: T + 60 * MIN + u });
      sr.observe!({ userId: `r${u}`, sessionId: `live${u}`, item: fresh, weight: 1, timestamp: T + 60 * MIN + u + 1 });
    }
    expect(ids(catalog, sr.recommend({ history: new Int32Array(0), session: at(catalog, 'a'), k: 3 }).items)).toEqual(['fresh', 'b']);
    // Without a session id, a user's clicks 40 minutes apart are two sessions: no rule between them.
    sr.observe!({ userId: 'solo', item: catalog.indexOf('b'), weight: 1, timestamp: T + 100 * MIN });
    sr.observe!({ userId: 'solo', item: catalog.indexOf('a'), weight: 1, timestamp: T + 140 * MIN });
    expect(sr.recommend({ history: new Int32Array(0), session: at(catalog, 'b'), k: 3 }).items.length).toBe(0);
  });

  it('keeps memory bounded: the strongest rules per item, and stale items expire', async () => {
    const catalog = catalogOf('hub', ...Array.from({ length: 30 }, (_, i) => `t${i}`));
    const sr = createSequentialRulesModel({ maxRulesPerItem: 5, itemTtlMs: 24 * 60 * MIN });
    // hub → t_i, t_i read after hub i + 1 times (so the strongest are the last ones).
    const lists: string[][] = [];
    for (let i = 0; i < 30; i++) for (let r = 0; r <= i; r++) lists.push(['hub', `t${i}`]);
    await sr.fit(sessions(catalog, lists));
    expect(sr.rules).toBeLessThanOrEqual(10);
    expect(ids(catalog, sr.recommend({ history: new Int32Array(0), session: at(catalog, 'hub'), k: 3 }).items)).toEqual(['t29', 't28', 't27']);
    // Two days later, only new activity keeps rules alive.
    const later = T + 3 * 24 * 60 * MIN;
    sr.observe!({ userId: 'x', sessionId: 'late', item: catalog.ensure('n1'), weight: 1, timestamp: later });
    sr.observe!({ userId: 'x', sessionId: 'late', item: catalog.ensure('n2'), weight: 1, timestamp: later + 1000 });
    expect(sr.rules).toBe(1);
    expect(sr.sources).toBe(1);
  });

  it('round-trips through an artifact onto another catalogue', async () => {
    const catalog = catalogOf('a', 'b', 'c');
    const sr = createSequentialRulesModel();
    await sr.fit(sessions(catalog, [['a', 'b', 'c'], ['b', 'c']]));
    const other = catalogOf('c', 'b', 'a', 'z');
    const copy = createSequentialRulesModel();
    copy.restore(decodeModelArtifact(encodeModelArtifact(sr.toArtifact())), other);
    const original = sr.recommend({ history: new Int32Array(0), session: at(catalog, 'a', 'b'), k: 5 });
    const restored = copy.recommend({ history: new Int32Array(0), session: at(other, 'a', 'b'), k: 5 });
    expect(ids(other, restored.items)).toEqual(ids(catalog, original.items));
    expect(restored.scores).toEqual(original.scores);
  });

  it('rejects bad options by name', () => {
    for (const bad of [{ steps: 0 }, { weighting: 'cubic' as never }, { queryDecay: 2 }, { maxRulesPerItem: 1.5 }, { itemTtlMs: -1 }]) {
      try {
        createSequentialRulesModel(bad);
        expect.unreachable();
      } catch (error) {
        expect(isMyContentError(error) && error.code === 'INVALID_CONFIG').toBe(true);
        expect((error as Error).message).toContain(Object.keys(bad)[0]);
      }
    }
  });
});

describe('session-kNN', () => {
  it('S-kNN votes with cosine similarities of the neighbour sessions', async () => {
    const catalog = catalogOf('a', 'b', 'c', 'd', 'e');
    const knn = createSessionKnnModel({ variant: 'sknn', idf: false });
    await knn.fit(sessions(catalog, [['a', 'b'], ['a', 'c', 'd', 'e'], ['b', 'e']]));
    expect(knn.sessions).toBe(3);
    // Query {a}: s0 cos = 1/√2, s1 = 1/√4; s2 shares nothing.
    const result = knn.recommend({ history: new Int32Array(0), session: at(catalog, 'a'), k: 10, filter: (i) => i !== catalog.indexOf('a') });
    expect(ids(catalog, result.items)).toEqual(['b', 'c', 'd', 'e']);
    expect(result.scores[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(result.scores[1]).toBeCloseTo(0.5, 6);
  });

  it('V-SkNN favours neighbours of the latest click, skips the own session, and learns online', async () => {
    const catalog = catalogOf('a', 'b', 'x', 'y');
    const knn = createSessionKnnModel({ variant: 'vsknn', idf: false });
    await knn.fit(sessions(catalog, [['a', 'x'], ['b', 'y']]));
    // Session [a, b]: b is the latest (weight 1), a weighs 1/2: y's neighbour wins.
    const latest = knn.recommend({ history: new Int32Array(0), session: at(catalog, 'a', 'b'), k: 2, filter: (i) => i > 1 });
    expect(ids(catalog, latest.items)).toEqual(['y', 'x']);
    expect(Array.from(latest.scores)).toEqual([1, 0.5]);
    // Live: a new session reads b then fresh; the own open session is not its own neighbour.
    const fresh = catalog.ensure('fresh');
    knn.observe!({ userId: 'v', sessionId: 'live', item: catalog.indexOf('b'), weight: 1, timestamp: T + 90 * MIN });
    knn.observe!({ userId: 'v', sessionId: 'live', item: fresh, weight: 1, timestamp: T + 90 * MIN + 1 });
    const fromB = knn.recommend({ history: new Int32Array(0), session: at(catalog, 'b'), k: 5, filter: (i) => i !== catalog.indexOf('b') });
    expect(ids(catalog, fromB.items).sort()).toEqual(['fresh', 'y']);
    const own = knn.recommend({ history: new Int32Array(0), session: at(catalog, 'b', 'fresh'), sessionId: 'live', k: 5 });
    expect(ids(catalog, own.items)).toEqual(['b', 'y']);
  });

  it('STAN weighs recent clicks, recent neighbours and items near the shared one, and keeps times in its artifact', async () => {
    const catalog = catalogOf('a', 'b', 'c', 'd', 'x', 'y');
    const options = { variant: 'stan' as const, idf: false, queryDecay: 1, neighbourAgeMs: 60 * MIN, positionDecay: 1 };
    const knn = createSessionKnnModel(options);
    // s0 (minute 0): a, c, d — s1 (minute 60): b, x, y. Both share one item with the query [a, b].
    await knn.fit(sessions(catalog, [['a', 'c', 'd'], ['b', 'x', 'y']], 0));
    const now = T + MIN + 2_000; // right at s1's last click
    const query = { history: new Int32Array(0), session: at(catalog, 'a', 'b'), k: 4, now, filter: (i: number) => ![0, 1].includes(i) };
    const result = knn.recommend(query);
    // Query weights: b (last) 1, a exp(-1). Similarity: weight / √(2·3), times exp(-age / 60 min).
    // s1 (age 0): 1/√6; s0 (age 1 min): exp(-1)/√6 · exp(-1/60). Position decay from the shared item.
    const s1 = 1 / Math.sqrt(6);
    const s0 = (Math.exp(-1) / Math.sqrt(6)) * Math.exp(-1 / 60);
    expect(ids(catalog, result.items)).toEqual(['x', 'y', 'c', 'd']);
    expect(result.scores[0]).toBeCloseTo(s1 * Math.exp(-1), 6);
    expect(result.scores[1]).toBeCloseTo(s1 * Math.exp(-2), 6);
    expect(result.scores[2]).toBeCloseTo(s0 * Math.exp(-1), 6);
    expect(result.scores[3]).toBeCloseTo(s0 * Math.exp(-2), 6);
    // An old neighbour fades: the same query a day later ranks by age relative to the newest neighbour.
    const later = knn.recommend({ ...query, now: now + 86_400_000 });
    expect(ids(catalog, later.items)).toEqual(['x', 'y', 'c', 'd']);
    expect(later.scores[0]).toBeCloseTo(result.scores[0]!, 6);
    const copy = createSessionKnnModel(options);
    copy.restore(decodeModelArtifact(encodeModelArtifact(knn.toArtifact())), catalog);
    expect(copy.recommend(query)).toEqual(result);
    expect(() => createSessionKnnModel({ variant: 'stan', neighbourAgeMs: 0 })).toThrow(/neighbourAgeMs/);
  });

  it('V-STAN adds to STAN the match position in the current session and IDF weighting, values computed by hand', async () => {
    const catalog = catalogOf('a', 'b', 'c', 'd', 'x', 'y');
    const stanOptions = { idf: false, queryDecay: 1, neighbourAgeMs: 60 * MIN, positionDecay: 1 };
    const stan = createSessionKnnModel({ variant: 'stan', ...stanOptions });
    const vstan = createSessionKnnModel({ variant: 'vstan', ...stanOptions, matchDecay: 0.5, idfWeight: 2 });
    // The same world as STAN's test, plus a third session holding x: x is less rare than the others.
    const world = sessions(catalog, [['a', 'c', 'd'], ['b', 'x', 'y'], ['x']], 0);
    await stan.fit(world);
    await vstan.fit(world);
    const now = T + MIN + 2_000;
    const query = { history: new Int32Array(0), session: at(catalog, 'a', 'b'), k: 4, now, filter: (i: number) => ![0, 1].includes(i) };
    const plain = stan.recommend(query);
    const result = vstan.recommend(query);
    // s0 shares a, one click before the last: its votes × exp(-1 / 0.5); s1 shares b, the last click: × 1.
    // IDF over 3 sessions: c, d, y in one (log 3), x in two (log 1.5); each vote × (1 + 2 · idf).
    const stanScore = (id: string) => plain.scores[ids(catalog, plain.items).indexOf(id)]!;
    const expected: Record<string, number> = {
      x: stanScore('x') * (1 + 2 * Math.log(1.5)),
      y: stanScore('y') * (1 + 2 * Math.log(3)),
      c: stanScore('c') * Math.exp(-2) * (1 + 2 * Math.log(3)),
      d: stanScore('d') * Math.exp(-2) * (1 + 2 * Math.log(3)),
    };
    expect(ids(catalog, result.items)).toEqual(Object.keys(expected).sort((p, q) => expected[q]! - expected[p]!));
    for (const [k, id] of ids(catalog, result.items).entries()) expect(result.scores[k]).toBeCloseTo(expected[id]!, 6);
    expect(() => createSessionKnnModel({ variant: 'vstan', matchDecay: -1 })).toThrow(/matchDecay/);
    expect(() => createSessionKnnModel({ variant: 'vstan', idfWeight: Number.NaN })).toThrow(/idfWeight/);
  });

  it('forgets the oldest sessions beyond maxSessions and round-trips through an artifact', async () => {
    const catalog = catalogOf('a', 'b', 'c', 'd');
    const knn = createSessionKnnModel({ maxSessions: 2, idf: false });
    await knn.fit(sessions(catalog, [['a', 'b'], ['a', 'c'], ['a', 'd']]));
    expect(knn.sessions).toBe(2);
    // b was only in the forgotten session: its index is freed (stale articles do not accumulate).
    expect(knn.indexedItems).toBe(3);
    const result = knn.recommend({ history: new Int32Array(0), session: at(catalog, 'a'), k: 5, filter: (i) => i !== catalog.indexOf('a') });
    expect(ids(catalog, result.items).sort()).toEqual(['c', 'd']);
    const copy = createSessionKnnModel({ maxSessions: 2, idf: false });
    copy.restore(decodeModelArtifact(encodeModelArtifact(knn.toArtifact())), catalog);
    const again = copy.recommend({ history: new Int32Array(0), session: at(catalog, 'a'), k: 5, filter: (i) => i !== catalog.indexOf('a') });
    expect(again).toEqual(result);
  });
});

describe('recent popularity', () => {
  it('counts only the last window, fading linearly, globally and per category', async () => {
    const catalog = catalogOf('n1', 'n2', 's1');
    const recent = createRecentPopularityModel({ windowMs: 60 * MIN });
    const rows: Interaction[] = [
      { userId: 'a', itemId: 'n1', type: 'click', timestamp: T - 90 * MIN }, // outside the window
      { userId: 'a', itemId: 'n1', type: 'click', timestamp: T - 30 * MIN }, // weighs 1/2
      { userId: 'b', itemId: 'n2', type: 'click', timestamp: T - 45 * MIN }, // weighs 1/4
      { userId: 'c', itemId: 's1', type: 'click', timestamp: T }, // weighs 1
    ];
    await recent.fit(datasetFromInteractions(rows, catalog));
    expect(recent.windowSize).toBe(3);
    expect(recent.scoreOf(catalog.indexOf('n1'))).toBeCloseTo(0.5, 9);
    expect(recent.scoreOf(catalog.indexOf('n2'))).toBeCloseTo(0.25, 9);
    expect(ids(catalog, recent.recommend({ history: new Int32Array(0), k: 5 }).items)).toEqual(['s1', 'n1', 'n2']);
    expect(ids(catalog, recent.trending!({ k: 5, category: catalog.categoryCode('news') }).items)).toEqual(['n1', 'n2']);
    // 20 minutes later, n2's click has left the window.
    const later = recent.recommend({ history: new Int32Array(0), k: 5, now: T + 20 * MIN });
    expect(ids(catalog, later.items)).toEqual(['s1', 'n1']);
    expect(recent.activeItems).toBe(2);
  });

  it('is exact against a recount after many online events, and the flat shape counts clicks', async () => {
    const catalog = catalogOf('a', 'b', 'c');
    const recent = createRecentPopularityModel({ windowMs: 10 * MIN, shape: 'flat' });
    await recent.fit(datasetFromInteractions([{ userId: 'u', itemId: 'a', type: 'click', timestamp: T }], catalog));
    const events: [number, number][] = [];
    for (let e = 0; e < 5000; e++) {
      const item = (e * 7) % 3;
      const t = T + e * 1000;
      events.push([item, t]);
      recent.observe!({ userId: 'u', item, weight: 1, timestamp: t });
    }
    const now = T + 4999 * 1000;
    for (let item = 0; item < 3; item++) {
      const expected = events.filter(([i, t]) => i === item && t > now - 10 * MIN).length;
      expect(recent.scoreOf(item)).toBe(expected);
    }
    expect(recent.windowSize).toBe(600);
  });
});

describe('news preset', () => {
  it('is ranking options: the engine blends session neighbours, co-reads and recent popularity, learning online', async () => {
    const news = newsPreset();
    expect(Object.keys(news.models)).toEqual(['sessions', 'items', 'recent']);
    expect(news).toMatchObject({ blend: { sessions: 1, items: 0.25, recent: 0.1 }, blendNormalization: 'rank', candidates: 50 });
    const recommender = createRecommender({ store: createMemoryStore(), ...news });
    await recommender.ingestItems(['a', 'b', 'c', 'fresh'].map((id) => ({ id, category: 'news', createdAt: T })));
    const clicks = (lists: string[][], minute: number, prefix: string) =>
      lists.flatMap((items, s) => items.map((itemId, p) => ({ userId: `${prefix}${s}`, itemId, type: 'click' as const, sessionId: `${prefix}s${s}`, timestamp: T + (minute + s) * MIN + p * 1000 })));
    await recommender.ingestInteractions(clicks([['a', 'b'], ['a', 'b'], ['c']], 0, 'u'));
    await recommender.train();
    // Three readers go from c to an article published after training: every model learns it online.
    await recommender.ingestInteractions(clicks([['c', 'fresh'], ['c', 'fresh'], ['c', 'fresh']], 60, 'r'));
    const list = await recommender.recommend({ session: ['c'], n: 2, now: T + 64 * MIN });
    expect(list.items[0]!.itemId).toBe('fresh');
    expect(Object.keys(list.items[0]!.contributions).sort()).toEqual(['items', 'recent', 'sessions']);
  });

  it('rejects a negative weight by name, through the engine', () => {
    const error = (() => {
      try {
        createRecommender({ store: createMemoryStore(), ...newsPreset({ weights: { recent: -0.1 } }) });
      } catch (caught) {
        return caught;
      }
    })();
    expect(isMyContentError(error) && error.issues[0]?.field).toBe('blend.recent');
  });
});

describe('item-kNN live pairs follow sessions', () => {
  it('pairs a live click with its session, not with the user’s older sessions', async () => {
    const catalog = catalogOf('a', 'b');
    const knn: RecommenderModel = createItemKnnModel({ similarity: 'cooccurrence' });
    await knn.fit(sessions(catalog, [['a', 'b']]));
    const old = catalog.ensure('old');
    const fresh = catalog.ensure('fresh');
    const previous = Int32Array.of(old);
    // The user read `old` yesterday; today's session is fresh alone, then a with fresh.
    knn.observe!({ userId: 'u', item: old, weight: 1, timestamp: T });
    knn.observe!({ userId: 'u', item: fresh, weight: 1, timestamp: T + 24 * 60 * MIN, previous });
    knn.observe!({ userId: 'u', item: catalog.indexOf('a'), weight: 1, timestamp: T + 24 * 60 * MIN + 1000, previous: Int32Array.of(old, fresh) });
    expect(ids(catalog, (knn.similar!(fresh, 5) as ScoredItems).items)).toEqual(['a']);
  });
});
