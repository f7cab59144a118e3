/**
 * Exposures: the record of one served recommendation list — who saw which items, at which
 * positions, under which experiments' variants — logged through the event bus and stored, so
 * that the feedback naming the list (its `recommendationId`) can be attributed to it.
 */
import { z } from 'zod';
import { idSchema } from '../domain/schemas';
import type { EventBus } from '../ports/event-bus';
import type { ExposureStore } from '../ports/exposure-store';

const key = z.string().min(1).max(256);

/** One served list, as logged (the payload of an exposure message). */
export const listExposureSchema = z
  .strictObject({
    /** The list's id: `RecommendationList.id`, named by feedback as `recommendationId`. */
    id: idSchema,
    /** The user it was served to (none for anonymous requests). */
    userId: idSchema.optional(),
    /** When it was served (epoch ms, the engine's clock). */
    servedAt: z.number().nonnegative().refine(Number.isFinite, 'must be finite'),
    /** The experiments and variants it was served under. */
    experiments: z.array(z.strictObject({ experiment: key, variant: key })).max(100),
    /** The item ids shown, position 1 first. */
    items: z.array(idSchema).max(1000),
    /** Each item's source (a model name, `explore:fresh`...), position by position. */
    sources: z.array(z.string().max(256)).max(1000),
    /**
     * Each item's chance of being in the list, position by position: 1 for items the models
     * ranked, the draw probability for items chosen at random (exploration).
     */
    propensities: z.array(z.number().min(0).max(1)).max(1000),
    /** In an interleaved list, the ranker that placed each item (`null` for items neither placed: exploration, new items). */
    teams: z.array(z.enum(['a', 'b']).nullable()).max(1000).optional(),
    /** The phase that produced the list. */
    phase: z.enum(['personalized', 'learning', 'cold-start']),
    /** Whether it came from the cache. */
    cached: z.boolean(),
  })
  .superRefine((x, context) => {
    if (x.sources.length !== x.items.length) context.addIssue({ code: 'custom', path: ['sources'], message: `holds ${x.sources.length} sources for ${x.items.length} items` });
    if (x.propensities.length !== x.items.length) context.addIssue({ code: 'custom', path: ['propensities'], message: `holds ${x.propensities.length} propensities for ${x.items.length} items` });
    if (x.teams && x.teams.length !== x.items.length) context.addIssue({ code: 'custom', path: ['teams'], message: `holds ${x.teams.length} teams for ${x.items.length} items` });
  });

/** One served list, as logged. */
export type ListExposure = z.output<typeof listExposureSchema>;

/** Where the engine logs the lists it serves: a bus and a topic (consumed by `createExposureRecorder`). */
export interface ExposureLog {
  bus: EventBus;
  topic: string;
  /**
   * The store the recorder writes the exposures to: a user's data export includes their stored
   * exposures, an erasure removes them (the topic's messages are erased either way).
   */
  store?: ExposureStore;
  /**
   * `buffered`: exposures are published in batches, off the request path (a crash loses at most
   * what was buffered; call `recommender.flush()` on shutdown). `awaited`: each `recommend()`
   * resolves once its exposure is published. @default 'buffered'
   */
  delivery?: 'buffered' | 'awaited';
  /** Longest time an exposure stays buffered, ms. @default 50 */
  flushIntervalMs?: number;
  /** Buffered exposures past which a request waits for a flush. @default 10_000 */
  maxBuffered?: number;
}
