import { describe, expect, it } from 'vitest';
import {
  ItemCatalog,
  datasetFromInteractions,
  decodeModelArtifact,
  encodeModelArtifact,
  isMyContentError,
  type Interaction,
  type InteractionDataset,
  type ModelQuery,
  type RecommenderModel,
  type ScoredItems,
} from '@mycontent/core';

/** Options of {@link describeModelConformance}. */
export interface ModelConformanceOptions {
  /** Skip the suite: `true`, or a reason printed in its title. */
  skip?: boolean | string;
  /** The interactions are explicit ratings (1 to 5) rather than clicks (e.g. SVD++). @default false */
  ratings?: boolean;
  /**
   * Give every item an embedding of this dimension (through `indexItems`) before fitting, for
   * models that recommend from content. @default none
   */
  embeddings?: number;
  /**
   * The model learns items it never saw in training from `observe` (session models,
   * popularity, item-kNN). Online models that only update their users (ALS fold-in) say `false`.
   * @default `capabilities.online`
   */
  learnsNewItems?: boolean;
}

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const CLUSTERS = 3;
const ITEMS_PER_CLUSTER = 12;
const USERS = 45;

/**
 * A small world with structure every model can find: three clusters of twelve items; each user
 * reads mostly in one cluster, in sessions of three to five items, a few popular items more than
 * the rest. Seeded, so every run sees the same interactions.
 */
function world(options: ModelConformanceOptions): { catalog: ItemCatalog; interactions: Interaction[]; data: InteractionDataset } {
  const catalog = new ItemCatalog();
  for (let c = 0; c < CLUSTERS; c++) {
    for (let i = 0; i < ITEMS_PER_CLUSTER; i++) catalog.upsert({ id: `c${c}-i${i}`, category: `cluster${c}`, createdAt: T0 - 86_400_000 });
  }
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const interactions: Interaction[] = [];
  let t = T0;
  for (let u = 0; u < USERS; u++) {
    const home = u % CLUSTERS;
    for (let s = 0; s < 3; s++) {
      const length = 3 + Math.floor(random() * 3);
      for (let p = 0; p < length; p++) {
        const cluster = random() < 0.85 ? home : Math.floor(random() * CLUSTERS);
        // Skewed within a cluster: low item numbers are read more.
        const item = Math.floor(ITEMS_PER_CLUSTER * random() * random());
        const rating = options.ratings ? 1 + Math.round(4 * (cluster === home ? 0.6 + 0.4 * random() : 0.4 * random())) : undefined;
        interactions.push({
          userId: `u${u}`,
          itemId: `c${cluster}-i${item}`,
          type: options.ratings ? 'rating' : 'click',
          timestamp: (t += 7_000),
          sessionId: `u${u}-s${s}`,
          ...(rating === undefined ? {} : { rating }),
        });
      }
      t += 40 * MIN;
    }
  }
  return { catalog, interactions, data: datasetFromInteractions(interactions, catalog) };
}

/** A deterministic embedding per item: its cluster's direction, plus a little of its own. */
function embeddingOf(catalog: ItemCatalog, item: number, dimension: number): Float32Array {
  const v = new Float32Array(dimension);
  const cluster = catalog.category[item]!;
  v[cluster % dimension] = 1;
  v[(item * 7 + 3) % dimension]! += 0.2;
  return v;
}

/** Queries that touch every path: a known user, a session, an unknown user with history, filters. */
function queries(data: InteractionDataset, catalog: ItemCatalog): ModelQuery[] {
  const historyOf = (userId: string) => {
    const rows: number[] = [];
    for (let r = 0; r < data.length; r++) if (data.users[data.user[r]!] === userId) rows.push(data.item[r]!);
    return Int32Array.from(rows);
  };
  const h0 = historyOf('u0');
  const h1 = historyOf('u1');
  const seen0 = new Set(h0);
  const odd = (i: number) => i % 2 === 1;
  const now = data.timestamp[data.length - 1]! + MIN;
  return [
    { userId: 'u0', history: h0, k: 5, filter: (i) => !seen0.has(i), now },
    { userId: 'u1', history: h1, session: h1.subarray(h1.length - 2), k: 10, now },
    { userId: 'someone-new', history: Int32Array.of(catalog.indexOf('c2-i0'), catalog.indexOf('c2-i1')), k: 8, now },
    { history: Int32Array.of(catalog.indexOf('c1-i0')), session: Int32Array.of(catalog.indexOf('c1-i0')), k: 6, filter: odd, now },
    { userId: 'u2', history: historyOf('u2'), k: 1, now },
  ];
}

const idsOf = (catalog: ItemCatalog, result: ScoredItems) => Array.from(result.items, (i) => catalog.idAt(i));

