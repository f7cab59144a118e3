import { z } from 'zod';

const MAX_ID_LENGTH = 512;
/** Latest accepted timestamp: year 2200, so that a seconds/milliseconds mix-up is caught. */
const MAX_TIMESTAMP = Date.UTC(2200, 0, 1);
const NO_NUL = 'must not contain the NUL character (U+0000)';
const WELL_FORMED = 'must be well-formed Unicode (a lone UTF-16 surrogate is not a character)';

/** `String.prototype.isWellFormed` (Node 20 has it; the ES2022 typings do not). */
const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * A string of at most `max` UTF-16 units, well-formed Unicode, without U+0000: what every backend
 * stores byte-exact. (PostgreSQL cannot hold U+0000, and turns a lone surrogate into U+FFFD — two
 * different ids would become one.)
 */
const text = (max: number) =>
  z.string().superRefine((s, ctx) => {
    const problem = textProblem(s, max);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: s });
  });

/** Why a string cannot be an id (or any stored text of at most `max` units), or `undefined`. */
function textProblem(s: string, max: number): string | undefined {
  if (s.length > max) return `must be at most ${max} characters`;
  if (s.includes('\0')) return NO_NUL;
  if (!isWellFormed(s)) return WELL_FORMED;
  return undefined;
}

/**
 * An identifier: a non-empty string of at most 512 UTF-16 units — any Unicode characters but
 * U+0000 (lone surrogates are not characters) — or a non-negative integer (converted to its decimal
 * string). Ids are compared as strings everywhere in the SDK.
 *
 * One check with one message, not a union of two schemas: a wrong id is reported once, saying what
 * an id may be, and a batch of a million wrong ids is rejected fast.
 */
export const idSchema: z.ZodType<string, string | number> = z.unknown().transform((value, ctx) => {
  let problem: string | undefined;
  if (typeof value === 'string') problem = value.length === 0 ? 'must not be empty' : textProblem(value, MAX_ID_LENGTH);
  else if (typeof value === 'number') problem = Number.isSafeInteger(value) && value >= 0 ? undefined : 'must be a non-negative integer when a number';
  else problem = 'must be a string or a non-negative integer';
  if (problem === undefined) return String(value);
  ctx.addIssue({ code: 'custom', message: problem, input: value });
  return z.NEVER;
}) as unknown as z.ZodType<string, string | number>;

/** ISO-8601 date-times (with an offset) and calendar dates. */
const isoTimestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/**
 * A point in time: epoch milliseconds, a `Date`, or an ISO-8601 string. Parsed to epoch
 * milliseconds. Values before 1970 or after 2200 are rejected.
 */
export const timestampSchema: z.ZodType<number, number | Date | string> = z.unknown().transform((value, ctx) => {
  let time: number | undefined;
  if (typeof value === 'number') time = value;
  else if (value instanceof Date) time = value.getTime();
  else if (typeof value === 'string' && isoTimestamp.safeParse(value).success) time = new Date(value).getTime();
  let problem: string | undefined;
  if (time === undefined) problem = 'must be epoch milliseconds, a Date or an ISO-8601 string';
  else if (!Number.isFinite(time)) problem = 'must be a finite time';
  else if (time < 0) problem = 'must not be before 1970';
  else if (time > MAX_TIMESTAMP) problem = 'must be before year 2200 (epoch milliseconds expected)';
  if (problem === undefined) return time!;
  ctx.addIssue({ code: 'custom', message: problem, input: value });
  return z.NEVER;
}) as unknown as z.ZodType<number, number | Date | string>;

/** Limits of free metadata: what every backend stores and reads back alike. */
const METADATA_LIMITS = { depth: 32, bytes: 1_000_000 } as const;

/**
 * Why a metadata value cannot be stored as JSON exactly, or `undefined`: a cycle, a value JSON
 * does not hold (BigInt, function, symbol, non-finite number, undefined), a `__proto__` key (a
 * plain object would drop it), nesting deeper than 32 levels, more than 1 MB serialised.
 */
function metadataProblem(value: unknown): string | undefined {
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): string | undefined => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : `holds ${v}, which JSON cannot`;
    if (typeof v !== 'object') return `holds a ${typeof v}, which JSON cannot`;
    if (depth > METADATA_LIMITS.depth) return `is nested deeper than ${METADATA_LIMITS.depth} levels`;
    if (seen.has(v)) return 'holds a cycle';
    seen.add(v);
    if (!Array.isArray(v)) {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return `holds a ${v.constructor?.name ?? 'class instance'}, not plain JSON`;
      if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return 'has a "__proto__" key, which plain objects drop';
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      const problem = walk(child, depth + 1);
      if (problem) return problem;
    }
    seen.delete(v);
    return undefined;
  };
  const problem = walk(value, 0);
  if (problem) return problem;
  const bytes = Buffer.byteLength(JSON.stringify(value));
  return bytes > METADATA_LIMITS.bytes ? `is ${bytes} bytes as JSON, more than ${METADATA_LIMITS.bytes}` : undefined;
}

/**
 * Free metadata attached to items, users and interactions: plain JSON (no cycle, BigInt, class
 * instance or `__proto__` key), at most 32 levels deep and 1 MB serialised.
 */
export const metadataSchema: z.ZodType<Record<string, unknown>, Record<string, unknown>> = z
  .unknown()
  .superRefine((value, ctx) => {
    // Checked on the input: a record's output would already have dropped a `__proto__` key.
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return; // the record says what is wrong
    const problem = metadataProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `must be plain JSON: it ${problem}` });
  })
  .pipe(z.record(z.string(), z.unknown())) as unknown as z.ZodType<Record<string, unknown>, Record<string, unknown>>;

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
  wordsCount: z.number().int().nonnegative().max(2_147_483_647, 'must be at most 2,147,483,647').optional(),
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

/** Context of an interaction: flat string, number or boolean values by key. */
export type InteractionContext = Record<string, string | number | boolean>;

/** Context of an interaction (device, OS, country, referrer, ...). Flat string/number values. */
export const interactionContextSchema: z.ZodType<InteractionContext, InteractionContext> = z
  .unknown()
  .refine((context) => typeof context !== 'object' || context === null || !Object.prototype.hasOwnProperty.call(context, '__proto__'), 'must not have a "__proto__" key (plain objects drop it)')
  .pipe(z.record(text(64), z.union([text(256), z.number().refine(Number.isFinite, 'must be a finite number'), z.boolean()]))) as unknown as z.ZodType<InteractionContext, InteractionContext>;

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
    /** Explicit rating value (required for `rating`), within ±1,000,000 so that sums stay finite. */
    rating: z.number().min(-1_000_000, 'must be at least -1,000,000').max(1_000_000, 'must be at most 1,000,000').optional(),
    /** Where it happened: device, OS, country, referrer... */
    context: interactionContextSchema.optional(),
    /** Optional idempotency key; the event pipeline uses it to apply an event once. */
    eventId: text(256).refine((s) => s.length > 0, 'must not be empty').optional(),
    /**
     * The recommendation list the interaction came from (its `id`): attributes the interaction to
     * that list and to the experiments it was served under.
     */
    recommendationId: idSchema.optional(),
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
  /**
   * For an item drawn at random (exploration): the chance it was drawn. Items ranked by the
   * models have none (they were certain to be there).
   */
  propensity?: number;
  /** In an interleaved list (an interleaving experiment), the ranker that placed the item: `a` or `b`. */
  team?: 'a' | 'b';
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
