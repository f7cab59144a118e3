/**
 * The experiment assigner: which variant of which experiment a user is in. Deterministic (the same
 * user, experiment and settings always give the same variant, on every process), compatible with
 * GrowthBook's bucketing, with traffic coverage, mutually exclusive experiments through namespaces,
 * a global holdout, forced variants for QA and start / stop times.
 */
import { z } from 'zod';
import { MyContentError } from '../errors/error';
import { parseInput } from '../domain/validate';
import type { AssignmentStore } from '../ports/assignment-store';
import { bucketOf, bucketRanges, inNamespaceSlice, variantAt, type BucketRange } from './buckets';

const SOURCE = 'experiments';
const key = z.string().min(1).max(256);

/** One variant: its key, its share of the experiment's traffic, and what it changes. */
const variantSchema = z.strictObject({
  key,
  /** Share of the covered traffic; all variants give one or none does (equal shares). */
  weight: z.number().min(0).max(1).optional(),
  /** What the variant changes, read by the host (engine settings, copy, layout...). */
  settings: z.record(z.string(), z.unknown()).optional(),
});

/** An experiment, as a host defines it. */
export const experimentSchema = z
  .strictObject({
    key,
    variants: z.array(variantSchema).min(1, 'an experiment needs at least one variant'),
    /** Share of eligible users who enter the experiment, 0–1. @default 1 */
    coverage: z.number().min(0).max(1).default(1),
    /** Hash seed. @default the experiment key */
    seed: z.string().min(1).max(256).optional(),
    /** GrowthBook hash version. @default 2 */
    hashVersion: z.union([z.literal(1), z.literal(2)]).default(2),
    /** Namespace slice `[name, start, end)`: experiments of one namespace with disjoint slices share no user. */
    namespace: z.tuple([key, z.number().min(0).max(1), z.number().min(0).max(1)]).optional(),
    /** `running` assigns; `draft` and `stopped` assign nobody (forced users excepted). @default 'running' */
    status: z.enum(['draft', 'running', 'stopped']).default('running'),
    /** Assigns nobody before this time (epoch ms). */
    startAt: z.number().nonnegative().optional(),
    /** Assigns nobody from this time on (epoch ms). */
    endAt: z.number().nonnegative().optional(),
    /** Users pinned to a variant (QA), by user id. */
    forced: z.record(z.string(), key).optional(),
  })
  .superRefine((experiment, context) => {
    const weights = experiment.variants.map((v) => v.weight);
    const given = weights.filter((w) => w !== undefined).length;
    if (given > 0 && given < weights.length) {
      context.addIssue({ code: 'custom', path: ['variants'], message: 'give every variant a weight, or none (equal shares)' });
    } else if (given > 0) {
      const total = weights.reduce<number>((sum, w) => sum + w!, 0);
      if (Math.abs(total - 1) > 1e-6) context.addIssue({ code: 'custom', path: ['variants', 'weight'], message: `variant weights must sum to 1, got ${total}` });
    }
    const keys = new Set<string>();
    experiment.variants.forEach((v, i) => {
      if (keys.has(v.key)) context.addIssue({ code: 'custom', path: ['variants', i, 'key'], message: `variant key ${JSON.stringify(v.key)} appears twice` });
      keys.add(v.key);
    });
    for (const [user, variant] of Object.entries(experiment.forced ?? {})) {
      if (!keys.has(variant)) context.addIssue({ code: 'custom', path: ['forced', user], message: `unknown variant ${JSON.stringify(variant)}` });
    }
    if (experiment.namespace && experiment.namespace[1] >= experiment.namespace[2]) {
      context.addIssue({ code: 'custom', path: ['namespace'], message: 'the namespace slice must start before it ends' });
    }
    if (experiment.startAt !== undefined && experiment.endAt !== undefined && experiment.startAt >= experiment.endAt) {
      context.addIssue({ code: 'custom', path: ['endAt'], message: 'an experiment must end after it starts' });
    }
  });

/** An experiment definition as given (defaults optional). */
export type ExperimentInput = z.input<typeof experimentSchema>;
/** An experiment definition with its defaults applied. */
export type Experiment = z.output<typeof experimentSchema>;

