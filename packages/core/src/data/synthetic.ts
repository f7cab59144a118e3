import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Item } from '../domain/schemas';
import { MyContentError, describeValue } from '../errors/error';
import type { Progress } from '../model/contract';
import { GLOBO_ARTICLE_COLUMNS, GLOBO_CLICK_COLUMNS } from './globo';
import { InteractionTableBuilder, type InteractionTable } from './interaction-table';
import { writeNpyMatrix, type EmbeddingMatrix } from './npy';
import { createAliasSampler, createRandom, type Random } from './random';

/** Shape of a synthetic news dataset. */
export interface SyntheticNewsConfig {
  seed: number;
  articles: number;
  categories: number;
  publishers: number;
  users: number;
  /** Target number of clicks (the result is within a few percent). */
  clicks: number;
  /** Embedding dimension. */
  dim: number;
  /** Length of the click window, days. */
  days: number;
  /** Start of the click window (epoch ms). @default `days` before the `end` option of {@link generateSyntheticNews} */
  start: number;
  /** Share of articles published during the click window (the rest is an older archive). */
  freshShare: number;
  /** Mean age of a clicked article, hours: freshness decays within hours. */
  freshnessHours: number;
  /** Share of clicks that go to archive articles regardless of age. */
  evergreenShare: number;
  /** Mean session size (every session has at least 2 clicks, as in the Globo log). */
  sessionMean: number;
  /** Probability that the next click of a session stays in the same category. */
  topicStickiness: number;
  /** Probability that a session topic comes from the user's preferred categories. */
  preferenceStrength: number;
}

/** The three built-in scales: `tiny` for tests, `demo` for the quickstart, `full` for Globo-scale benchmarks. */
export type SyntheticScale = 'tiny' | 'demo' | 'full';

const BASE = {
  freshnessHours: 5,
  evergreenShare: 0.03,
  sessionMean: 2.9,
  topicStickiness: 0.75,
  preferenceStrength: 0.85,
};

/** Configurations of the built-in scales. `full` matches the Globo.com log's size. */
export const SYNTHETIC_SCALES: Readonly<Record<SyntheticScale, Omit<SyntheticNewsConfig, 'seed' | 'start'>>> = Object.freeze({
  tiny: { ...BASE, articles: 600, categories: 12, publishers: 2, users: 300, clicks: 6_000, dim: 16, days: 3, freshShare: 0.6 },
  demo: { ...BASE, articles: 20_000, categories: 80, publishers: 3, users: 8_000, clicks: 150_000, dim: 32, days: 7, freshShare: 0.3 },
  full: {
    ...BASE,
    articles: 364_047,
    categories: 461,
    publishers: 3,
    users: 322_897,
    clicks: 2_988_181,
    dim: 250,
    days: 16,
    freshShare: 0.14,
  },
});

