/**
 * How the engine's objects look on the wire: snake_case names, ISO 8601 times, only JSON.
 */
import type { Comparison, Experiment, ExperimentResults, Item, ItemDetails, ItemStore, Recommendation, UserProfile } from '@mycontent/core';
import type { Account } from '../auth/accounts';

const iso = (ms: number) => new Date(ms).toISOString();

/** A recommendation as the API shows it, with the article's title and standfirst when known. */
export const recommendationView = (r: Recommendation, item?: Item) => ({
  article_id: r.itemId,
  rank: r.rank,
  score: r.score,
  source: r.source,
  ...(r.category === undefined ? {} : { category: r.category }),
  ...(item?.title === undefined ? {} : { title: item.title }),
  ...(item?.summary === undefined ? {} : { summary: item.summary }),
});

/** A list of recommendations with their articles' titles, read in one query. */
export async function withTitles(items: ItemStore, list: readonly Recommendation[]) {
  const found = list.length === 0 ? [] : await items.get(list.map((r) => r.itemId));
  return list.map((r, i) => recommendationView(r, found[i]));
}

/** A profile. */
export const profileView = (p: UserProfile) => ({
  user_id: p.userId,
  preferences: { categories: p.preferences.categories, excluded_categories: p.preferences.excludedCategories },
  category_affinity: p.categoryAffinity,
  recent_articles: p.recentItems,
  counts: p.counts as Record<string, number>,
  interaction_count: p.interactionCount,
  first_seen_at: p.interactionCount > 0 ? iso(p.firstSeenAt) : null,
  last_seen_at: p.interactionCount > 0 ? iso(p.lastSeenAt) : null,
});

/** An article and its counters. */
export const articleView = ({ item, stats }: ItemDetails) => ({
  id: item.id,
  ...(item.title === undefined ? {} : { title: item.title }),
  ...(item.summary === undefined ? {} : { summary: item.summary }),
  ...(item.body === undefined ? {} : { body: item.body }),
  ...(item.category === undefined ? {} : { category: item.category }),
  ...(item.publisher === undefined ? {} : { publisher: item.publisher }),
  created_at: new Date(item.createdAt).toISOString(),
  ...(item.wordsCount === undefined ? {} : { words_count: item.wordsCount }),
  ...(item.embedding === undefined ? {} : { embedding: item.embedding }),
  ...(item.metadata === undefined ? {} : { metadata: item.metadata }),
  stats: { views: stats.views, clicks: stats.clicks, reads: stats.reads, likes: stats.likes, dislikes: stats.dislikes, shares: stats.shares },
});

/** An account (never its password hash). */
export const accountView = (a: Account) => ({ id: a.id, email: a.email, role: a.role, created_at: a.createdAt });

/** An experiment's definition. */
export const experimentView = (x: Experiment) => ({
  key: x.key,
  status: x.status,
  coverage: x.coverage,
  variants: x.variants.map((v) => ({ key: v.key, ...(v.weight === undefined ? {} : { weight: v.weight }), ...(v.settings === undefined ? {} : { settings: v.settings }) })),
  ...(x.namespace ? { namespace: x.namespace } : {}),
});

const comparisonView = (c: Comparison) => ({
  control: c.control,
  treatment: c.treatment,
  difference: c.difference,
  relative_lift: Number.isFinite(c.relativeLift) ? c.relativeLift : null,
  interval: c.interval,
  p_value: c.pValue,
  significant: c.significant,
  method: c.method,
});

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** An experiment's results (for dashboards). */
export const experimentResultsView = (r: ExperimentResults) => ({
  experiment: r.experiment,
  control: r.control,
  variants: r.variants.map((v) => ({
    variant: v.variant,
    users: v.users,
    lists: v.lists,
    impressions: v.impressions,
    clicks: v.clicks,
    ctr: v.ctr,
    list_ctr: v.listCtr,
    clicks_per_list: v.clicksPerList,
    engagement_seconds_per_list: v.engagementSecondsPerList,
    clicks_per_user: v.clicksPerUser,
    ...(v.diversity === undefined ? {} : { diversity: v.diversity }),
    coverage: v.coverage,
    novelty: v.novelty,
  })),
  comparisons: Object.fromEntries(
    Object.entries(r.comparisons).map(([variant, metrics]) => [
      variant,
      metrics ? Object.fromEntries(Object.entries(metrics).map(([metric, c]) => [snake(metric), comparisonView(c)])) : null,
    ]),
  ),
  cuped: r.cuped ? { theta: r.cuped.theta, variance_reduction: r.cuped.varianceReduction } : null,
  interleaving: Object.fromEntries(Object.entries(r.interleaving).map(([variant, c]) => [variant, c ? comparisonView(c) : null])),
  sample_ratio: r.sampleRatio ? { observed: r.sampleRatio.observed, expected: r.sampleRatio.expected, p_value: r.sampleRatio.pValue, mismatch: r.sampleRatio.mismatch } : null,
  attribution: {
    by_list_id: r.attribution.byListId,
    by_window: r.attribution.byWindow,
    unknown_list_id: r.attribution.unknownListId,
    not_in_list: r.attribution.notInList,
    unattributed: r.attribution.unattributed,
  },
  users_in_several_variants: r.usersInSeveralVariants,
});
