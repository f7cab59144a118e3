// Loads the full Globo-format dataset: ours (streaming, columnar) or a baseline (readline, one object per row).
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { listGloboClickFiles, loadGloboDataset } from '@mycontent/core/data';
import { gc, memoryMb, peakRssMb, report } from '../lib';

const [dir, mode] = process.argv.slice(2) as [string, 'ours' | 'baseline'];
gc();
const before = memoryMb();
const t0 = performance.now();
let rows = 0;
let items = 0;
let keep: unknown;
if (mode === 'ours') {
  const data = await loadGloboDataset(dir, { embeddings: true });
  rows = data.clicks.length;
  items = data.items.length;
  keep = data;
} else {
  // The obvious approach: readline, split, one object per click, embeddings parsed into one array per row.
  const clicks: Record<string, unknown>[] = [];
  for (const file of await listGloboClickFiles(join(dir, 'clicks'))) {
    let header: string[] | undefined;
    for await (const line of createInterface({ input: createReadStream(file) })) {
      const f = line.split(',');
      if (!header) {
        header = f;
        continue;
      }
      clicks.push({ userId: f[0], sessionId: f[1], itemId: f[4], timestamp: Number(f[5]), type: 'click' });
    }
  }
  const articles: Record<string, unknown>[] = [];
  for await (const line of createInterface({ input: createReadStream(join(dir, 'articles_metadata.csv')) })) {
    const f = line.split(',');
    if (f[0] === 'article_id') continue;
    articles.push({ id: f[0], category: f[1], createdAt: Number(f[2]), publisher: f[3], wordsCount: Number(f[4]) });
  }
  const bytes = await readFile(join(dir, 'articles_embeddings.npy'));
  const headerLength = bytes.readUInt16LE(8);
  const dim = Number(/\(\d+, (\d+)\)/.exec(bytes.toString('latin1', 10, 10 + headerLength))![1]);
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength));
  const embeddings: number[][] = [];
  for (let r = 0; r < articles.length; r++) embeddings.push(Array.from(floats.subarray(r * dim, (r + 1) * dim)));
  rows = clicks.length;
  items = articles.length;
  keep = { clicks, articles, embeddings };
}
const ms = performance.now() - t0;
const after = memoryMb();
report({
  mode,
  rows,
  items,
  ms,
  retainedMb: after.heap + after.arrayBuffers - before.heap - before.arrayBuffers,
  peakRssMb: peakRssMb(),
  kept: keep !== undefined,
});
