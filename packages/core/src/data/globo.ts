import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Interaction, Item } from '../domain/schemas';
import { MyContentError, describeValue } from '../errors/error';
import type { Progress } from '../model/contract';
import { InteractionTableBuilder, type InteractionTable } from './interaction-table';
import { readCsvBatches, type CsvRecord } from './lines';
import { readNpyMatrix, matrixRow, type EmbeddingMatrix } from './npy';

/** Columns of the Globo.com `articles_metadata.csv`. */
export const GLOBO_ARTICLE_COLUMNS = ['article_id', 'category_id', 'created_at_ts', 'publisher_id', 'words_count'] as const;

/** Columns of the Globo.com `clicks_hour_NNN.csv` files. */
export const GLOBO_CLICK_COLUMNS = [
  'user_id',
  'session_id',
  'session_start',
  'session_size',
  'click_article_id',
  'click_timestamp',
  'click_environment',
  'click_deviceGroup',
  'click_os',
  'click_country',
  'click_region',
  'click_referrer_type',
] as const;

/** The Globo.com dataset, loaded. */
export interface GloboDataset {
  items: Item[];
  clicks: InteractionTable;
  /** Row `i` is the embedding of article id `i` (present when the `.npy` file exists). */
  embeddings?: EmbeddingMatrix;
}

/** Options of the Globo loaders. */
export interface GloboLoadOptions {
  /** Called as files are read. */
  onProgress?: (progress: Progress) => void;
  /** Load `articles_embeddings.npy` when present. @default true */
  embeddings?: boolean;
  /** Attach each item's embedding row (a view, no copy). @default false */
  attachEmbeddings?: boolean;
}

function columnIndex(header: CsvRecord, expected: readonly string[], path: string): number[] {
  const names = header.fields.map((f) => f.trim());
  return expected.map((column) => {
    const i = names.indexOf(column);
    if (i < 0) {
      throw new MyContentError('FORMAT', `${path}: missing column "${column}" (header: ${describeValue(names.join(','))})`, {
        source: 'globo-loader',
        field: column,
      });
    }
    return i;
  });
}

function intField(record: CsvRecord, i: number, column: string, path: string): number {
  const raw = record.fields[i];
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) {
    throw new MyContentError('FORMAT', `${path}:${record.line}: ${column} = ${JSON.stringify(raw)} is not a number`, {
      source: 'globo-loader',
      field: column,
      value: raw,
    });
  }
  return value;
}

/** The fields of one click row, checked: field count, ids present, numeric ids and timestamp. */
function parseClick(record: CsvRecord, columns: number[], path: string): { user: string; session: string; item: string; timestamp: number } {
  if (record.fields.length < GLOBO_CLICK_COLUMNS.length) {
    throw new MyContentError('FORMAT', `${path}:${record.line}: expected ${GLOBO_CLICK_COLUMNS.length} fields, got ${record.fields.length}`, {
      source: 'globo-loader',
      field: 'line',
      value: record.line,
    });
  }
  const timestamp = intField(record, columns[5]!, 'click_timestamp', path);
  intField(record, columns[4]!, 'click_article_id', path);
  const user = record.fields[columns[0]!]!;
  if (user === '') {
    throw new MyContentError('FORMAT', `${path}:${record.line}: empty user_id`, { source: 'globo-loader', field: 'user_id', value: '' });
  }
  return { user, session: record.fields[columns[1]!]!, item: record.fields[columns[4]!]!, timestamp };
}

/** Reads `articles_metadata.csv` into items. */
export async function readGloboArticles(path: string, options: GloboLoadOptions = {}): Promise<Item[]> {
  const items: Item[] = [];
  let columns: number[] | undefined;
  for await (const batch of readCsvBatches(path, {
    onBytes: (done, total) => options.onProgress?.({ phase: 'articles', done, total }),
  })) {
    for (const record of batch) {
      if (!columns) {
        columns = columnIndex(record, GLOBO_ARTICLE_COLUMNS, path);
        continue;
      }
      const [id, category, created, publisher, words] = columns.map((c, k) => intField(record, c, GLOBO_ARTICLE_COLUMNS[k]!, path)) as [
        number,
        number,
        number,
        number,
        number,
      ];
      items.push({
        id: String(id),
        category: String(category),
        publisher: String(publisher),
        createdAt: created,
        wordsCount: words,
      });
    }
  }
  return items;
}

