import { z } from 'zod';
import { parseInput } from '../domain/validate';
import type { Assignment, ExperimentAssigner } from '../experiments/assigner';
import { ENGINE } from './config';
import { diversitySchema } from './options';
import type { Ranker } from './ranker';

const share = z.number().min(0, 'must not be negative').max(1, 'must be at most 1');
const blendSchema = z.record(z.string(), z.number().nonnegative('must not be negative').refine(Number.isFinite, 'must be finite'));
/** One ranker of an interleaved list: its blend (merged over the engine's) and its diversity. */
const sideSchema = z.strictObject({ blend: blendSchema.optional(), diversity: z.union([diversitySchema, z.literal(false)]).optional() });

/**
 * What an experiment's variant may change in the engine, under the variant's `settings` (other
 * keys are the host's own and left alone):
 * - `blend`: weights merged over the engine's blend (a model set to 0 is switched off);
 * - `diversity`: the diversity re-ranking of the variant's lists, or `false` for none;
 * - `explore`: the share of a personalised list given to exploration (fresh items drawn at random);
 * - `coldStart`: the onboarding mix of a user with no history — `preferred` (popular in their
 *   declared categories), `popular` (overall) and `explore` (fresh items), normalised to sum to 1;
 * - `interleave`: two rankers `a` and `b` (each a `blend` and a `diversity`) whose rankings are
 *   merged into each personalised list by team draft, every item marked with the `team` that placed
 *   it — a comparison of the two in every list (see `experimentResults`' `interleaving`).
 */
export const variantSettingsSchema = z.looseObject({
  blend: blendSchema.optional(),
  diversity: z.union([diversitySchema, z.literal(false)]).optional(),
  explore: share.optional(),
  coldStart: z
    .strictObject({ preferred: share.default(0), popular: share.default(0), explore: share.default(0) })
    .refine((o) => o.preferred + o.popular + o.explore > 0, 'shares must not all be 0')
    .optional(),
  interleave: z.strictObject({ a: sideSchema, b: sideSchema }).optional(),
});

/** The engine settings of a variant, as given (see {@link variantSettingsSchema}). */
export type VariantSettings = z.input<typeof variantSettingsSchema>;

/** One ranker of an interleaved list, resolved: its full blend and its diversity. */
export interface RankingSide {
  weights: Record<string, number>;
  diversity: z.output<typeof diversitySchema> | false | undefined;
}

/** The engine settings of one variant, checked and resolved against the engine's models. */
export interface ResolvedVariant {
  /** The full blend of the variant's lists, or `undefined` for the engine's. */
  weights: Record<string, number> | undefined;
  diversity: z.output<typeof diversitySchema> | false | undefined;
  explore: number | undefined;
  coldStart: { preferred: number; popular: number; explore: number } | undefined;
  interleave: { a: RankingSide; b: RankingSide } | undefined;
}

/** The experiments and variants a list was served under. */
export interface ServedVariant {
  experiment: string;
  variant: string;
}

/** What the experiments decide for one request: the user's variants and the settings they make. */
export interface RequestVariants {
  served: ServedVariant[];
  settings: ResolvedVariant;
}

/** The engine's view of the host's experiments: each variant's settings checked once, at creation. */
export interface EngineExperiments {
  readonly assigner: ExperimentAssigner;
  /** The variants and settings for a user (sticky when the assigner has a sticky store). */
  forUser(userId: string): Promise<RequestVariants>;
  /** Drops what is remembered of a user's sticky variants (their data was erased). */
  forget(userId: string): void;
}

const NONE: ResolvedVariant = { weights: undefined, diversity: undefined, explore: undefined, coldStart: undefined, interleave: undefined };

/**
 * Checks every variant's engine settings against the engine's models (typed errors naming the
 * field, e.g. `experiments.0.variants.1.settings.blend.als`), and answers per request with the
 * user's variants and their merged settings. A user in several experiments gets every variant's
 * settings, later experiments overriding earlier ones on the same setting.
 */
/** How long a user's sticky variants are reused without asking the store again, ms. */
export const STICKY_MEMO_MS = 60_000;
/** Users whose sticky variants are remembered in process (the least recently asked go first). */
export const STICKY_MEMO_USERS = 100_000;

export function createEngineExperiments(assigner: ExperimentAssigner, ranker: Ranker, clock: () => number = Date.now): EngineExperiments {
  const resolved = new Map<string, ResolvedVariant>();
  assigner.experiments.forEach((experiment, e) => {
    experiment.variants.forEach((variant, v) => {
      const field = `experiments.${e}.variants.${v}.settings`;
      const settings = parseInput(variantSettingsSchema, variant.settings ?? {}, field, ENGINE);
      const side = (s: z.output<typeof sideSchema>, name: 'a' | 'b'): RankingSide => ({
        weights: ranker.checkBlend({ ...ranker.blend, ...s.blend }, `${field}.interleave.${name}.blend`),
        diversity: s.diversity,
      });
      resolved.set(`${experiment.key}\u0000${variant.key}`, {
        weights: settings.blend === undefined ? undefined : ranker.checkBlend({ ...ranker.blend, ...settings.blend }, `${field}.blend`),
        diversity: settings.diversity,
        explore: settings.explore,
        coldStart: settings.coldStart,
        interleave: settings.interleave && { a: side(settings.interleave.a, 'a'), b: side(settings.interleave.b, 'b') },
      });
    });
  });
  const sticky = assigner.sticky !== undefined;
  // A recorded variant never changes, so a user's sticky answer is reused for a minute: the store
  // is not asked on every request.
  const memo = new Map<string, { at: number; assignments: Assignment[] }>();
  async function stickyAssignments(userId: string): Promise<Assignment[]> {
    const now = clock();
    const held = memo.get(userId);
    if (held && now - held.at < STICKY_MEMO_MS) return held.assignments;
    const assignments = await Promise.all(assigner.experiments.map((x) => assigner.assignSticky(x.key, userId)));
    memo.delete(userId);
    memo.set(userId, { at: now, assignments });
    if (memo.size > STICKY_MEMO_USERS) memo.delete(memo.keys().next().value!);
    return assignments;
  }

  return {
    assigner,
    forget: (userId) => void memo.delete(userId),
    async forUser(userId) {
      const assignments = sticky ? await stickyAssignments(userId) : assigner.experiments.map((x) => assigner.assign(x.key, userId));
      const served: ServedVariant[] = [];
      let settings = NONE;
      for (const a of assignments) {
        if (a.variant === null) continue;
        served.push({ experiment: a.experiment, variant: a.variant });
        const own = resolved.get(`${a.experiment}\u0000${a.variant}`)!;
        settings = {
          weights: own.weights ?? settings.weights,
          diversity: own.diversity ?? settings.diversity,
          explore: own.explore ?? settings.explore,
          coldStart: own.coldStart ?? settings.coldStart,
          interleave: own.interleave ?? settings.interleave,
        };
      }
      return { served, settings };
    },
  };
}

/** No experiment: the engine's own settings. */
export const NO_VARIANTS: RequestVariants = { served: [], settings: NONE };
