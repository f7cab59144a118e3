import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Item } from '../domain/schemas';
import { MyContentError } from '../errors/error';
import { InteractionTableBuilder, type InteractionTable } from './interaction-table';
import { readLineBatches } from './lines';

const GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

/** MovieLens, loaded. */
export interface MovieLensDataset {
  /** `rating` interactions (timestamps converted to ms). */
  ratings: InteractionTable;
  /** Movies from `u.item` next to `u.data`, when present (first genre as category). */
  items: Item[];
}

/**
 * Loads MovieLens 100k: `u.data` (tab-separated user, item, rating, timestamp in seconds) and, when
 * it sits in the same directory, `u.item` (pipe-separated, latin-1). Each rating becomes a
 * `rating` interaction with its value. A malformed line throws `FORMAT` with its line number.
 */
export async function loadMovieLens(path: string): Promise<MovieLensDataset> {
  const file = (await stat(path).catch(() => undefined))?.isDirectory() ? join(path, 'u.data') : path;
  const builder = new InteractionTableBuilder(1 << 17);
  for await (const lines of readLineBatches(file)) {
    for (const { line, text } of lines) {
      if (text.trim() === '') continue;
      const parts = text.split(/\t|::|,/);
      const [user, item, rating, ts] = parts;
      const r = Number(rating);
      const t = Number(ts);
      if (parts.length < 4 || !user || !item || !Number.isFinite(r) || !Number.isFinite(t)) {
        throw new MyContentError('FORMAT', `${file}:${line}: expected "user<TAB>item<TAB>rating<TAB>timestamp", got ${JSON.stringify(text.slice(0, 80))}`, {
          source: 'movielens-loader',
          field: 'line',
          value: line,
        });
      }
      builder.add({ userId: user, itemId: item, type: 'rating', rating: r, timestamp: t * 1000 });
    }
  }
  const items: Item[] = [];
  const itemFile = join(dirname(file), 'u.item');
  if (await stat(itemFile).then(() => true, () => false)) {
    for await (const lines of readLineBatches(itemFile, { encoding: 'latin1' })) {
      for (const { text } of lines) {
        const parts = text.split('|');
        if (parts.length < 5) continue;
        const flags = parts.slice(5);
        const genre = flags.findIndex((f) => f === '1');
        const released = Date.parse(parts[2] ?? '');
        const item: Item = { id: parts[0]!, title: parts[1]!, createdAt: Number.isFinite(released) && released >= 0 ? released : 0 };
        if (genre >= 0) item.category = GENRES[genre] ?? `genre-${genre}`;
        items.push(item);
      }
    }
  }
  return { ratings: builder.build(), items };
}
