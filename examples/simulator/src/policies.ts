import type { RecommenderOptions } from '@mycontent/core';
import { createExactVectorIndex } from '@mycontent/adapters/memory';
import { createContentModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

/** An engine configuration under test. */
export type Policy = () => Omit<RecommenderOptions, 'store' | 'now'>;

const popular = () => createPopularityModel({ halfLifeMs: 12 * 3_600_000, rerankIntervalMs: 0 });
const related = () => createItemKnnModel({ similarity: 'cosine', context: 'user' });
const content = () => createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) });

/**
 * Impressions are logged as `view` events (the engine's exposure tracking counts them), but being
 * shown an article says nothing about liking it: every policy gives views no weight, so models
 * learn from clicks and reads only.
 */
const impressionsAreNotInterest = { interactionWeights: { view: 0 } };

/** A blend of item-kNN and content (popularity only fills short lists). */
export const blendOf = (related_: number, content_: number): Policy => () => ({
  ...impressionsAreNotInterest,
  models: { popular: popular(), related: related(), content: content() },
  blend: { related: related_, content: content_, popular: 0 },
});

/** The mature hybrid: content carries the category taste, item-kNN the hidden style (weights tuned in this world). */
const hybrid = blendOf(0.2, 0.8);

/**
 * New-article exposure on its own, against the same hybrid without it, for the exposure world
 * (`EXPOSURE_WORLD`): does quality decide how fast an article reaches a broad audience?
 */
export const EXPOSURE_POLICIES: Record<string, Policy> = {
  'hybrid, no exposure policy': hybrid,
  'hybrid + new-article exposure (default numbers)': () => ({ ...hybrid(), newItems: true }),
  // This world's CTRs are a few percent: a 5 % reference lets the best articles score "high";
  // growth compounds hourly, so the seed's 10 %/h multiplies a weak article's reach by 10 a day.
  'hybrid + new-article exposure (CTR reference 5 %, weak articles +2 %/h)': () => ({
    ...hybrid(),
    newItems: { references: { ctr: 0.05 }, growth: { high: 0.5, mid: 0.3, low: 0.02 } },
  }),
};

/** A world with enough readers and sessions through the day for articles to reach 1,000 impressions. */
export const EXPOSURE_WORLD = { seed: 1, days: 3, initialUsers: 6_000, newUsersPerDay: 300, sessionsPerDay: 6 } as const;

/** The policies the simulator compares, by name. */
export const POLICIES: Record<string, Policy> = {
  'popular for everyone': () => ({ ...impressionsAreNotInterest, models: { popular: popular() } }),
  'item-kNN only': () => ({ ...impressionsAreNotInterest, models: { popular: popular(), related: related() }, blend: { related: 1, popular: 0 } }),
  'content only': () => ({ ...impressionsAreNotInterest, models: { popular: popular(), content: content() }, blend: { content: 1, popular: 0 } }),
  'hybrid (kNN 0.2 + content 0.8)': hybrid,
  'hybrid + progressive cold start + new-article exposure': () => ({ ...hybrid(), progressive: true, newItems: true }),
  'the same + diversity (MMR, lambda 0.7)': () => ({ ...hybrid(), progressive: true, newItems: true, diversity: { lambda: 0.7, by: 'category' } }),
};
