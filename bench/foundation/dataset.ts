// Makes sure the full-scale synthetic Globo-format dataset exists on disk (generated once, cached).
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSyntheticNews, writeGloboDataset, type SyntheticScale } from '@mycontent/core/data';
import { DATA_DIR, log, peakRssMb, report } from '../lib';

const scale = (process.argv[2] ?? 'full') as SyntheticScale;
const seed = Number(process.argv[3] ?? 42);
const dir = join(DATA_DIR, `${scale}-seed${seed}`);
const marker = join(dir, '.complete');
if (existsSync(marker)) {
  report({ dir, cached: true });
} else {
  await rm(dir, { recursive: true, force: true });
  log(`generating the ${scale} synthetic dataset (seed ${seed})...`);
  let t = performance.now();
  const news = generateSyntheticNews(scale, { seed });
  const generateMs = performance.now() - t;
  log(`generated ${news.clicks.length} clicks in ${(generateMs / 1000).toFixed(1)} s; writing...`);
  t = performance.now();
  await writeGloboDataset(dir, news);
  const writeMs = performance.now() - t;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(marker, new Date().toISOString());
  report({ dir, cached: false, generateMs, writeMs, clicks: news.clicks.length, articles: news.items.length, peakRssMb: peakRssMb() });
}
