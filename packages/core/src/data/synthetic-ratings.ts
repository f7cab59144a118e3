import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Item } from '../domain/schemas';
import { InteractionTableBuilder, type InteractionTable } from './interaction-table';
import { createAliasSampler, createRandom } from './random';

/** Shape of a synthetic explicit-ratings dataset. */
export interface SyntheticRatingsConfig {
  users: number;
  items: number;
  /** Target number of ratings. */
  ratings: number;
  /** Minimum ratings per user (MovieLens 100k: 20). */
  minPerUser: number;
  /** Dimension of the hidden taste space. */
  latentDim: number;
  /** Number of genres (item categories). */
  genres: number;
}

/** MovieLens-100k-shaped defaults: 943 users, 1,682 items, 100,000 ratings, at least 20 per user. */
export const MOVIELENS_100K_SHAPE: Readonly<SyntheticRatingsConfig> = Object.freeze({
  users: 943,
  items: 1682,
  ratings: 100_000,
  minPerUser: 20,
  latentDim: 8,
  genres: 18,
});

/** MovieLens-1M-shaped: 6,040 users, 3,706 items, 1,000,209 ratings, at least 20 per user. */
export const MOVIELENS_1M_SHAPE: Readonly<SyntheticRatingsConfig> = Object.freeze({
  users: 6040,
  items: 3706,
  ratings: 1_000_209,
  minPerUser: 20,
  latentDim: 8,
  genres: 18,
});

/** A generated ratings dataset. */
export interface SyntheticRatings {
  ratings: InteractionTable;
  items: Item[];
}

/**
 * Generates explicit ratings with MovieLens structure: skewed item popularity and user activity,
 * users who rate what matches their hidden tastes more often, and 1–5 star ratings from a latent
 * factor model with biases and noise. Seeded; writes nothing (see {@link writeMovieLensDataset}).
 *
 * @example
 * ```ts
 * const { ratings } = generateSyntheticRatings(MOVIELENS_100K_SHAPE, { seed: 1 });
 * ```
 */
export function generateSyntheticRatings(
  config: SyntheticRatingsConfig = MOVIELENS_100K_SHAPE,
  options: { seed?: number } = {},
): SyntheticRatings {
  const rng = createRandom(options.seed ?? 42);
  const { users: U, items: I, latentDim: d } = config;
  const genreOf = new Int32Array(I);
  const itemVec = new Float64Array(I * d);
  const genreVec = new Float64Array(config.genres * d);
  for (let i = 0; i < genreVec.length; i++) genreVec[i] = rng.normal();
  const popularity = new Float64Array(I);
  const itemBias = new Float64Array(I);
  for (let i = 0; i < I; i++) {
    const g = rng.int(config.genres);
    genreOf[i] = g;
    for (let a = 0; a < d; a++) itemVec[i * d + a] = 0.7 * genreVec[g * d + a]! + 0.7 * rng.normal();
    popularity[i] = Math.exp(1.4 * rng.normal());
    itemBias[i] = 0.35 * rng.normal() + 0.15 * Math.log(popularity[i]!);
  }
  const activity = Float64Array.from({ length: U }, () => Math.exp(0.9 * rng.normal()));
  const totalActivity = activity.reduce((a, b) => a + b, 0);
  const extra = Math.max(0, config.ratings - U * config.minPerUser);
  const builder = new InteractionTableBuilder(config.ratings + U);
  const start = Date.UTC(1997, 8, 20) / 1000;
  const userVec = new Float64Array(d);
  const weights = new Float64Array(I);
  for (let u = 0; u < U; u++) {
    for (let a = 0; a < d; a++) userVec[a] = rng.normal();
    const userBias = 0.3 * rng.normal();
    const count = Math.min(I, config.minPerUser + Math.round((extra * activity[u]!) / totalActivity));
    // Which items: popularity × taste match (softmax-like), without replacement.
    for (let i = 0; i < I; i++) {
      let dot = 0;
      for (let a = 0; a < d; a++) dot += userVec[a]! * itemVec[i * d + a]!;
      weights[i] = popularity[i]! * Math.exp(0.45 * dot);
    }
    const chosen = new Set<number>();
    let sampler = createAliasSampler(weights);
    while (chosen.size < count) {
      const i = sampler(rng);
      if (chosen.has(i)) continue;
      chosen.add(i);
      if (chosen.size % 64 === 0) {
        for (const c of chosen) weights[c] = 0;
        sampler = createAliasSampler(weights);
      }
    }
    let t = start + rng.int(200 * 86_400);
    for (const i of chosen) {
      let dot = 0;
      for (let a = 0; a < d; a++) dot += userVec[a]! * itemVec[i * d + a]!;
      const raw = 3.55 + userBias + itemBias[i]! + 0.25 * dot + 0.75 * rng.normal();
      const rating = Math.min(5, Math.max(1, Math.round(raw)));
      t += rng.int(3600);
      builder.add({ userId: String(u + 1), itemId: String(i + 1), type: 'rating', rating, timestamp: t * 1000 });
    }
  }
  const items: Item[] = Array.from({ length: I }, (_, i) => ({
    id: String(i + 1),
    title: `Movie ${i + 1}`,
    category: `genre-${genreOf[i]}`,
    createdAt: 0,
  }));
  return { ratings: builder.build(), items };
}

/** Writes ratings as MovieLens `u.data` (tab-separated user, item, rating, timestamp in seconds). */
export async function writeMovieLensDataset(dir: string, data: SyntheticRatings): Promise<void> {
  await mkdir(dir, { recursive: true });
  const t = data.ratings;
  const lines: string[] = [];
  for (let i = 0; i < t.length; i++) {
    lines.push(`${t.users[t.user[i]!]}\t${t.items[t.item[i]!]}\t${t.rating[i]}\t${Math.floor(t.timestamp[i]! / 1000)}`);
  }
  await writeFile(join(dir, 'u.data'), lines.join('\n') + '\n');
}
