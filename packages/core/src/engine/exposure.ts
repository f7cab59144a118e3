import { z } from 'zod';
import type { ItemStats } from '../domain/schemas';

const share = z.number().min(0, 'must not be negative').max(1, 'must be at most 1');

/**
 * Bootstrapping and progressive exposure of new items (every number a default): an item younger
 * than `maxAgeMs` is shown, in `slots` places of a list, to users whose history holds one of its
 * `similar` most similar items (by content), until its impressions (`views`) reach its reach.
 * The reach starts at `initialReach`; once the item has `minViews` impressions, it grows every
 * `expansionIntervalMs` of the item's age by a rate chosen from its quality score (0.4 CTR + 0.3
 * read time + 0.2 share rate + 0.1 like rate, each normalised by its reference and capped at 1):
 * above `thresholds.high` by `growth.high`, above `thresholds.mid` by `growth.mid`, else by
 * `growth.low` — so a good article reaches a broad audience within hours and a weak one stays
 * limited.
 */
export const exposureSchema = z.object({
  maxAgeMs: z.number().positive().default(48 * 3_600_000),
  initialReach: z.number().int().min(1).default(100),
  similar: z.number().int().min(1).max(1000).default(20),
  slots: z.number().int().min(1).max(10).default(1),
  weights: z
    .object({ ctr: share.default(0.4), readTime: share.default(0.3), shareRate: share.default(0.2), likeRate: share.default(0.1) })
    .default({ ctr: 0.4, readTime: 0.3, shareRate: 0.2, likeRate: 0.1 }),
  references: z
    .object({
      ctr: z.number().positive().default(0.1),
      readSeconds: z.number().positive().default(120),
      shareRate: z.number().positive().default(0.05),
      likeRate: z.number().positive().default(0.1),
    })
    .default({ ctr: 0.1, readSeconds: 120, shareRate: 0.05, likeRate: 0.1 }),
  thresholds: z.object({ high: share.default(0.7), mid: share.default(0.5) }).default({ high: 0.7, mid: 0.5 }),
  growth: z.object({ high: z.number().min(0).default(0.5), mid: z.number().min(0).default(0.3), low: z.number().min(0).default(0.1) }).default({ high: 0.5, mid: 0.3, low: 0.1 }),
  expansionIntervalMs: z.number().positive().default(3_600_000),
  minViews: z.number().int().min(1).default(50),
  /** How long the statistics read for exposure decisions are reused, ms. */
  statsTtlMs: z.number().min(0).default(5_000),
});

/** New-item exposure options, as accepted (see {@link exposureSchema}). */
export type NewItemOptions = z.input<typeof exposureSchema>;
/** @deprecated Renamed {@link NewItemOptions}; this name goes in the next minor version. */
export type NewArticleOptions = NewItemOptions;
/** New-item exposure options, parsed. */
export type ExposurePolicy = z.output<typeof exposureSchema>;

/**
 * The quality score of an item from its statistics, in [0, 1]: CTR = clicks / views, read time =
 * read seconds / reads, share and like rates per click, each divided by its reference and capped
 * at 1, then weighted.
 */
export function itemQualityScore(stats: ItemStats, policy: ExposurePolicy): number {
  const cap = (x: number) => Math.min(1, Math.max(0, x));
  const { weights: w, references: r } = policy;
  const ctr = stats.views > 0 ? stats.clicks / stats.views : 0;
  const readTime = stats.reads > 0 ? stats.readSeconds / stats.reads : 0;
  const shareRate = stats.clicks > 0 ? stats.shares / stats.clicks : 0;
  const likeRate = stats.clicks > 0 ? stats.likes / stats.clicks : 0;
  return w.ctr * cap(ctr / r.ctr) + w.readTime * cap(readTime / r.readSeconds) + w.shareRate * cap(shareRate / r.shareRate) + w.likeRate * cap(likeRate / r.likeRate);
}

/** The growth rate of an item's reach for its quality score. */
export function expansionRate(score: number, policy: ExposurePolicy): number {
  if (score > policy.thresholds.high) return policy.growth.high;
  if (score > policy.thresholds.mid) return policy.growth.mid;
  return policy.growth.low;
}

/**
 * An item's current reach: `initialReach` until it has `minViews` impressions, then
 * `initialReach · (1 + rate)^intervals`, with `rate` = {@link expansionRate} of its quality score and
 * `intervals` the whole `expansionIntervalMs` of its age. Derived from its statistics and age alone,
 * so every service instance computes the same value with no extra shared state.
 */
export function itemReach(stats: ItemStats, ageMs: number, policy: ExposurePolicy): number {
  if (stats.views < policy.minViews) return policy.initialReach;
  const rate = expansionRate(itemQualityScore(stats, policy), policy);
  const intervals = Math.max(0, Math.floor(ageMs / policy.expansionIntervalMs));
  return Math.floor(policy.initialReach * (1 + rate) ** intervals);
}

/** @deprecated Renamed {@link itemQualityScore}; this name goes in the next minor version. */
export const articleQualityScore = itemQualityScore;
/** @deprecated Renamed {@link itemReach}; this name goes in the next minor version. */
export const articleReach = itemReach;