/** A global holdout: this share of users enters no experiment at all. */
export interface HoldoutOptions {
  /** Share of users held out, 0–1. */
  share: number;
  /** Hash seed of the holdout. @default 'holdout' */
  seed?: string;
}

/** Options of {@link createExperimentAssigner}. */
export interface ExperimentAssignerOptions {
  experiments: readonly ExperimentInput[];
  holdout?: HoldoutOptions;
  /** The clock for `startAt` / `endAt`. @default Date.now */
  now?: () => number;
  /**
   * Where sticky assignments live: with it, {@link ExperimentAssigner.assignSticky} gives a user
   * the variant they were first given, whatever the weights, coverage, namespace or holdout say now.
   */
  sticky?: AssignmentStore;
}

/** Why a user got (or did not get) a variant. */
export type AssignmentReason = 'forced' | 'sticky' | 'hashed' | 'not-running' | 'holdout' | 'outside-namespace' | 'outside-coverage';

/** The outcome of one assignment. */
export interface Assignment {
  experiment: string;
  /** The variant key, or `null` when the user is not in the experiment. */
  variant: string | null;
  /** The variant's index, -1 when not in the experiment. */
  index: number;
  /** What the variant changes (its `settings`), empty when not in the experiment. */
  settings: Record<string, unknown>;
  reason: AssignmentReason;
  /** The user's bucket in [0, 1) for this experiment (`null` when not hashed). */
  bucket: number | null;
}

/** Assigns users to the variants of a fixed set of experiments. */
export interface ExperimentAssigner {
  /** The experiments, with their defaults applied. */
  readonly experiments: readonly Experiment[];
  /** The store of sticky assignments (the `sticky` option), if any. */
  readonly sticky: AssignmentStore | undefined;
  /** The variant of `experiment` for `userId`. Unknown experiment keys are an INVALID_INPUT error. */
  assign(experiment: string, userId: string): Assignment;
  /** Every experiment's assignment for `userId` that put them in a variant. */
  assignAll(userId: string): Assignment[];
  /**
   * Like {@link ExperimentAssigner.assign}, through the `sticky` store: a user keeps the first
   * variant recorded for a running experiment (reason `sticky`), even after its weights change;
   * a new assignment is recorded (the first writer wins when processes race). Forced users and
   * stopped experiments are answered as by `assign`. Needs the `sticky` option.
   */
  assignSticky(experiment: string, userId: string): Promise<Assignment>;
}

/**
 * Creates an assigner over `experiments`, validated once: weights that do not sum to 1, an
 * experiment without variants, duplicate keys, forced users on unknown variants and overlapping
 * slices of one namespace are errors naming the field.
 *
 * @example
 * ```ts
 * const experiments = createExperimentAssigner({
 *   experiments: [{
 *     key: 'blend-weight',
 *     variants: [
 *       { key: 'control', weight: 0.5 },
 *       { key: 'more-content', weight: 0.25, settings: { blend: { content: 0.5 } } },
 *       { key: 'less-content', weight: 0.25, settings: { blend: { content: 0.1 } } },
 *     ],
 *   }],
 * });
 * experiments.assign('blend-weight', 'u42'); // { variant: 'more-content', reason: 'hashed', ... }
 * ```
 */
