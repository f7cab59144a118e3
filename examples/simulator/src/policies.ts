import type { RecommenderOptions } from '@mycontent/core';
import { createExactVectorIndex } from '@mycontent/adapters/memory';
import { createContentModel, createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

type Policy = () => Omit<RecommenderOptions, 'store' | 'now'>;

const popular = () => createPopularityModel({ halfLifeMs: 12 * 3_600_000, rerankIntervalMs: 0 });
const related = () => createItemKnnModel({ similarity: 'cosine', context: 'user' });
const content = () => createContentModel({ index: (dimension) => createExactVectorIndex({ dimension }) });

/** The policies the simulator compares, by name. */
export const POLICIES: Record<string, Policy> = {
  'popular for everyone': () => ({ models: { popular: popular() } }),
  'item-kNN only': () => ({ models: { popular: popular(), related: related() }, blend: { related: 1, popular: 0 } }),
  'content only': () => ({ models: { popular: popular(), content: content() }, blend: { content: 1, popular: 0 } }),
  'hybrid (kNN 0.4 + content 0.3)': () => ({ models: { popular: popular(), related: related(), content: content() }, blend: { related: 0.4, content: 0.3, popular: 0 } }),
  'hybrid + progressive cold start + new-article exposure': () => ({
    models: { popular: popular(), related: related(), content: content() },
    blend: { related: 0.4, content: 0.3, popular: 0 },
    progressive: true,
    newArticles: true,
  }),
  'the same + diversity (MMR, lambda 0.7)': () => ({
    models: { popular: popular(), related: related(), content: content() },
    blend: { related: 0.4, content: 0.3, popular: 0 },
    progressive: true,
    newArticles: true,
    diversity: { lambda: 0.7, by: 'category' },
  }),
};
