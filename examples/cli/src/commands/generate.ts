import { MyContentError } from '@mycontent/core';
import { generateSyntheticNews, generateSyntheticRatings, writeGloboDataset, writeMovieLensDataset, MOVIELENS_100K_SHAPE, type SyntheticScale } from '@mycontent/core/data';
import { integer } from '../options';
import { outputDirectory } from '../paths';
import { progressBar } from '../progress';

/** Options of `generate`, as parsed. */
export interface GenerateOptions {
  kind: 'news' | 'ratings';
  scale: SyntheticScale;
  seed: string;
  end?: string;
  out: string;
}

/** `generate`: a seeded synthetic dataset, in the Globo.com layout (news) or as MovieLens `u.data` (ratings). */
export async function generate(options: GenerateOptions, log: (line: string) => void): Promise<void> {
  const out = await outputDirectory('out', options.out);
  const seed = integer('seed', options.seed, 0);
  const started = performance.now();
  const took = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (options.kind === 'ratings') {
    const data = generateSyntheticRatings(MOVIELENS_100K_SHAPE, { seed });
    await writeMovieLensDataset(out, data);
    log(`wrote ${data.ratings.length.toLocaleString('en-US')} ratings (MovieLens u.data) to ${out} in ${took()}`);
    return;
  }
  let end: number | undefined;
  if (options.end !== undefined) {
    end = /^\d+$/.test(options.end) ? Number(options.end) : Date.parse(options.end);
    if (!Number.isFinite(end)) throw new MyContentError('INVALID_INPUT', `--end must be an ISO-8601 time or epoch ms, got ${JSON.stringify(options.end)}`, { source: 'cli', field: 'end', value: options.end });
  }
  const bar = progressBar('generate');
  const news = generateSyntheticNews(options.scale, { seed, onProgress: bar.update, ...(end === undefined ? {} : { end }) });
  await writeGloboDataset(out, news, { onProgress: bar.update });
  bar.done();
  log(`wrote ${news.items.length.toLocaleString('en-US')} articles and ${news.clicks.length.toLocaleString('en-US')} clicks (Globo.com layout) to ${out} in ${took()}`);
}
