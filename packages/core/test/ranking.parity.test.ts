import { describe, expect, it } from 'vitest';
import { createRecommender, type RankingOptions } from '@mycontent/core';
import { replayRecommendations, type ReplayQuery } from '@mycontent/core/eval';
import { generateSyntheticNews, tableRow } from '@mycontent/core/data';
import { createMemoryStore } from '@mycontent/adapters/memory';
import { createPopularityModel, newsPreset } from '@mycontent/algorithms';

// The engine and the replay evaluation run the same ranking code: given the same events, models
// and settings, they answer the same lists. Items are all published before the log starts, so
// that both catalogues number them in the same order.
describe('one ranking path', () => {
  const news = generateSyntheticNews('tiny', { seed: 11 });
  const { clicks } = news;
  const items = news.items.map((item) => ({ ...item, createdAt: news.config.start - 86_400_000 }));
  const order = Array.from({ length: clicks.length }, (_, i) => i).sort((a, b) => clicks.timestamp[a]! - clicks.timestamp[b]! || a - b);
  const cut = Math.floor(order.length * 0.8);
  const train = Int32Array.from(order.slice(0, cut));
  const stream = Int32Array.from(order.slice(cut));

  // Every 10th stream event asks, just before it, for its user with the session so far.
  const queries: ReplayQuery[] = [];
  const sessions = new Map<string, string[]>();
  for (let s = 0; s < stream.length; s++) {
    const x = tableRow(clicks, stream[s]!);
    const session = sessions.get(x.sessionId!) ?? [];
    if (s % 10 === 0 && session.length > 0) queries.push({ id: String(queries.length), ts: x.timestamp, userId: x.userId, session: [...session] });
    sessions.set(x.sessionId!, [...session, x.itemId]);
  }

  async function engineAnswers(ranking: RankingOptions): Promise<string[][]> {
    const recommender = createRecommender({ store: createMemoryStore(), ...ranking });
    await recommender.ingestItems(items);
    await recommender.ingestInteractions(Array.from(train, (r) => tableRow(clicks, r)));
    await recommender.train();
    const answers: string[][] = [];
    let applied = 0;
    for (const query of queries) {
      const due: number[] = [];
      while (applied < stream.length && clicks.timestamp[stream[applied]!]! < query.ts) due.push(stream[applied++]!);
      if (due.length > 0) await recommender.ingestInteractions(due.map((r) => tableRow(clicks, r)));
      const list = await recommender.recommend({ userId: query.userId!, session: [...query.session!], n: 10, now: query.ts });
      answers.push(list.items.map((r) => r.itemId));
    }
    return answers;
  }

  const settings: Record<string, () => RankingOptions> = {
    'the news preset': () => newsPreset(),
    'the news preset with freshness and diversity': () => ({
      ...newsPreset(),
      freshness: { halfLifeMs: 6 * 3_600_000, weight: 0.5 },
      diversity: { lambda: 0.7, by: 'category' },
    }),
    'a blend with a popularity fill': () => {
      const preset = newsPreset({ weights: { recent: 0 } });
      return { ...preset, models: { ...preset.models, popular: createPopularityModel({ halfLifeMs: Number.POSITIVE_INFINITY }) }, blend: { ...preset.blend, popular: 0 }, fill: ['popular'] };
    },
  };

  for (const [name, ranking] of Object.entries(settings)) {
    it(`gives the same lists as the engine: ${name}`, async () => {
      expect(queries.length).toBeGreaterThan(50);
      const fromEngine = await engineAnswers(ranking());
      const { answers } = await replayRecommendations({ table: clicks, train, stream, queries, ranking: ranking(), k: 10, items });
      expect(answers).toEqual(fromEngine);
      expect(answers.every((list) => list.length === 10)).toBe(true);
    });
  }
});