/** A generated dataset, with the hidden structure it was drawn from. */
export interface SyntheticNews {
  config: SyntheticNewsConfig;
  /** Articles, ids `0..n-1` in publication order. */
  items: Item[];
  embeddings: EmbeddingMatrix;
  /** Clicks in session order (sessions sorted by start). */
  clicks: InteractionTable;
  /** Session start per session index of `clicks.sessions` (epoch ms). */
  sessionStart: Float64Array;
  /** Six context codes per user: environment, device group, OS, country, region, referrer type. */
  userContext: Uint8Array;
  /** Preferred category codes per user (hidden truth). */
  userPreferences: number[][];
  /** Latent quality per article (hidden truth). */
  quality: Float32Array;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Options of {@link generateSyntheticNews}. */
export interface SyntheticNewsOptions {
  /** @default 42 */
  seed?: number;
  /**
   * When the click window ends (epoch ms, `Date` or ISO string), unless the configuration gives
   * its `start`. @default the start of the current UTC day
   */
  end?: number | Date | string;
  onProgress?: (progress: Progress) => void;
}

/**
 * Generates a synthetic news dataset with the structure of the Globo.com log: hundreds of
 * categories with Zipf sizes, lognormal article quality (skewed popularity), freshness that decays
 * within hours (clicked articles are mostly a few hours old), users with a few preferred
 * categories and skewed activity, sessions of several clicks that tend to stay on topic, and
 * embeddings clustered by category. The same seed (and the same `end`) gives the same dataset; by
 * default the log ends at the start of the current day.
 *
 * @example
 * ```ts
 * const news = generateSyntheticNews('tiny', { seed: 7 });
 * news.clicks.length; // about 6,000
 * ```
 */
export function generateSyntheticNews(
  scale: SyntheticScale | (Omit<SyntheticNewsConfig, 'seed' | 'start'> & { start?: number }),
  options: SyntheticNewsOptions = {},
): SyntheticNews {
  const base = typeof scale === 'string' ? SYNTHETIC_SCALES[scale] : scale;
  if (!base) {
    throw new MyContentError('INVALID_INPUT', `unknown scale ${JSON.stringify(scale)} (expected tiny, demo or full)`, {
      source: 'synthetic',
      field: 'scale',
      value: scale,
    });
  }
  // The log ends at `end` (the start of the current UTC day by default), so that a demo's clicks
  // are recent: time-decayed trending and freshness read them as a live site would.
  const end = options.end === undefined ? Math.floor(Date.now() / DAY) * DAY : new Date(options.end).getTime();
  if (!Number.isFinite(end)) throw new MyContentError('INVALID_INPUT', `end must be a time, got ${describeValue(options.end)}`, { source: 'synthetic', field: 'end', value: options.end });
  const start = (base as { start?: number }).start ?? end - base.days * DAY;
  const config: SyntheticNewsConfig = { ...base, start, seed: options.seed ?? 42 };
  const progress = options.onProgress ?? (() => {});
  const root = createRandom(config.seed);
  const rngArticles = root.fork();
  const rngEmbeddings = root.fork();
  const rngUsers = root.fork();
  const rngClicks = root.fork();
  const { articles: N, categories: C, users: U, dim } = config;
  const windowEnd = config.start + config.days * 24 * HOUR;

  // Categories: Zipf sizes.
  const categoryWeight = Float64Array.from({ length: C }, (_, c) => 1 / Math.pow(c + 1, 1.1));
  const pickCategory = createAliasSampler(categoryWeight);
  const publisherWeight = Float64Array.from({ length: config.publishers }, (_, p) => 1 / Math.pow(p + 1, 2));
  const pickPublisher = createAliasSampler(publisherWeight);

  // Articles: publication time (fresh ones inside the window), category, quality, length.
  const freshFrom = config.start - 2 * 24 * HOUR;
  const archiveFrom = config.start - 3 * 365 * 24 * HOUR;
  const created = new Float64Array(N);
  for (let a = 0; a < N; a++) {
    created[a] =
      rngArticles.next() < config.freshShare
        ? freshFrom + rngArticles.next() * (windowEnd - freshFrom)
        : archiveFrom + rngArticles.next() * (freshFrom - archiveFrom);
  }
  created.sort();
  const category = new Int32Array(N);
  const publisher = new Int32Array(N);
  const quality = new Float32Array(N);
  const words = new Int32Array(N);
  for (let a = 0; a < N; a++) {
    created[a] = Math.floor(created[a]!);
    category[a] = pickCategory(rngArticles);
    publisher[a] = pickPublisher(rngArticles);
    quality[a] = Math.exp(1.5 * rngArticles.normal());
    words[a] = Math.max(20, Math.round(Math.exp(5.2 + 0.45 * rngArticles.normal())));
  }
  progress({ phase: 'articles', done: N, total: N });

  // Embeddings: a centroid per category plus article noise.
  const centroids = new Float32Array(C * dim);
  for (let i = 0; i < centroids.length; i++) centroids[i] = rngEmbeddings.normal();
  const data = new Float32Array(N * dim);
  for (let a = 0; a < N; a++) {
    const c = category[a]! * dim;
    const o = a * dim;
    for (let d = 0; d < dim; d++) data[o + d] = 0.25 * (centroids[c + d]! + 0.7 * rngEmbeddings.normal());
    if ((a & 0xffff) === 0) progress({ phase: 'embeddings', done: a, total: N });
  }

  // Fresh articles by (category, publication hour) with cumulative quality; archive by category.
  const hours = Math.ceil((windowEnd - freshFrom) / HOUR) + 1;
  const bucketOf = (a: number) => category[a]! * hours + Math.floor((created[a]! - freshFrom) / HOUR);
  const bucketStart = new Int32Array(C * hours + 1);
  const archiveStart = new Int32Array(C + 1);
  for (let a = 0; a < N; a++) {
    if (created[a]! >= freshFrom) bucketStart[bucketOf(a) + 1]!++;
    else archiveStart[category[a]! + 1]!++;
  }
  for (let i = 0; i < C * hours; i++) bucketStart[i + 1]! += bucketStart[i]!;
  for (let c = 0; c < C; c++) archiveStart[c + 1]! += archiveStart[c]!;
  const bucketItems = new Int32Array(bucketStart[C * hours]!);
  const bucketCum = new Float64Array(bucketItems.length);
  const archiveItems = new Int32Array(archiveStart[C]!);
  const archiveCum = new Float64Array(archiveItems.length);
  {
    const fillB = bucketStart.slice(0, C * hours);
    const fillA = archiveStart.slice(0, C);
    for (let a = 0; a < N; a++) {
      if (created[a]! >= freshFrom) bucketItems[fillB[bucketOf(a)]!++] = a;
      else archiveItems[fillA[category[a]!]!++] = a;
    }
    const cumulate = (items: Int32Array, cum: Float64Array, starts: Int32Array, groups: number) => {
      for (let g = 0; g < groups; g++) {
        let total = 0;
        for (let i = starts[g]!; i < starts[g + 1]!; i++) cum[i] = total += quality[items[i]!]!;
      }
    };
    cumulate(bucketItems, bucketCum, bucketStart, C * hours);
    cumulate(archiveItems, archiveCum, archiveStart, C);
  }
  const sampleIn = (items: Int32Array, cum: Float64Array, from: number, to: number, rng: Random): number => {
    if (from >= to) return -1;
    const base = from > 0 ? cum[from - 1]! : 0;
    const target = base + rng.next() * (cum[to - 1]! - base);
    let lo = from;
    let hi = to - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
  const sampleArchive = (c: number, rng: Random): number => {
    const a = sampleIn(archiveItems, archiveCum, archiveStart[c]!, archiveStart[c + 1]!, rng);
    if (a >= 0) return a;
    return archiveItems.length > 0 ? archiveItems[rng.int(archiveItems.length)]! : rng.int(N);
  };
  const sampleArticle = (c: number, t: number, rng: Random): number => {
    if (rng.next() < config.evergreenShare) return sampleArchive(c, rng);
    const age = rng.exponential(config.freshnessHours * HOUR);
    let h = Math.floor((t - age - freshFrom) / HOUR);
    for (let step = 0; step < 96 && h >= 0; step++, h--) {
      if (h >= hours) continue;
      const key = c * hours + h;
      const from = bucketStart[key]!;
      const to = bucketStart[key + 1]!;
      if (from === to) continue;
      for (let attempt = 0; attempt < 4; attempt++) {
        const a = sampleIn(bucketItems, bucketCum, from, to, rng);
        if (created[a]! <= t) return a;
      }
    }
    return sampleArchive(c, rng);
  };

  // Users: preferred categories, activity, context.
  const userPreferences: number[][] = new Array(U);
  const activity = new Float64Array(U);
  const userContext = new Uint8Array(U * 6);
  const contextSizes = [4, 5, 20, 11, 28, 7];
  const contextSamplers = contextSizes.map((n) => createAliasSampler(Float64Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, 1.5))));
  for (let u = 0; u < U; u++) {
    const count = 1 + Math.min(3, Math.floor(rngUsers.exponential(0.9)));
    const prefs = new Set<number>();
    while (prefs.size < Math.min(count, C)) prefs.add(pickCategory(rngUsers));
    userPreferences[u] = [...prefs];
    activity[u] = Math.exp(1.2 * rngUsers.normal());
    for (let k = 0; k < 6; k++) userContext[u * 6 + k] = contextSamplers[k]!(rngUsers) + 1;
  }
  const pickUser = createAliasSampler(activity);

