/**
 * How the engine's objects look on the wire: snake_case names, ISO 8601 times, only JSON.
 */
import type { ItemDetails, Recommendation, UserProfile } from '@mycontent/core';
import type { Account } from '../auth/accounts';

const iso = (ms: number) => new Date(ms).toISOString();

/** A recommendation as the API shows it. */
export const recommendationView = (r: Recommendation) => ({
  article_id: r.itemId,
  rank: r.rank,
  score: r.score,
  source: r.source,
  ...(r.category === undefined ? {} : { category: r.category }),
});

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
