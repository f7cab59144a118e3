import { z } from 'zod';

const MAX_ID_LENGTH = 512;
/** Latest accepted timestamp: year 2200, so that a seconds/milliseconds mix-up is caught. */
const MAX_TIMESTAMP = Date.UTC(2200, 0, 1);
const NO_NUL = 'must not contain the NUL character (U+0000)';

/**
 * A string of at most `max` characters without U+0000 (which PostgreSQL text cannot hold and
 * which no real id or text needs): every adapter then stores strings byte-exact.
 */
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).refine((s) => !s.includes('\0'), NO_NUL);

/**
 * An identifier: a non-empty string of at most 512 characters without U+0000, or a non-negative integer
 * (converted to its decimal string). Ids are compared as strings everywhere in the SDK.
 */
export const idSchema = z
  .union([
    text(MAX_ID_LENGTH).refine((s) => s.length > 0, 'must not be empty'),
    z.number().int('must be an integer').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER),
  ])
  .transform((value) => String(value));

/**
 * A point in time: epoch milliseconds, a `Date`, or an ISO-8601 string. Parsed to epoch
 * milliseconds. Values before 1970 or after 2200 are rejected.
 */
export const timestampSchema = z
  .union([z.number(), z.date(), z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => (typeof value === 'number' ? value : new Date(value).getTime()))
  .pipe(
    z
      .number()
      .refine(Number.isFinite, 'must be a finite time')
      .refine((t) => t >= 0, 'must not be before 1970')
      .refine((t) => t <= MAX_TIMESTAMP, 'must be before year 2200 (epoch milliseconds expected)'),
  );

/** Free, JSON-serialisable metadata attached to items, users and interactions. */
export const metadataSchema = z.record(z.string(), z.unknown());

/** An embedding: finite numbers, as an array or a `Float32Array`; stored as `Float32Array`. */
export const embeddingSchema = z
  .union([z.instanceof(Float32Array), z.array(z.number())])
  .refine((v) => v.length > 0, 'must not be empty')
  .refine((v) => {
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
    return true;
  }, 'must contain only finite numbers (no NaN or Infinity)')
  .transform((v) => (v instanceof Float32Array ? v : Float32Array.from(v)));

/** A news article (or any content item). */
export const itemSchema = z.object({
  /** Unique id. */
  id: idSchema,
  /** Headline. */
  title: text(10_000).optional(),
  /** Short summary / lead. */
  summary: text(100_000).optional(),
  /** Full text. */
  body: text(5_000_000).optional(),
  /** Category (section, topic). */
  category: idSchema.optional(),
  /** Publisher (outlet, brand). */
  publisher: idSchema.optional(),
  /** Publication time (epoch ms once parsed). */
  createdAt: timestampSchema,
  /** Number of words of the body. */
  wordsCount: z.number().int().nonnegative().optional(),
  /** Dense content embedding. */
  embedding: embeddingSchema.optional(),
  /** Free metadata. */
  metadata: metadataSchema.optional(),
});

/** Declared user preferences (onboarding). */
export const preferencesSchema = z.object({
  /** Categories the user said they like. */
  categories: z.array(idSchema).max(1000).default([]),
  /** Categories the user said they do not want. */
  excludedCategories: z.array(idSchema).max(1000).default([]),
});

/** A user. */
export const userSchema = z.object({
  id: idSchema,
  /** Sign-up time (epoch ms once parsed). Defaults to now. */
  createdAt: timestampSchema.optional(),
  preferences: preferencesSchema.optional(),
  metadata: metadataSchema.optional(),
});

/** The kinds of interaction the SDK understands. */
export const INTERACTION_TYPES = ['view', 'click', 'read', 'like', 'dislike', 'share', 'rating'] as const;

/** One of {@link INTERACTION_TYPES}. */
export const interactionTypeSchema = z.enum(INTERACTION_TYPES);

/** Context of an interaction (device, OS, country, referrer, ...). Flat string/number values. */
export const interactionContextSchema = z.record(
  text(64),
  z.union([text(256), z.number().refine(Number.isFinite, 'must be a finite number'), z.boolean()]),
);

/** A user interacting with an item. */
export const interactionSchema = z
  .object({
    userId: idSchema,
    itemId: idSchema,
    type: interactionTypeSchema,
    /** When it happened (epoch ms once parsed). */
    timestamp: timestampSchema,
    /** Browsing session the interaction belongs to. */
    sessionId: idSchema.optional(),
    /** Reading time in seconds (for `read`, but accepted on any type). */
    duration: z.number().nonnegative('must not be negative').max(86_400 * 7).optional(),
    /** Explicit rating value (required for `rating`). */
    rating: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
    /** Where it happened: device, OS, country, referrer... */
    context: interactionContextSchema.optional(),
    /** Optional idempotency key; the event pipeline uses it to apply an event once. */
    eventId: text(256).refine((s) => s.length > 0, 'must not be empty').optional(),
  })
  .superRefine((value, ctx) => {
    if (value.type === 'rating' && value.rating === undefined) {
      ctx.addIssue({ code: 'custom', path: ['rating'], message: 'is required when type is "rating"' });
    }
  });

/** Input accepted for an item; `createdAt` may be a Date or an ISO string. */
export type ItemInput = z.input<typeof itemSchema>;
/** An item as stored and returned by the SDK. */
export type Item = z.output<typeof itemSchema>;
/** Input accepted for a user. */
export type UserInput = z.input<typeof userSchema>;
/** A user as stored and returned by the SDK. */
export type User = z.output<typeof userSchema>;
/** Declared preferences, parsed. */
export type Preferences = z.output<typeof preferencesSchema>;
/** Input accepted for preferences. */
export type PreferencesInput = z.input<typeof preferencesSchema>;
/** One of {@link INTERACTION_TYPES}. */
export type InteractionType = (typeof INTERACTION_TYPES)[number];
/** Input accepted for an interaction. */
export type InteractionInput = z.input<typeof interactionSchema>;
/** An interaction as stored and returned by the SDK. */
export type Interaction = z.output<typeof interactionSchema>;

/** Where a recommended item came from, with each source's share of the final score. */
export interface RecommendationExplanation {
  /** The source that contributed most. */
  source: string;
  /** Each contributing source and its weighted, normalised contribution. */
  contributions: Record<string, number>;
}

/** One recommended item. */
export interface Recommendation {
  itemId: string;
  /** Blended score (higher is better). Scores are comparable within one response only. */
  score: number;
  /** 1-based position in the list. */
  rank: number;
  /** The source that contributed most: a model name, or `cold-start:...`. */
  source: string;
  /** Every source's contribution, so the result can be explained. */
  contributions: Record<string, number>;
  /** The item's category, when known. */
  category?: string;
}

/** Per-item counters kept by the store. */
export interface ItemStats {
  itemId: string;
  views: number;
  clicks: number;
  reads: number;
  likes: number;
  dislikes: number;
  shares: number;
  ratings: number;
  ratingSum: number;
  /** Total read time, seconds. */
  readSeconds: number;
  /** Time of the last interaction (epoch ms), 0 if none. */
  lastInteractionAt: number;
}

/** A change to apply to {@link ItemStats}: every counter is added. */
export type ItemStatsDelta = { itemId: string } & Partial<Omit<ItemStats, 'itemId' | 'lastInteractionAt'>> & {
    lastInteractionAt?: number;
  };

/** What the engine learns about a user from their interactions. */
export interface UserProfile {
  userId: string;
  /** Declared preferences (mirrors the user record). */
  preferences: Preferences;
  /** Time-decayed affinity per category, decayed to `updatedAt`. */
  categoryAffinity: Record<string, number>;
  /** Most recent item ids, newest first (bounded). */
  recentItems: string[];
  /** Interaction counts per type. */
  counts: Partial<Record<InteractionType, number>>;
  /** Total number of interactions. */
  interactionCount: number;
  /** First and last interaction times (epoch ms), 0 if none. */
  firstSeenAt: number;
  lastSeenAt: number;
  /** Time the affinities were last decayed to (epoch ms). */
  updatedAt: number;
}
