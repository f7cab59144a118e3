import { createLearnedRanking, type BlendNormalization, type LearnedRankingOptions, type RankingOptions } from '@mycontent/core';
import { createItemKnnModel } from '../item-knn/item-knn';
import { createRecentPopularityModel } from '../session/recent-popularity';
import { createSessionKnnModel, type SessionKnnOptions } from '../session/session-knn';

/** Options of {@link newsPreset}. */
export interface NewsPresetOptions {
  /** Blend weights of the three models. @default { sessions: 1, items: 0.25, recent: 0.1 } */
  weights?: { sessions?: number; items?: number; recent?: number };
  /** Window of the recent-popularity model, ms. @default 1 hour */
  windowMs?: number;
  /** @default 'rank' */
  normalization?: BlendNormalization;
  /** Candidates asked from each model. @default 50 */
  candidates?: number;
  /**
   * Options of the session-neighbour model (`sessions`), over the preset's own.
   * @default V-STAN, 200 neighbours, tuned on real news clicks — see NEWS_SESSION_OPTIONS
   */
  sessions?: SessionKnnOptions;
  /**
   * Rank the blended candidates with a learned ranking stage trained online from clicks
   * (`true`, or its options), instead of by the blend alone. @default false
   */
  learned?: boolean | LearnedRankingOptions;
}

/**
 * The preset's session neighbours: V-STAN, 200 neighbours, neighbours aged over 1.6 hours, votes
 * close to the shared item and neighbours matched on the last clicks, no IDF weighting — found by
 * `tune --model vstan` on a validation period of real news clicks (docs/models/session.md).
 */
export const NEWS_SESSION_OPTIONS: Readonly<SessionKnnOptions> = {
  variant: 'vstan',
  neighbors: 200,
  queryDecay: 2,
  neighbourAgeMs: 5_760_000,
  positionDecay: 0.86,
  matchDecay: 0.6,
  idfWeight: 0,
  idf: false,
};

/**
 * The ranking for news streams, every model learning online: time-aware session neighbours
 * (V-STAN, source `sessions`), session co-reads (item-kNN, cosine, `items`) and what is read now
 * (recent popularity, `recent`, which also answers trending and fills short lists), blended by
 * reciprocal rank. The session options and the weights were chosen by replaying a validation
 * window of real news clicks; docs/models/session.md gives the figures and the commands. A preset
 * is ranking options: give it to the engine or to the replay evaluation alike.
 *
 * @example
 * ```ts
 * const recommender = createRecommender({ store, ...newsPreset() });
 * const report = await evaluateReplay({ table, models: { news: () => newsPreset() } });
 * ```
 */
export function newsPreset(options: NewsPresetOptions = {}): RankingOptions {
  const w = { sessions: 1, items: 0.25, recent: 0.1, ...options.weights };
  return {
    models: {
      sessions: createSessionKnnModel({ ...NEWS_SESSION_OPTIONS, ...options.sessions }),
      items: createItemKnnModel({ similarity: 'cosine', recencyDecay: 0.3 }),
      recent: createRecentPopularityModel(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
    },
    blend: { sessions: w.sessions, items: w.items, recent: w.recent },
    blendNormalization: options.normalization ?? 'rank',
    candidates: options.candidates ?? 50,
    ...(options.learned ? { learnedRanking: createLearnedRanking(options.learned === true ? {} : options.learned) } : {}),
  };
}
