/**
 * What a reader does: get recommendations, give feedback, send interaction events, see and set
 * their profile, export and erase their data. Every route takes the user id and checks that the
 * caller may act for it (themselves, or an admin).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ItemStore, Recommender } from '@mycontent/core';
import type { Accounts } from '../../auth/accounts';
import { ACCESS_COOKIE, REFRESH_COOKIE, actingFor, signedIn } from '../../auth/guard';
import type { EventSink } from '../../backends';
import {
  accepted,
  erasureResponse,
  eventsBody,
  feedbackBody,
  preferencesBody,
  problems,
  profileResponse,
  recommendationsQuery,
  recommendationsResponse,
  userQuery,
  written,
} from '../schemas';
import { accountView, profileView, withTitles } from '../views';

const secured = { security: [{ bearer: [] }] };
const iso = (ms: number) => new Date(ms).toISOString();

export const readerRoutes: FastifyPluginAsyncZod<{ recommender: Recommender; accounts: Accounts; events: EventSink; items: ItemStore }> = async (app, { recommender, accounts, events, items }) => {
  app.get('/recommendations', {
    schema: { tags: ['readers'], summary: 'Recommended articles for a user', ...secured, querystring: recommendationsQuery, response: { 200: recommendationsResponse, ...problems(400, 401, 403, 429) } },
    handler: async (request) => {
      const { user_id, n, category, exclude } = request.query;
      actingFor(request, user_id);
      const list = await recommender.recommend({
        userId: user_id,
        n,
        ...(category ? { filters: { categories: [category] } } : {}),
        ...(exclude ? { exclude: exclude.split(',').filter(Boolean) } : {}),
      });
      return {
        recommendation_id: list.id,
        user_id,
        experiments: list.experiments ?? [],
        phase: list.phase,
        cached: list.cached,
        generated_at: iso(list.generatedAt),
        items: await withTitles(items, list.items),
      };
    },
  });

  app.post('/feedback', {
    schema: { tags: ['readers'], summary: 'A like, dislike, share, rating or read of an article', ...secured, body: feedbackBody, response: { 200: written, ...problems(400, 401, 403, 429) } },
    handler: async (request) => {
      const body = request.body;
      actingFor(request, body.user_id);
      await recommender.feedback({
        userId: body.user_id,
        itemId: body.article_id,
        type: body.type ?? 'rating',
        ...(body.rating === undefined ? {} : { rating: body.rating }),
        ...(body.duration_seconds === undefined ? {} : { duration: body.duration_seconds }),
        ...(body.session_id === undefined ? {} : { sessionId: body.session_id }),
        ...(body.recommendation_id === undefined ? {} : { recommendationId: body.recommendation_id }),
      });
      return { written: 1 };
    },
  });

  app.post('/events', {
    schema: {
      tags: ['readers'],
      summary: 'Interaction events (views, clicks, reads...), up to 10,000 per call; queued on the stream when Redis is configured',
      ...secured,
      body: eventsBody,
      response: { 200: accepted, 202: accepted, ...problems(400, 401, 403, 413, 429) },
    },
    handler: async (request, reply) => {
      const principal = signedIn(request);
      for (const event of request.body.events) if (principal.role !== 'admin') actingFor(request, event.user_id);
      const now = Date.now();
      const batch = request.body.events.map((e) => ({
        userId: e.user_id,
        itemId: e.article_id,
        type: e.type,
        timestamp: e.timestamp ?? now,
        ...(e.session_id === undefined ? {} : { sessionId: e.session_id }),
        ...(e.duration_seconds === undefined ? {} : { duration: e.duration_seconds }),
        ...(e.rating === undefined ? {} : { rating: e.rating }),
        ...(e.event_id === undefined ? {} : { eventId: e.event_id }),
        ...(e.recommendation_id === undefined ? {} : { recommendationId: e.recommendation_id }),
      }));
      const result = await events.accept(batch);
      return reply.code(events.mode === 'queued' ? 202 : 200).send({ accepted: result.accepted, mode: events.mode });
    },
  });

  app.get('/user/profile', {
    schema: { tags: ['readers'], summary: "A user's profile: preferences, category affinity, recent articles", ...secured, querystring: userQuery, response: { 200: profileResponse, ...problems(400, 401, 403) } },
    handler: async (request) => {
      actingFor(request, request.query.user_id);
      return profileView(await recommender.getProfile(request.query.user_id));
    },
  });

  app.post('/user/preferences', {
    schema: { tags: ['readers'], summary: 'Set the categories a user chose (onboarding or settings)', ...secured, body: preferencesBody, response: { 200: profileResponse, ...problems(400, 401, 403) } },
    handler: async (request) => {
      const { user_id, categories, excluded_categories } = request.body;
      actingFor(request, user_id);
      return profileView(await recommender.setPreferences(user_id, { categories, ...(excluded_categories ? { excludedCategories: excluded_categories } : {}) }));
    },
  });

  app.get('/user/data', {
    schema: {
      tags: ['readers'],
      summary: 'Everything held about a user (GDPR access): account, profile, interactions, what the models and the event stream hold',
      ...secured,
      querystring: userQuery,
      response: { 200: z.record(z.string(), z.unknown()), ...problems(400, 401, 403) },
    },
    handler: async (request) => {
      const userId = request.query.user_id;
      actingFor(request, userId);
      const [account, data] = await Promise.all([accounts.get(userId), recommender.exportUserData(userId)]);
      return { account: account ? accountView(account) : null, ...data };
    },
  });

  app.delete('/user/data', {
    schema: {
      tags: ['readers'],
      summary: 'Erase a user everywhere (GDPR): interactions, profile, cache, models and their saved versions, the event stream, experiment assignments and served lists, and the account',
      ...secured,
      querystring: userQuery,
      response: { 200: erasureResponse, ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => {
      const userId = request.query.user_id;
      const principal = actingFor(request, userId);
      const report = await recommender.deleteUserData(userId);
      const accountDeleted = await accounts.remove(userId);
      if (principal.id === userId) {
        reply.clearCookie(ACCESS_COOKIE, { path: '/' });
        reply.clearCookie(REFRESH_COOKIE, { path: '/api/v1/auth' });
      }
      return {
        user_id: userId,
        interactions: report.interactions,
        events: report.events,
        model_versions: report.modelVersions,
        experiment_assignments: report.assignments,
        exposures: report.exposures,
        account_deleted: accountDeleted,
      };
    },
  });
};
