/**
 * The API's request and response schemas: they validate requests (unknown fields are refused),
 * shape responses, and generate the OpenAPI document. Field names are the HTTP API's
 * (`user_id`, `article_id`); the values are checked again, with the same rules, by the SDK's own
 * schemas (`interactionTypeSchema`, `idSchema` bounds...) when the engine receives them.
 */
import { z } from 'zod';
import { interactionTypeSchema } from '@mycontent/core';

/** Ids: 1–256 characters of well-formed Unicode, as the SDK accepts them. */
export const id = z.string().min(1).max(256).meta({ example: 'u-42' });
const timestamp = z.union([z.number().nonnegative(), z.iso.datetime({ offset: true })]).meta({ description: 'epoch milliseconds or ISO 8601' });
const count = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const recommendationId = id.meta({ description: 'the recommendation list the interaction came from (its recommendation_id): attributes it to that list and its experiments' });

// ---------------------------------------------------------------- requests

export const recommendationsQuery = z.strictObject({
  user_id: id,
  n: count(100, 10).meta({ description: 'how many articles, 1–100' }),
  category: z.string().min(1).max(256).optional().meta({ description: 'only articles of this category' }),
  exclude: z
    .string()
    .max(10_000)
    .optional()
    .meta({ description: 'comma-separated article ids to leave out (already on the page)' }),
});

export const feedbackBody = z
  .strictObject({
    user_id: id,
    article_id: id,
    type: z.enum(['like', 'dislike', 'share', 'rating', 'read', 'click', 'view']).optional().meta({ description: "defaults to 'rating' when a rating is given" }),
    rating: z.number().min(1).max(5).optional().meta({ description: 'an explicit rating, 1–5' }),
    duration_seconds: z.number().min(0).max(86_400).optional(),
    session_id: id.optional(),
    recommendation_id: recommendationId.optional(),
  })
  .refine((body) => body.type !== undefined || body.rating !== undefined, { message: 'give a type, a rating, or both', path: ['type'] })
  .refine((body) => body.type !== 'rating' || body.rating !== undefined, { message: "type 'rating' needs a rating", path: ['rating'] });

export const userQuery = z.strictObject({ user_id: id });

export const preferencesBody = z.strictObject({
  user_id: id,
  categories: z.array(z.string().min(1).max(256)).max(100),
  excluded_categories: z.array(z.string().min(1).max(256)).max(100).optional(),
});

export const trendingQuery = z.strictObject({
  n: count(100, 10),
  category: z.string().min(1).max(256).optional(),
});

export const articleParams = z.strictObject({ id });
export const similarQuery = z.strictObject({ n: count(100, 10) });