  // Sessions: every user has one; the rest go by activity. Sizes are 2 + geometric.
  const sessions = Math.max(U, Math.round(config.clicks / config.sessionMean));
  const sessionUser = new Int32Array(sessions);
  const sessionStart = new Float64Array(sessions);
  for (let s = 0; s < sessions; s++) {
    sessionUser[s] = s < U ? s : pickUser(rngClicks);
    sessionStart[s] = Math.floor(config.start + rngClicks.next() * (windowEnd - config.start - HOUR));
  }
  const order = Int32Array.from({ length: sessions }, (_, s) => s).sort((a, b) => sessionStart[a]! - sessionStart[b]! || a - b);
  const extra = Math.max(0, config.sessionMean - 2);
  const pContinue = extra / (1 + extra);
  const builder = new InteractionTableBuilder(Math.round(config.clicks * 1.05));
  const sortedStart = new Float64Array(sessions);
  const seen: number[] = [];
  for (let k = 0; k < sessions; k++) {
    const s = order[k]!;
    const u = sessionUser[s]!;
    const prefs = userPreferences[u]!;
    let size = 2;
    while (rngClicks.next() < pContinue && size < 40) size++;
    const topic = () => (rngClicks.next() < config.preferenceStrength ? prefs[rngClicks.int(prefs.length)]! : pickCategory(rngClicks));
    let c = topic();
    let t = sessionStart[s]!;
    sortedStart[k] = t;
    const sessionId = String(sessionStart[s]! * 1000 + (k % 1000));
    seen.length = 0;
    for (let j = 0; j < size; j++) {
      if (j > 0) {
        if (rngClicks.next() >= config.topicStickiness) c = topic();
        t += Math.floor(20_000 + rngClicks.exponential(90_000));
      }
      let a = sampleArticle(c, t, rngClicks);
      for (let retry = 0; retry < 3 && seen.includes(a); retry++) a = sampleArticle(c, t, rngClicks);
      seen.push(a);
      builder.add({ userId: String(u), itemId: String(a), type: 'click', timestamp: t, sessionId });
    }
    if ((k & 0xffff) === 0) progress({ phase: 'clicks', done: builder.length, total: config.clicks });
  }
  const clicks = builder.build();
  progress({ phase: 'clicks', done: clicks.length, total: clicks.length });