/** The hourly click files of a Globo `clicks/` directory (or one file), in hour order. */
export async function listGloboClickFiles(pathOrDir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(pathOrDir);
  } catch (cause) {
    throw new MyContentError('NOT_FOUND', `no clicks file or directory at ${pathOrDir}`, {
      source: 'globo-loader',
      field: 'path',
      value: pathOrDir,
      cause,
    });
  }
  if (info.isFile()) return [pathOrDir];
  const names = (await readdir(pathOrDir)).filter((n) => /^clicks_hour_\d+\.csv$/.test(n));
  if (names.length === 0) {
    throw new MyContentError('NOT_FOUND', `${pathOrDir} holds no clicks_hour_NNN.csv file`, {
      source: 'globo-loader',
      field: 'path',
      value: pathOrDir,
    });
  }
  names.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
  return names.map((n) => join(pathOrDir, n));
}

/**
 * Streams Globo clicks as `click` interactions (with session and context) in batches, in file
 * order. Every malformed line throws `FORMAT` with its file and line number.
 */
export async function* readGloboClicks(
  pathOrDir: string,
  options: { onProgress?: (progress: Progress) => void } = {},
): AsyncGenerator<Interaction[]> {
  const files = await listGloboClickFiles(pathOrDir);
  for (let f = 0; f < files.length; f++) {
    const path = files[f]!;
    let columns: number[] | undefined;
    for await (const batch of readCsvBatches(path)) {
      const out: Interaction[] = [];
      for (const record of batch) {
        if (!columns) {
          columns = columnIndex(record, GLOBO_CLICK_COLUMNS, path);
          continue;
        }
        const click = parseClick(record, columns, path);
        const get = (k: number) => record.fields[columns![k]!]!;
        out.push({
          userId: click.user,
          itemId: click.item,
          type: 'click',
          timestamp: click.timestamp,
          sessionId: click.session,
          context: {
            environment: get(6),
            deviceGroup: get(7),
            os: get(8),
            country: get(9),
            region: get(10),
            referrerType: get(11),
          },
        });
      }
      if (out.length > 0) yield out;
    }
    options.onProgress?.({ phase: 'clicks', done: f + 1, total: files.length });
  }
}

/** Reads Globo clicks into a columnar table (fast, compact: no context). */
export async function readGloboClickTable(
  pathOrDir: string,
  options: { onProgress?: (progress: Progress) => void } = {},
): Promise<InteractionTable> {
  const files = await listGloboClickFiles(pathOrDir);
  const builder = new InteractionTableBuilder(1 << 20);
  for (let f = 0; f < files.length; f++) {
    const path = files[f]!;
    let columns: number[] | undefined;
    for await (const batch of readCsvBatches(path)) {
      for (const record of batch) {
        if (!columns) {
          columns = columnIndex(record, GLOBO_CLICK_COLUMNS, path);
          continue;
        }
        const { user, item, session, timestamp } = parseClick(record, columns, path);
        builder.add({ userId: user, itemId: item, type: 'click', timestamp, sessionId: session });
      }
    }
    options.onProgress?.({ phase: 'clicks', done: f + 1, total: files.length });
  }
  return builder.build();
}

/**
 * Loads a Globo.com news dataset directory: `articles_metadata.csv`, `clicks/` (or
 * `clicks_sample.csv`) and, when present, `articles_embeddings.npy`.
 *
 * @example
 * ```ts
 * const { items, clicks, embeddings } = await loadGloboDataset('./data/globo', {
 *   onProgress: (p) => console.log(p.phase, p.done, p.total),
 * });
 * ```
 */
export async function loadGloboDataset(dir: string, options: GloboLoadOptions = {}): Promise<GloboDataset> {
  const items = await readGloboArticles(join(dir, 'articles_metadata.csv'), options);
  let clicksPath = join(dir, 'clicks');
  try {
    await stat(clicksPath);
  } catch {
    clicksPath = join(dir, 'clicks_sample.csv');
  }
  const clicks = await readGloboClickTable(clicksPath, options);
  const result: GloboDataset = { items, clicks };
  if (options.embeddings !== false) {
    const npy = join(dir, 'articles_embeddings.npy');
    const exists = await stat(npy).then(
      () => true,
      () => false,
    );
    if (exists) {
      options.onProgress?.({ phase: 'embeddings', done: 0, total: 1 });
      const matrix = await readNpyMatrix(npy);
      result.embeddings = matrix;
      if (options.attachEmbeddings) {
        for (const item of items) {
          const row = Number(item.id);
          if (Number.isInteger(row) && row >= 0 && row < matrix.rows) item.embedding = matrixRow(matrix, row);
        }
      }
      options.onProgress?.({ phase: 'embeddings', done: 1, total: 1 });
    }
  }
  return result;
}
