import { describe, expect, it } from 'vitest';
import { createRecommender, isMyContentError, type Embedder } from '@mycontent/core';
import { generateSyntheticNews, tableBatches } from '@mycontent/core/data';
import { createExactVectorIndex, createMemoryStore } from '@mycontent/adapters/memory';
import { createContentModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

async function newsEngine() {
  const news = generateSyntheticNews('tiny', { seed: 21 });
  const dim = news.embeddings.dim;
  const content = createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) });
  const recommender = createRecommender({
    store: createMemoryStore(),
    models: { trending: createPopularityModel(), related: createItemKnnModel(), content },
    blend: { related: 0.5, content: 0.5 },
  });
  await recommender.ingestItems(news.items.map((item, i) => ({ ...item, embedding: news.embeddings.data.subarray(i * dim, (i + 1) * dim) })));
  for (const batch of tableBatches(news.clicks, 2000)) await recommender.ingestInteractions(batch);
  await recommender.train();
  return { news, dim, content, recommender };
}

describe('content recommendations and the new-article path', () => {
  it('makes an article recommendable the moment it is ingested, with no retraining', async () => {
    const { news, dim, content, recommender } = await newsEngine();
    // The most active user's taste: the mean embedding of what they read.
    const counts = new Map<string, number>();
    for (let i = 0; i < news.clicks.length; i++) {
      const u = news.clicks.users[news.clicks.user[i]!]!;
      counts.set(u, (counts.get(u) ?? 0) + 1);
    }
    const reader = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const history = await recommender.exportUserData(reader);
    const taste = new Float32Array(dim);
    for (const x of history.interactions) {
      const row = Number(x.itemId);
      for (let d = 0; d < dim; d++) taste[d]! += news.embeddings.data[row * dim + d]!;
    }
    const category = news.items[Number(history.interactions[0]!.itemId)]!.category!;
    const before = content.indexed;
    await recommender.ingestItems([{ id: 'breaking', category, createdAt: Date.now(), title: 'Breaking', embedding: taste }]);
    expect(content.indexed).toBe(before + 1);
    const list = await recommender.recommend({ userId: reader, n: 5, useCache: false });
    const hit = list.items.find((r) => r.itemId === 'breaking');
    expect(hit).toBeDefined();
    expect(hit!.contributions.content).toBeGreaterThan(0);
    // Nobody clicked it: similar items come from the content model, in its category.
    const similar = await recommender.similarItems('breaking', { n: 5 });
    expect(similar.length).toBe(5);
    expect(similar.every((r) => r.source === 'content')).toBe(true);
    const sameCategory = similar.filter((r) => r.category === category).length;
    expect(sameCategory).toBeGreaterThanOrEqual(4);
  });

  it('embeds text-only items with the embedder port and checks dimensions', async () => {
    const calls: string[][] = [];
    const embedder: Embedder = {
      name: 'fake',
      dimension: 3,
      embed: async (texts) => {
        calls.push([...texts]);
        return texts.map((t) => Float32Array.from([t.length, 1, 0]));
      },
    };
    const store = createMemoryStore();
    const content = createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) });
    const recommender = createRecommender({ store, embedder, models: { trending: createPopularityModel(), content } });
    await recommender.ingestItems([
      { id: 'a', title: 'Hello', summary: 'world', createdAt: 0 },
      { id: 'b', createdAt: 0, embedding: [0, 1, 0] },
    ]);
    expect(calls).toEqual([['Hello\nworld']]);
    expect(Array.from((await store.items.get(['a']))[0]!.embedding!)).toEqual([11, 1, 0]);
    expect(content.indexed).toBe(2);
    const error = await recommender.ingestItems([{ id: 'c', createdAt: 0, embedding: [1, 2] }]).catch((e) => e);
    expect(isMyContentError(error, 'INVALID_INPUT')).toBe(true);
    expect(error.issues[0]).toMatchObject({ index: 0, field: 'embedding', value: 2 });
    expect((await store.items.get(['c']))[0]).toBeUndefined();
  });

  it('re-ranks by embedding distance (MMR) for more varied lists', async () => {
    const { news, dim, recommender } = await newsEngine();
    const vector = (id: string) => news.embeddings.data.subarray(Number(id) * dim, (Number(id) + 1) * dim);
    const intraListDistance = (ids: string[]) => {
      let sum = 0;
      let pairs = 0;
      for (let a = 0; a < ids.length; a++) {
        for (let b = a + 1; b < ids.length; b++) {
          const x = vector(ids[a]!);
          const y = vector(ids[b]!);
          let dot = 0, nx = 0, ny = 0;
          for (let d = 0; d < dim; d++) {
            dot += x[d]! * y[d]!;
            nx += x[d]! ** 2;
            ny += y[d]! ** 2;
          }
          sum += 1 - dot / Math.sqrt(nx * ny);
          pairs++;
        }
      }
      return sum / pairs;
    };
    const users = [...new Set(Array.from({ length: 200 }, (_, i) => news.clicks.users[news.clicks.user[i]!]!))].slice(0, 20);
    let plain = 0;
    let diverse = 0;
    for (const userId of users) {
      plain += intraListDistance((await recommender.recommend({ userId, n: 10, useCache: false })).items.map((r) => r.itemId));
      diverse += intraListDistance((await recommender.recommend({ userId, n: 10, useCache: false, diversity: { lambda: 0.5, by: 'embedding' } })).items.map((r) => r.itemId));
    }
    expect(diverse / users.length).toBeGreaterThan((plain / users.length) * 1.05);
  });
});