  const items: Item[] = new Array(N);
  for (let a = 0; a < N; a++) {
    items[a] = {
      id: String(a),
      category: String(category[a]),
      publisher: String(publisher[a]),
      createdAt: created[a]!,
      wordsCount: words[a]!,
    };
  }
  return {
    config,
    items,
    embeddings: { rows: N, dim, data },
    clicks,
    sessionStart: sortedStart,
    userContext,
    userPreferences,
    quality,
  };
}

/**
 * Writes a synthetic dataset in the Globo.com layout: `articles_metadata.csv`,
 * `clicks/clicks_hour_NNN.csv` (one file per hour of session start) and `articles_embeddings.npy`.
 * {@link loadGloboDataset} reads it back.
 */
export async function writeGloboDataset(
  dir: string,
  news: SyntheticNews,
  options: { onProgress?: (progress: Progress) => void } = {},
): Promise<void> {
  await mkdir(join(dir, 'clicks'), { recursive: true });
  const meta = [GLOBO_ARTICLE_COLUMNS.join(',')];
  for (const item of news.items) meta.push(`${item.id},${item.category},${item.createdAt},${item.publisher},${item.wordsCount}`);
  await writeFile(join(dir, 'articles_metadata.csv'), meta.join('\n') + '\n');
  const { clicks, sessionStart, userContext } = news;
  const header = GLOBO_CLICK_COLUMNS.join(',') + '\n';
  const start = news.config.start;
  // Session sizes.
  const size = new Int32Array(clicks.sessions.length);
  for (let i = 0; i < clicks.length; i++) size[clicks.session[i]!]!++;
  let file: Awaited<ReturnType<typeof open>> | undefined;
  let currentHour = -1;
  let buffer: string[] = [];
  const flush = async () => {
    if (file && buffer.length > 0) await file.write(buffer.join(''));
    buffer = [];
  };
  for (let i = 0; i < clicks.length; i++) {
    const s = clicks.session[i]!;
    const hour = Math.max(0, Math.floor((sessionStart[s]! - start) / HOUR));
    if (hour !== currentHour) {
      await flush();
      await file?.close();
      file = await open(join(dir, 'clicks', `clicks_hour_${String(hour).padStart(3, '0')}.csv`), 'w');
      await file.write(header);
      currentHour = hour;
    }
    const userId = clicks.users[clicks.user[i]!]!;
    const u = Number(userId) * 6;
    buffer.push(
      `${userId},${clicks.sessions[s]},${sessionStart[s]},${size[s]},${clicks.items[clicks.item[i]!]},${clicks.timestamp[i]},` +
        `${userContext[u]},${userContext[u + 1]},${userContext[u + 2]},${userContext[u + 3]},${userContext[u + 4]},${userContext[u + 5]}\n`,
    );
    if (buffer.length >= 50_000) await flush();
    if ((i & 0x3ffff) === 0) options.onProgress?.({ phase: 'writing clicks', done: i, total: clicks.length });
  }
  await flush();
  await file?.close();
  await writeNpyMatrix(join(dir, 'articles_embeddings.npy'), news.embeddings);
}