export const articleBody = z.strictObject({
  id,
  title: z.string().max(1_000).optional(),
  summary: z.string().max(10_000).optional(),
  body: z.string().max(1_000_000).optional(),
  category: z.string().min(1).max(256).optional(),
  publisher: z.string().min(1).max(256).optional(),
  created_at: timestamp.optional().meta({ description: 'publication time; now when absent' }),
  words_count: z.number().int().min(0).max(2_147_483_647).optional(),
  embedding: z.array(z.number()).min(1).max(4_096).optional().meta({ description: 'the content embedding: makes the article similar-searchable at once' }),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export const articlesBody = z.strictObject({ articles: z.array(articleBody).min(1).max(1_000) });

export const eventBody = z.strictObject({
  user_id: id,
  article_id: id,
  type: interactionTypeSchema,
  timestamp: timestamp.optional().meta({ description: 'when it happened; now when absent' }),
  session_id: id.optional(),
  duration_seconds: z.number().min(0).max(86_400).optional(),
  rating: z.number().min(1).max(5).optional(),
  event_id: z.string().min(1).max(256).optional().meta({ description: 'an idempotency key: the same event sent twice is applied once' }),
  recommendation_id: recommendationId.optional(),
});
export const eventsBody = z.strictObject({ events: z.array(eventBody).min(1).max(10_000) });

export const signUpBody = z.strictObject({
  email: z.email().max(320),
  password: z.string().min(12).max(256).meta({ description: '12–256 characters' }),
});
export const signInBody = z.strictObject({ email: z.string().min(1).max(320), password: z.string().min(1).max(256) });
export const accountParams = z.strictObject({ id });
export const roleBody = z.strictObject({ role: z.enum(['reader', 'editor', 'admin']) });

// ---------------------------------------------------------------- responses

export const recommendation = z.object({
  article_id: z.string(),
  rank: z.number(),
  score: z.number(),
  source: z.string().meta({ description: 'which source placed it: a model name, cold-start, exploration, fill...' }),
  category: z.string().optional(),
  title: z.string().optional(),
  summary: z.string().optional(),
});
const servedVariant = z.object({ experiment: z.string(), variant: z.string() });

export const recommendationsResponse = z.object({
  recommendation_id: z.string().meta({ description: 'this list, new on every call: send it back with the feedback on its articles' }),
  user_id: z.string(),
  experiments: z.array(servedVariant).meta({ description: 'the experiments and variants the list was served under' }),
  phase: z.enum(['personalized', 'learning', 'cold-start']),
  cached: z.boolean(),
  generated_at: z.string(),
  items: z.array(recommendation),
});
export const rankedList = z.object({ items: z.array(recommendation) });
export const newestQuery = z.strictObject({ n: count(100, 20).meta({ description: 'how many of the newest articles' }) });
export const newestResponse = z.object({
  articles: z.array(
    z.object({
      article_id: z.string(),
      title: z.string().optional(),
      category: z.string().optional(),
      created_at: z.string(),
      views: z.number().meta({ description: 'impressions reported as view events' }),
      clicks: z.number(),
      reads: z.number(),
    }),
  ),
});
export const categoriesQuery = z.strictObject({ n: count(1_000, 24).meta({ description: 'at most this many, largest first' }) });
export const categoriesResponse = z.object({ categories: z.array(z.object({ name: z.string(), articles: z.number() })) });

export const profileResponse = z.object({
  user_id: z.string(),
  preferences: z.object({ categories: z.array(z.string()), excluded_categories: z.array(z.string()) }),
  category_affinity: z.record(z.string(), z.number()),
  recent_articles: z.array(z.string()),
  counts: z.record(z.string(), z.number()),
  interaction_count: z.number(),
  first_seen_at: z.string().nullable(),
  last_seen_at: z.string().nullable(),
});

export const articleResponse = z.object({
  id: z.string(),
  title: z.string().optional(),
  summary: z.string().optional(),
  body: z.string().optional(),
  category: z.string().optional(),
  publisher: z.string().optional(),
  created_at: z.string(),
  words_count: z.number().optional(),
  embedding: z.array(z.number()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  stats: z.object({ views: z.number(), clicks: z.number(), reads: z.number(), likes: z.number(), dislikes: z.number(), shares: z.number() }),
});

export const accepted = z.object({ accepted: z.number(), mode: z.enum(['applied', 'queued']) });
export const written = z.object({ written: z.number() });

export const account = z.object({ id: z.string(), email: z.string(), role: z.enum(['reader', 'editor', 'admin']), created_at: z.string() });
export const session = z.object({ account, access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number() });

export const erasureResponse = z.object({
  user_id: z.string(),
  interactions: z.number(),
  events: z.number(),
  model_versions: z.number(),
  experiment_assignments: z.number(),
  exposures: z.number(),
  account_deleted: z.boolean(),
});

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), value: z.unknown().optional(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** The problem responses a route may give, for the OpenAPI document. */
export const experimentParams = z.strictObject({ key: z.string().min(1).max(256) });
export const experimentResultsQuery = z.strictObject({
  sequential: z.enum(['true', 'false']).default('true').meta({ description: 'always-valid intervals (safe to read at any time); false: fixed horizon' }),
  alpha: z.coerce.number().gt(0).lt(1).default(0.05),
  attribution_window_minutes: z.coerce.number().min(0).max(7 * 24 * 60).default(30),
});

const variantDefinition = z.object({ key: z.string(), weight: z.number().optional(), settings: z.record(z.string(), z.unknown()).optional() });
export const experimentsResponse = z.object({
  experiments: z.array(
    z.object({
      key: z.string(),
      status: z.enum(['draft', 'running', 'stopped']),
      coverage: z.number(),
      variants: z.array(variantDefinition),
      namespace: z.tuple([z.string(), z.number(), z.number()]).optional(),
    }),
  ),
});

const comparison = z.object({
  control: z.number(),
  treatment: z.number(),
  difference: z.number(),
  relative_lift: z.number().nullable(),
  interval: z.tuple([z.number(), z.number()]),
  p_value: z.number(),
  significant: z.boolean(),
  method: z.enum(['fixed', 'sequential']),
});
export const experimentResultsResponse = z.object({
  experiment: z.string(),
  control: z.string(),
  variants: z.array(
    z.object({
      variant: z.string(),
      users: z.number(),
      lists: z.number(),
      impressions: z.number(),
      clicks: z.number(),
      ctr: z.number(),
      list_ctr: z.number(),
      clicks_per_list: z.number(),
      engagement_seconds_per_list: z.number(),
      clicks_per_user: z.number(),
      diversity: z.number().optional(),
      coverage: z.number(),
      novelty: z.number(),
    }),
  ),
  comparisons: z.record(z.string(), z.record(z.string(), comparison).nullable()),
  cuped: z.object({ theta: z.number(), variance_reduction: z.number() }).nullable(),
  interleaving: z.record(z.string(), comparison.nullable()).meta({ description: 'per variant serving interleaved lists: the preference for ranker b over a' }),
  sample_ratio: z.object({ observed: z.array(z.number()), expected: z.array(z.number()), p_value: z.number(), mismatch: z.boolean() }).nullable(),
  attribution: z.object({ by_list_id: z.number(), by_window: z.number(), unknown_list_id: z.number(), not_in_list: z.number(), unattributed: z.number() }),
  users_in_several_variants: z.number(),
});

export const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, problem]));
