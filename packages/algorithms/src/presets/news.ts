import type { BlendNormalization, RankingOptions } from '@mycontent/core';
import { createItemKnnModel } from '../item-knn/item-knn';
import { createRecentPopularityModel } from '../session/recent-popularity';
import { createSessionKnnModel } from '../session/session-knn';

/** Options of {@link newsPreset}. */
export interface NewsPresetOptions {
  /** Blend weights of the three models. @default { sessions: 0.5, items: 0.5, recent: 0.1 } */
  weights?: { sessions?: number; items?: number; recent?: number };
  /** Window of the recent-popularity model, ms. @default 1 hour */
  windowMs?: number;
  /** @default 'rank' */
  normalization?: BlendNormalization;
  /** Candidates asked from each model. @default 50 */
  candidates?: number;
}

/**
 * The ranking for news streams, every model learning online: session neighbours (S-kNN, source
 * `sessions`), session co-reads (item-kNN, cosine, `items`) and what is read now (recent
 * popularity, `recent`, which also answers trending and fills short lists), blended by
 * reciprocal rank. The weights come from a replay sweep on the synthetic news log
 * (`bench/tuning/sweep-news-hybrid.ts`); see docs/models/session.md for the figures. A preset is
 * ranking options: give it to the engine or to the replay evaluation alike.
 *
 * @example
 * ```ts
 * const recommender = createRecommender({ store, ...newsPreset() });
 * const report = await evaluateReplay({ table, models: { news: () => newsPreset() } });
 * ```
 */
export function newsPreset(options: NewsPresetOptions = {}): RankingOptions {
  const w = { sessions: 0.5, items: 0.5, recent: 0.1, ...options.weights };
  return {
    models: {
      sessions: createSessionKnnModel({ variant: 'sknn' }),
      items: createItemKnnModel({ similarity: 'cosine', recencyDecay: 0.3 }),
      recent: createRecentPopularityModel(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
    },
    blend: { sessions: w.sessions, items: w.items, recent: w.recent },
    blendNormalization: options.normalization ?? 'rank',
    candidates: options.candidates ?? 50,
  };
}
