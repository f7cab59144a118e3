import { z } from 'zod';
import { idSchema, timestampSchema } from '../domain/schemas';
import { DEFAULT_HISTORY_LENGTH, DEFAULT_SESSION_GAP_MS } from '../session/session';

/** Business filters of a recommendation request. */
export const recommendFiltersSchema = z.object({
  /** Only these categories. */
  categories: z.array(idSchema).max(1000).optional(),
  /** Never these categories. */
  excludeCategories: z.array(idSchema).max(1000).optional(),
  /** Only these publishers. */
  publishers: z.array(idSchema).max(1000).optional(),
  /** Only items published at most this long ago (ms), relative to `now`. */
  maxAgeMs: z.number().positive().optional(),
});

/**
 * Diversity re-ranking (maximal marginal relevance) of a recommendation list: `lambda` 1 keeps
 * the relevance order, lower values trade relevance for variety; `by` says what makes two items
 * alike — the same category, or close embeddings (from a model that exposes them, e.g. the content
 * model); `pool` is how many blended candidates the re-ranker chooses from (default 3 × n).
 */
export const diversitySchema = z.object({
  lambda: z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]'),
  by: z.enum(['category', 'embedding']).default('category'),
  pool: z.number().int().min(1).max(10_000).optional(),
});

/** Diversity options, as accepted. */
export type DiversityOptions = z.input<typeof diversitySchema>;

/** A recommendation request. Give `userId`, `session`, both, or neither (anonymous: popular items). */
export const recommendQuerySchema = z.object({
  /** The user to recommend for. Unknown users get a cold-start answer. */
  userId: idSchema.optional(),
  /** Item ids of the current session, oldest first (anonymous or in-session recommendations). */
  session: z.array(idSchema).max(1000).optional(),
  /** How many items. @default 10 */
  n: z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(10),
  /** Item ids never to return. */
  exclude: z.array(idSchema).max(100_000).default([]),
  filters: recommendFiltersSchema.optional(),
  /** Time of the request, for freshness filters (epoch ms, Date or ISO). @default now */
  now: timestampSchema.optional(),
  /** Read and write the cache. @default true */
  useCache: z.boolean().default(true),
  /** Diversity re-ranking for this request, or `false` for none. @default the engine's `diversity` option */
  diversity: z.union([diversitySchema, z.literal(false)]).optional(),
});

/** Input of `recommend`. */
export type RecommendQuery = z.input<typeof recommendQuerySchema>;
/** Business filters, parsed. */
export type RecommendFilters = z.output<typeof recommendFiltersSchema>;

/** Input of `trending`. */
export const trendingQuerySchema = z.object({
  category: idSchema.optional(),
  n: z.number().int().min(1).max(1000).default(10),
  useCache: z.boolean().default(true),
});
/** Input of `trending`. */
export type TrendingRequest = z.input<typeof trendingQuerySchema>;

/** Input of `similarItems` options. */
export const similarQuerySchema = z.object({
  n: z.number().int().min(1).max(1000).default(10),
  /** Only items of the same category as the source item. @default false */
  sameCategory: z.boolean().default(false),
  useCache: z.boolean().default(true),
});
/** Options of `similarItems`. */
export type SimilarItemsOptions = z.input<typeof similarQuerySchema>;

const positive = z.number().positive();

/** The ranking settings shared by the engine and the replay evaluation, validated once. */
export const rankingSettingsSchema = z.object({
  candidates: z.number().int().min(1).max(100_000).default(200),
  historyLength: z.number().int().min(1).max(10_000).default(DEFAULT_HISTORY_LENGTH),
  seenWindow: z.number().int().min(0).max(1_000_000).default(500),
  preferredShare: z.number().min(0).max(1).default(0.7),
  diversity: diversitySchema.optional(),
  blendNormalization: z.enum(['minmax', 'rank']).default('minmax'),
  sessionGapMs: positive.default(DEFAULT_SESSION_GAP_MS),
  roleWeights: z
    .object({
      collaborative: z.number().min(0).default(0.4),
      content: z.number().min(0).default(0.3),
      sequential: z.number().min(0).default(0.2),
    })
    .default({ collaborative: 0.4, content: 0.3, sequential: 0.2 }),
  freshness: z.object({ halfLifeMs: positive, weight: z.number().min(0).max(1) }).optional(),
  blend: z.record(z.string(), z.number().nonnegative('must not be negative').refine(Number.isFinite, 'must be finite')).optional(),
  fill: z.array(z.string()).max(100).optional(),
  trendingModel: z.string().optional(),
});

/** The ranking settings, parsed. */
export type RankingSettings = z.output<typeof rankingSettingsSchema>;

/** Numeric engine settings beyond ranking, validated at creation. */
export const engineSettingsSchema = z.object({
  ttl: z
    .object({
      reco: positive.optional(),
      profile: positive.optional(),
      trending: positive.optional(),
      similar: positive.optional(),
    })
    .strict()
    .default({}),
  affinityHalfLifeMs: positive.default(7 * 24 * 3_600_000),
  recentItems: z.number().int().min(1).max(10_000).default(50),
  erasure: z.enum(['delete', 'anonymize']).default('delete'),
  warningIntervalMs: z.number().min(0).default(60_000),
});
