import { MyContentError } from '@mycontent/core';
import { generateSyntheticNews, generateSyntheticRatings, writeGloboDataset, writeMovieLensDataset, MOVIELENS_100K_SHAPE, MOVIELENS_1M_SHAPE, type SyntheticScale } from '@mycontent/core/data';
import { integer } from '../options';
import { outputDirectory } from '../paths';
import { progressBar } from '../progress';
import { generateExperimentLog } from '../experiment-log';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Options of `generate`, as parsed. */
export interface GenerateOptions {
  kind: 'news' | 'ratings' | 'experiment';
  scale: SyntheticScale;
  seed: string;
  end?: string;
  out: string;
}

/**
 * `generate`: a seeded synthetic dataset, in the Globo.com layout (news), as MovieLens `u.data`
 * (ratings), or an A/B test's log (experiment: its definition, served lists and clicks).
 */
export async function generate(options: GenerateOptions, log: (line: string) => void): Promise<void> {
  const out = await outputDirectory('out', options.out);
  const seed = integer('seed', options.seed, 0);
  const started = performance.now();
  const took = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (options.kind === 'experiment') {
    const users = { tiny: 2_000, demo: 20_000, full: 200_000 }[options.scale];
    const log_ = generateExperimentLog({ users, seed, start: Date.UTC(2024, 0, 8) });
    await mkdir(out, { recursive: true });
    const lines = (records: readonly unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    await writeFile(join(out, 'experiments.json'), `${JSON.stringify(log_.experiments, null, 2)}\n`);
    await writeFile(join(out, 'exposures.jsonl'), lines(log_.exposures));
    await writeFile(join(out, 'interactions.jsonl'), lines(log_.interactions));
    log(
      `wrote an A/B log of ${users.toLocaleString('en-US')} readers to ${out} (experiments.json, ${log_.exposures.length.toLocaleString('en-US')} exposures, ` +
        `${log_.interactions.length.toLocaleString('en-US')} interactions; true CTR ${Object.entries(log_.trueCtr).map(([v, c]) => `${v} ${(100 * c).toFixed(1)} %`).join(', ')}) in ${took()}`,
    );
    return;
  }
  if (options.kind === 'ratings') {
    // tiny and demo: the shape of MovieLens 100k; full: of MovieLens 1M.
    const data = generateSyntheticRatings(options.scale === 'full' ? MOVIELENS_1M_SHAPE : MOVIELENS_100K_SHAPE, { seed });
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
