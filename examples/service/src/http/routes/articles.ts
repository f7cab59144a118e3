/**
 * Articles: trending, one article with its statistics, "more like this", and publishing (editors).
 * A published article is recommendable at once: to new readers through freshness, to readers of
 * similar articles through its embedding.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ItemStore, Recommender } from '@mycontent/core';
import { withRole } from '../../auth/guard';
import { HttpProblem } from '../problem';
import { articleParams, articleResponse, articlesBody, categoriesQuery, categoriesResponse, newestQuery, newestResponse, problems, rankedList, similarQuery, trendingQuery, written } from '../schemas';
import { articleView, withTitles } from '../views';

export const articleRoutes: FastifyPluginAsyncZod<{ recommender: Recommender; items: ItemStore }> = async (app, { recommender, items: articles }) => {
  app.get('/articles/newest', {
    schema: {
      tags: ['articles'],
      summary: 'The newest articles and how far they have reached: impressions, clicks, reads (editors; the catalogue health panel)',
      security: [{ bearer: [] }],
      querystring: newestQuery,
      response: { 200: newestResponse, ...problems(400, 401, 403, 429) },
    },
    handler: async (request) => {
      withRole(request, 'editor', 'admin');
      const { catalog } = recommender;
      const newest: number[] = [];
      for (let i = 0; i < catalog.size; i++) if (catalog.active[i] === 1) newest.push(i);
      newest.sort((a, b) => catalog.createdAt[b]! - catalog.createdAt[a]! || b - a);
      const details = await Promise.all(newest.slice(0, request.query.n).map((i) => recommender.getItem(catalog.idAt(i))));
      return {
        articles: details
          .filter((d) => d !== undefined)
          .map(({ item, stats }) => ({
            article_id: item.id,
            ...(item.title === undefined ? {} : { title: item.title }),
            ...(item.category === undefined ? {} : { category: item.category }),
            created_at: new Date(item.createdAt).toISOString(),
            views: stats.views,
            clicks: stats.clicks,
            reads: stats.reads,
          })),
      };
    },
  });

  app.get('/articles/categories', {
    schema: { tags: ['articles'], summary: 'The categories of the catalogue, largest first (for onboarding)', querystring: categoriesQuery, response: { 200: categoriesResponse, ...problems(400, 429) } },
    handler: async (request) => {
      const { catalog } = recommender;
      const counts = new Map<string, number>();
      for (let i = 0; i < catalog.size; i++) {
        const category = catalog.active[i] === 1 ? catalog.categoryOf(i) : undefined;
        if (category !== undefined) counts.set(category, (counts.get(category) ?? 0) + 1);
      }
      const categories = [...counts].map(([name, n]) => ({ name, articles: n })).sort((a, b) => b.articles - a.articles || a.name.localeCompare(b.name));
      return { categories: categories.slice(0, request.query.n) };
    },
  });

  app.get('/articles/trending', {
    schema: { tags: ['articles'], summary: 'What is read most right now, overall or in one category', querystring: trendingQuery, response: { 200: rankedList, ...problems(400, 429) } },
    handler: async (request) => {
      const { n, category } = request.query;
      const items = await recommender.trending({ n, ...(category ? { category } : {}) });
      return { items: await withTitles(articles, items) };
    },
  });

  app.get('/articles/:id', {
    schema: { tags: ['articles'], summary: 'One article and its statistics', params: articleParams, response: { 200: articleResponse, ...problems(400, 404, 429) } },
    handler: async (request) => {
      const details = await recommender.getItem(request.params.id);
      if (!details) throw new HttpProblem(404, 'Not Found', `no article ${JSON.stringify(request.params.id)}`, [{ field: 'id', value: request.params.id, message: 'unknown article' }]);
      return articleView(details);
    },
  });

  app.get('/articles/:id/similar', {
    schema: { tags: ['articles'], summary: 'More like this article', params: articleParams, querystring: similarQuery, response: { 200: rankedList, ...problems(400, 404, 429) } },
    handler: async (request) => {
      const items = await recommender.similarItems(request.params.id, { n: request.query.n });
      return { items: await withTitles(articles, items) };
    },
  });

  app.post('/articles', {
    schema: {
      tags: ['articles'],
      summary: 'Publish or update articles (editors); recommendable at once',
      security: [{ bearer: [] }],
      body: articlesBody,
      response: { 200: written, ...problems(400, 401, 403, 413, 429) },
    },
    handler: async (request) => {
      withRole(request, 'editor', 'admin');
      const now = Date.now();
      const report = await recommender.ingestItems(
        request.body.articles.map((a) => ({
          id: a.id,
          createdAt: a.created_at ?? now,
          ...(a.title === undefined ? {} : { title: a.title }),
          ...(a.summary === undefined ? {} : { summary: a.summary }),
          ...(a.body === undefined ? {} : { body: a.body }),
          ...(a.category === undefined ? {} : { category: a.category }),
          ...(a.publisher === undefined ? {} : { publisher: a.publisher }),
          ...(a.words_count === undefined ? {} : { wordsCount: a.words_count }),
          ...(a.embedding === undefined ? {} : { embedding: a.embedding }),
          ...(a.metadata === undefined ? {} : { metadata: a.metadata }),
        })),
      );
      return { written: report.written };
    },
  });
};