export function createExperimentAssigner(options: ExperimentAssignerOptions): ExperimentAssigner {
  const { experiments } = parseInput(z.object({ experiments: z.array(experimentSchema) }), { experiments: options.experiments }, 'experiments', SOURCE);
  const holdout = options.holdout;
  if (holdout && !(holdout.share >= 0 && holdout.share <= 1)) {
    throw new MyContentError('INVALID_INPUT', `holdout.share must be within 0–1, got ${holdout.share}`, { source: SOURCE, field: 'holdout.share', value: holdout.share });
  }
  const now = options.now ?? Date.now;
  const byKey = new Map<string, { experiment: Experiment; ranges: BucketRange[] }>();
  experiments.forEach((experiment, i) => {
    if (byKey.has(experiment.key)) {
      throw new MyContentError('INVALID_INPUT', `experiment key ${JSON.stringify(experiment.key)} appears twice`, { source: SOURCE, field: `experiments.${i}.key`, value: experiment.key });
    }
    const weights = experiment.variants.every((v) => v.weight !== undefined) ? experiment.variants.map((v) => v.weight!) : undefined;
    byKey.set(experiment.key, { experiment, ranges: bucketRanges(experiment.variants.length, experiment.coverage, weights) });
  });
  // Experiments of one namespace must hold disjoint slices, or a user could be in both.
  experiments.forEach((a, i) => {
    experiments.forEach((b, j) => {
      if (j <= i || !a.namespace || !b.namespace || a.namespace[0] !== b.namespace[0]) return;
      if (a.namespace[1] < b.namespace[2] && b.namespace[1] < a.namespace[2]) {
        throw new MyContentError('INVALID_INPUT', `experiments ${JSON.stringify(a.key)} and ${JSON.stringify(b.key)} overlap in namespace ${JSON.stringify(a.namespace[0])}`, {
          source: SOURCE,
          field: `experiments.${j}.namespace`,
          value: b.namespace,
        });
      }
    });
  });

  const outside = (experiment: string, reason: AssignmentReason, bucket: number | null = null): Assignment => ({ experiment, variant: null, index: -1, settings: {}, reason, bucket });
  const inside = (experiment: Experiment, index: number, reason: AssignmentReason, bucket: number | null): Assignment => ({
    experiment: experiment.key,
    variant: experiment.variants[index]!.key,
    index,
    settings: experiment.variants[index]!.settings ?? {},
    reason,
    bucket,
  });

  function assign(experimentKey: string, userId: string): Assignment {
    const entry = byKey.get(experimentKey);
    if (!entry) throw new MyContentError('INVALID_INPUT', `unknown experiment ${JSON.stringify(experimentKey)}`, { source: SOURCE, field: 'experiment', value: experimentKey });
    const { experiment, ranges } = entry;
    const forced = experiment.forced && Object.hasOwn(experiment.forced, userId) ? experiment.forced[userId] : undefined;
    if (forced !== undefined) return inside(experiment, experiment.variants.findIndex((v) => v.key === forced), 'forced', null);
    const t = now();
    if (experiment.status !== 'running' || (experiment.startAt !== undefined && t < experiment.startAt) || (experiment.endAt !== undefined && t >= experiment.endAt)) {
      return outside(experiment.key, 'not-running');
    }
    if (holdout && holdout.share > 0 && bucketOf(holdout.seed ?? 'holdout', userId, 2)! < holdout.share) return outside(experiment.key, 'holdout');
    if (experiment.namespace && !inNamespaceSlice(userId, experiment.namespace)) return outside(experiment.key, 'outside-namespace');
    const bucket = bucketOf(experiment.seed ?? experiment.key, userId, experiment.hashVersion)!;
    const index = variantAt(bucket, ranges);
    return index < 0 ? outside(experiment.key, 'outside-coverage', bucket) : inside(experiment, index, 'hashed', bucket);
  }

  async function assignSticky(experimentKey: string, userId: string): Promise<Assignment> {
    const store = options.sticky;
    if (!store) throw new MyContentError('INVALID_CONFIG', 'assignSticky needs the sticky option (an AssignmentStore)', { source: SOURCE, field: 'sticky' });
    const fresh = assign(experimentKey, userId);
    if (fresh.reason === 'forced' || fresh.reason === 'not-running') return fresh;
    const { experiment } = byKey.get(experimentKey)!;
    const recorded = (await store.get(userId))[experimentKey];
    const index = recorded === undefined ? -1 : experiment.variants.findIndex((v) => v.key === recorded);
    if (index >= 0) return inside(experiment, index, 'sticky', fresh.bucket);
    if (fresh.variant === null) return fresh;
    // Record it; if another process recorded a variant first, theirs stands.
    const kept = (await store.remember(userId, { [experimentKey]: fresh.variant }))[experimentKey];
    const keptIndex = experiment.variants.findIndex((v) => v.key === kept);
    return keptIndex === fresh.index || keptIndex < 0 ? fresh : inside(experiment, keptIndex, 'sticky', fresh.bucket);
  }

  return {
    experiments,
    sticky: options.sticky,
    assign,
    assignAll: (userId) => experiments.map((e) => assign(e.key, userId)).filter((a) => a.variant !== null),
    assignSticky,
  };
}