/**
 * The model conformance suite: run it against every {@link RecommenderModel}, ours and yours.
 * `factory` makes a fresh, untrained model each time it is called (with the same seed, when the
 * model takes one). Checked: the typed error before `fit`; `k`, the filter and no repeated item;
 * scores best first; the same answers after a round trip through `encodeModelArtifact`, into a
 * catalogue that numbers items differently; `fit` stopping on an aborted signal; the same answers
 * from two models fitted alike (determinism for a seed); forgetting a user (nothing of theirs left
 * in the artifact); and, for online models, what `observe` teaches.
 *
 * @example
 * ```ts
 * import { describeModelConformance } from '@mycontent/algorithms/testing';
 * describeModelConformance('my model', () => createMyModel({ seed: 7 }));
 * ```
 */
export function describeModelConformance(name: string, factory: () => RecommenderModel, options: ModelConformanceOptions = {}): void {
  const suite = options.skip ? describe.skip : describe;
  const title = typeof options.skip === 'string' ? `model conformance: ${name} (skipped: ${options.skip})` : `model conformance: ${name}`;
  suite(title, () => {
    /** A fresh model fitted on the world (embeddings indexed first when the model wants them). */
    async function fitted(fresh = factory()) {
      const { catalog, data, interactions } = world(options);
      if (options.embeddings) {
        const entries = Array.from({ length: catalog.size }, (_, item) => ({ item, embedding: embeddingOf(catalog, item, options.embeddings!) }));
        await fresh.indexItems?.(entries);
      }
      await fresh.fit(data);
      return { model: fresh, catalog, data, interactions };
    }

    it('refuses to answer before fit, with NOT_TRAINED', async () => {
      const model = factory();
      expect(model.trained).toBe(false);
      let error: unknown;
      try {
        await model.recommend({ history: new Int32Array(0), k: 5 });
      } catch (caught) {
        error = caught;
      }
      expect(isMyContentError(error, 'NOT_TRAINED')).toBe(true);
    });

    it('answers at most k items, best first, each once, none the filter rejects', async () => {
      const { model, catalog, data } = await fitted();
      expect(model.trained).toBe(true);
      let answered = 0;
      for (const query of queries(data, catalog)) {
        const result = await model.recommend(query);
        expect(result.items.length).toBe(result.scores.length);
        expect(result.items.length).toBeLessThanOrEqual(query.k);
        expect(new Set(result.items).size).toBe(result.items.length);
        for (const item of result.items) {
          expect(item).toBeGreaterThanOrEqual(0);
          expect(item).toBeLessThan(catalog.size);
          if (query.filter) expect(query.filter(item)).toBe(true);
        }
        for (let i = 1; i < result.scores.length; i++) expect(result.scores[i]!).toBeLessThanOrEqual(result.scores[i - 1]!);
        for (const score of result.scores) expect(Number.isFinite(score)).toBe(true);
        answered += result.items.length;
      }
      expect(answered).toBeGreaterThan(0);
      expect((await model.recommend({ history: new Int32Array(0), k: 0 })).items.length).toBe(0);
    });

    it('gives the same answers after a round trip through its artifact, into another catalogue', async () => {
      const { model, catalog, data } = await fitted();
      const bytes = encodeModelArtifact(model.toArtifact());
      // The same ids, numbered in reverse: restore binds ids, never positions.
      const other = new ItemCatalog();
      for (let i = catalog.size - 1; i >= 0; i--) other.upsert({ id: catalog.idAt(i), category: catalog.categoryOf(i)!, createdAt: catalog.createdAt[i]! });
      const restored = factory();
      if (options.embeddings) {
        await restored.indexItems?.(Array.from({ length: other.size }, (_, item) => ({ item, embedding: embeddingOf(catalog, catalog.indexOf(other.idAt(item)), options.embeddings!) })));
      }
      restored.restore(decodeModelArtifact(bytes), other);
      expect(restored.trained).toBe(true);
      const map = (items: Int32Array) => Int32Array.from(items, (i) => other.indexOf(catalog.idAt(i)));
      for (const query of queries(data, catalog)) {
        const filter = query.filter;
        const moved: ModelQuery = {
          ...query,
          history: map(query.history),
          ...(query.session ? { session: map(query.session) } : {}),
          ...(filter ? { filter: (i: number) => filter(catalog.indexOf(other.idAt(i))) } : {}),
        };
        const before = await model.recommend(query);
        const after = await restored.recommend(moved);
        expect(Array.from(after.scores)).toEqual(Array.from(before.scores));
        // Items of equal score may come in either catalogue's order (and, at the end of the list,
        // either may make the cut); every other item is the same, at the same place.
        const scores = Array.from(before.scores);
        const last = scores[scores.length - 1];
        const tied = (i: number) => scores[i] === last || scores.indexOf(scores[i]!) !== scores.lastIndexOf(scores[i]!);
        const [a, b] = [idsOf(catalog, before), idsOf(other, after)];
        for (let i = 0; i < a.length; i++) if (!tied(i)) expect(b[i]).toBe(a[i]);
        expect(b.filter((_, i) => scores[i] !== last).sort()).toEqual(a.filter((_, i) => scores[i] !== last).sort());
      }
      // Into the same catalogue, the very same answers.
      const same = factory();
      if (options.embeddings) await same.indexItems?.(Array.from({ length: catalog.size }, (_, item) => ({ item, embedding: embeddingOf(catalog, item, options.embeddings!) })));
      same.restore(decodeModelArtifact(bytes), catalog);
      for (const query of queries(data, catalog)) expect(await same.recommend(query)).toEqual(await model.recommend(query));
    });

    it('stops fitting when its signal is aborted, with ABORTED', async () => {
      const { data } = world(options);
      const controller = new AbortController();
      controller.abort();
      let error: unknown;
      try {
        await factory().fit(data, { signal: controller.signal });
      } catch (caught) {
        error = caught;
      }
      expect(isMyContentError(error, 'ABORTED')).toBe(true);
    });

    it('is deterministic: two models fitted alike answer alike', async () => {
      const one = await fitted();
      const two = await fitted();
      for (const query of queries(one.data, one.catalog)) {
        const a = await one.model.recommend(query);
        const b = await two.model.recommend(query);
        expect(idsOf(two.catalog, b)).toEqual(idsOf(one.catalog, a));
        expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
      }
    });

    it('forgets a user: nothing of theirs left in its artifact, and the others still served', async () => {
      const { model, catalog, data } = await fitted();
      const victim = 'u7';
      const quoted = JSON.stringify(victim);
      const text = () => new TextDecoder('latin1').decode(encodeModelArtifact(model.toArtifact()));
      // An open session of the victim too, for models that learn online.
      const t = data.timestamp[data.length - 1]! + MIN;
      model.observe?.({ userId: victim, item: catalog.indexOf('c1-i3'), weight: 1, timestamp: t, previous: new Int32Array(0) });
      const held = model.userData?.(victim);
      if (held !== undefined) expect(JSON.parse(JSON.stringify(held))).toEqual(held); // JSON, for a data export
      if (!model.forgetUser) {
        // A model that cannot forget must not keep anyone's id.
        expect(held).toBeUndefined();
        expect(text()).not.toContain(quoted);
        return;
      }
      model.forgetUser(victim);
      model.forgetUser('never-seen'); // unknown users are ignored
      expect(model.userData?.(victim)).toBeUndefined();
      expect(text()).not.toContain(quoted);
      const other = { userId: 'u8', history: data.item.subarray(0, 3), session: data.item.subarray(0, 3), k: 5, now: t };
      expect((await model.recommend(other)).items.length).toBeGreaterThan(0);
      // The engine rewrites saved versions through an untrained copy: it restores and forgets alike.
      if (model.untrainedCopy) {
        const copy = model.untrainedCopy();
        expect(copy.trained).toBe(false);
        const twin = factory();
        const artifact = encodeModelArtifact(model.toArtifact());
        for (const m of [copy, twin]) {
          if (options.embeddings) await m.indexItems?.(Array.from({ length: catalog.size }, (_, item) => ({ item, embedding: embeddingOf(catalog, item, options.embeddings!) })));
          m.restore(decodeModelArtifact(artifact), catalog);
        }
        expect(await copy.recommend(other)).toEqual(await twin.recommend(other));
      }
    });

    it('learns from observed interactions when it is online', async (context) => {
      const { model, catalog, data } = await fitted();
      if (!model.capabilities.online || !model.observe) return context.skip();
      const learnsNewItems = options.learnsNewItems ?? true;
      const anchor = catalog.indexOf('c0-i0');
      const fresh = catalog.upsert({ id: 'published-after-training', category: 'cluster0', createdAt: data.timestamp[data.length - 1]! });
      if (options.embeddings) await model.indexItems?.([{ item: fresh, embedding: embeddingOf(catalog, anchor, options.embeddings) }]);
      let t = data.timestamp[data.length - 1]! + 60 * MIN;
      const query: ModelQuery = { userId: 'reader-0', history: Int32Array.of(anchor), session: Int32Array.of(anchor), k: 10, filter: (i) => i !== anchor, now: t + 60 * MIN };
      const before = await model.recommend(query);
      expect(Array.from(before.items)).not.toContain(fresh);
      // Forty readers go from the anchor to the new item, in new sessions.
      for (let r = 0; r < 40; r++) {
        const previous = Int32Array.of(anchor);
        model.observe({ userId: `reader-${r}`, sessionId: `new-${r}`, item: anchor, weight: 1, timestamp: (t += 1_000), previous: new Int32Array(0) });
        model.observe({ userId: `reader-${r}`, sessionId: `new-${r}`, item: fresh, weight: 1, timestamp: (t += 1_000), previous });
      }
      const after = await model.recommend(query);
      if (learnsNewItems) expect(Array.from(after.items)).toContain(fresh);
      else expect(after.items.length).toBeGreaterThan(0);
      // Observing stays within the contract.
      expect(new Set(after.items).size).toBe(after.items.length);
      expect(Array.from(after.items)).not.toContain(anchor);
    });
  });
}
