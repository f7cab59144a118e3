import { z } from 'zod';

const share = z.number().min(0, 'must not be negative').max(1, 'must be at most 1');

/**
 * Progressive profiling of new users, as engine options (every number a default):
 * - **onboarding** (no history): `preferred` of the list popular in the user's declared
 *   categories, `popular` popular overall, `explore` fresh articles to learn from (shares are
 *   normalised to sum to 1; without declared categories the preferred share goes to popular);
 * - **learning** (fewer than `interactions` interactions): interactions weigh `earlyWeight` times
 *   in the profile, the list blends the models with what is popular in the user's strongest
 *   categories (fading as interactions accumulate), and explores at `exploreStart` minus
 *   `exploreStep` per interaction, never under `exploreFloor`;
 * - **mature**: the models' blend, with `explore` of the list for exploration.
 * Exploration draws from the `explorePool` newest articles, seeded per user and state.
 */
export const progressiveSchema = z.object({
  onboarding: z
    .object({ preferred: share.default(0.6), popular: share.default(0.3), explore: share.default(0.1) })
    .default({ preferred: 0.6, popular: 0.3, explore: 0.1 })
    .refine((o) => o.preferred + o.popular + o.explore > 0, 'shares must not all be 0'),
  learning: z
    .object({
      interactions: z.number().int().min(0).default(10),
      earlyWeight: z.number().min(0).max(100).default(2),
      exploreStart: share.default(0.3),
      exploreStep: share.default(0.05),
      exploreFloor: share.default(0.1),
    })
    .default({ interactions: 10, earlyWeight: 2, exploreStart: 0.3, exploreStep: 0.05, exploreFloor: 0.1 }),
  mature: z.object({ explore: share.default(0.1) }).default({ explore: 0.1 }),
  explorePool: z.number().int().min(1).max(100_000).default(200),
  seed: z.number().int().default(42),
});

/** Progressive profiling options, as accepted (see {@link progressiveSchema}). */
export type ProgressiveOptions = z.input<typeof progressiveSchema>;
/** Progressive profiling options, parsed. */
export type ProgressivePolicy = z.output<typeof progressiveSchema>;

/** Share of a learning-phase list given to exploration after `count` interactions. */
export function learningExploreShare(policy: ProgressivePolicy, count: number): number {
  const { exploreStart, exploreStep, exploreFloor } = policy.learning;
  return Math.max(exploreFloor, exploreStart - exploreStep * count);
}

/**
 * Places `extra` among `main` at evenly spread ranks (not all at the bottom, where nobody looks):
 * with `length` results and `k` extras, extra j goes to rank ⌊(j + 1) · length / (k + 1)⌋.
 */
export function interleave<T>(main: readonly T[], extra: readonly T[], n: number): T[] {
  const length = Math.min(n, main.length + extra.length);
  const slots = Math.min(extra.length, length);
  const positions = new Set<number>();
  for (let j = 0; j < slots; j++) positions.add(Math.floor(((j + 1) * length) / (slots + 1)));
  const out: T[] = [];
  let m = 0;
  let e = 0;
  for (let p = 0; p < length; p++) {
    if ((positions.has(p) && e < slots) || m >= main.length) out.push(extra[e++]!);
    else out.push(main[m++]!);
  }
  return out;
}
