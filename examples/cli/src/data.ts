import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MyContentError, type Item } from '@mycontent/core';
import { loadGloboDataset, loadInteractionsFile, loadMovieLens, readGloboClickTable, type InteractionTable } from '@mycontent/core/data';

/** Input formats of the CLI. */
export const FORMATS = ['movielens', 'globo', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** Loads interactions (and items when the format has them) from a file or directory. */
export async function loadData(path: string, format: string): Promise<{ table: InteractionTable; items: Item[] }> {
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new MyContentError('INVALID_INPUT', `unknown format "${format}" (formats: ${FORMATS.join(', ')})`, { source: 'cli', field: 'format', value: format });
  }
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new MyContentError('NOT_FOUND', `no file or directory at ${path}`, { source: 'cli', field: 'path', value: path });
  let result: { table: InteractionTable; items: Item[] };
  if (format === 'movielens') {
    const { ratings, items } = await loadMovieLens(path);
    result = { table: ratings, items };
  } else if (format === 'globo') {
    const hasMetadata = info.isDirectory() && (await stat(join(path, 'articles_metadata.csv')).catch(() => undefined));
    if (hasMetadata) {
      const { clicks, items } = await loadGloboDataset(path, { embeddings: false });
      result = { table: clicks, items };
    } else {
      result = { table: await readGloboClickTable(path), items: [] };
    }
  } else {
    result = { table: await loadInteractionsFile(path), items: [] };
  }
  if (result.table.length === 0) {
    throw new MyContentError('INVALID_INPUT', `${path} holds no interaction: the training set is empty`, { source: 'cli', field: 'train', value: path });
  }
  return result;
}
