import { extname } from 'node:path';
import { INTERACTION_TYPES, type InteractionType } from '../domain/schemas';
import { MyContentError, describeValue } from '../errors/error';
import { InteractionTableBuilder, type InteractionTable } from './interaction-table';
import { readCsvBatches, readLineBatches } from './lines';

/** Options of {@link loadInteractionsFile}. */
export interface TabularLoadOptions {
  /** File format. @default from the extension: `.jsonl`/`.ndjson` is JSONL, anything else CSV */
  format?: 'csv' | 'jsonl';
  /** CSV delimiter. @default ',' (or tab for `.tsv`) */
  delimiter?: string;
  /** Type of rows without a `type` column: `rating` when a rating is present, else this. @default 'click' */
  defaultType?: InteractionType;
  /**
   * Unit of numeric timestamps. `auto` reads values below 1e11 as seconds and others as
   * milliseconds (1e11 s is year 5138; 1e11 ms is 1973). ISO-8601 strings are accepted too.
   * @default 'auto'
   */
  timestampUnit?: 'auto' | 's' | 'ms';
  /** Reject (`FORMAT`, naming the line) a row whose timestamp is earlier than the previous row's: for streams. @default false */
  requireTimeOrder?: boolean;
}

const ALIASES: Record<string, string[]> = {
  user: ['user', 'user_id', 'userid', 'userId'],
  item: ['item', 'item_id', 'itemid', 'itemId', 'article_id', 'click_article_id', 'movie_id'],
  rating: ['rating', 'value', 'score'],
  timestamp: ['timestamp', 'ts', 'time', 'click_timestamp'],
  session: ['session', 'session_id', 'sessionId'],
  type: ['type', 'event', 'event_type', 'interaction_type'],
  duration: ['duration', 'read_seconds', 'duration_seconds'],
};

function fail(path: string, line: number, field: string, value: unknown, why: string): never {
  throw new MyContentError('FORMAT', `${path}:${line}: ${field} = ${JSON.stringify(value)}: ${why}`, {
    source: 'tabular-loader',
    field,
    value,
  });
}

function parseTimestamp(raw: unknown, unit: 'auto' | 's' | 'ms', path: string, line: number): number {
  if (raw === undefined || raw === null || raw === '') return 0;
  const n = typeof raw === 'number' ? raw : Number(raw);
  let ms: number;
  if (Number.isFinite(n)) ms = unit === 's' || (unit === 'auto' && Math.abs(n) < 1e11) ? n * 1000 : n;
  else ms = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) fail(path, line, 'timestamp', raw, 'is not a time (epoch s/ms or ISO-8601) at or after 1970');
  return ms;
}

function parseType(raw: unknown, fallback: InteractionType, path: string, line: number): InteractionType {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (!(INTERACTION_TYPES as readonly string[]).includes(String(raw))) {
    fail(path, line, 'type', raw, `must be one of ${INTERACTION_TYPES.join(', ')}`);
  }
  return raw as InteractionType;
}

function optionalNumber(raw: unknown, field: string, path: string, line: number): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(n)) fail(path, line, field, raw, 'is not a number');
  return n;
}

/**
 * Loads interactions from a CSV (with a header naming at least the user and item columns, and
 * optionally rating, timestamp, session, type, duration) or a JSONL file (one object per line with
 * the same fields). A malformed line throws `FORMAT` with its line number; it never shifts data.
 *
 * @example
 * ```ts
 * const table = await loadInteractionsFile('clicks.csv'); // user,item,timestamp,session
 * ```
 */
export async function loadInteractionsFile(path: string, options: TabularLoadOptions = {}): Promise<InteractionTable> {
  const ext = extname(path).toLowerCase();
  const format = options.format ?? (ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : 'csv');
  const unit = options.timestampUnit ?? 'auto';
  const defaultType = options.defaultType ?? 'click';
  const builder = new InteractionTableBuilder(1 << 16);
  let previousTime = Number.NEGATIVE_INFINITY;
  const add = (line: number, get: (field: string) => unknown) => {
    const user = get('user');
    const item = get('item');
    if (user === undefined || user === null || user === '') fail(path, line, 'user', user, 'is missing');
    if (item === undefined || item === null || item === '') fail(path, line, 'item', item, 'is missing');
    const rating = optionalNumber(get('rating'), 'rating', path, line);
    const duration = optionalNumber(get('duration'), 'duration', path, line);
    const session = get('session');
    const timestamp = parseTimestamp(get('timestamp'), unit, path, line);
    if (options.requireTimeOrder) {
      if (timestamp < previousTime) {
        fail(path, line, 'timestamp', get('timestamp'), `is earlier than the previous line's (${new Date(previousTime).toISOString()}): the file must be in timestamp order`);
      }
      previousTime = timestamp;
    }
    builder.add({
      userId: String(user),
      itemId: String(item),
      type: parseType(get('type'), rating !== undefined ? 'rating' : defaultType, path, line),
      timestamp,
      sessionId: session === undefined || session === null || session === '' ? undefined : String(session),
      rating,
      duration,
    });
  };
  if (format === 'jsonl') {
    for await (const lines of readLineBatches(path)) {
      for (const { line, text } of lines) {
        if (text.trim() === '') continue;
        let row: Record<string, unknown>;
        try {
          row = JSON.parse(text);
        } catch (cause) {
          throw new MyContentError('FORMAT', `${path}:${line}: not valid JSON`, { source: 'tabular-loader', field: 'line', value: line, cause });
        }
        if (row === null || typeof row !== 'object' || Array.isArray(row)) fail(path, line, '(root)', row, 'is not a JSON object');
        add(line, (field) => {
          for (const alias of ALIASES[field]!) if (row[alias] !== undefined) return row[alias];
          return undefined;
        });
      }
    }
  } else {
    const delimiter = options.delimiter ?? (ext === '.tsv' ? '\t' : ',');
    let columns: Record<string, number> | undefined;
    let width = 0;
    for await (const records of readCsvBatches(path, { delimiter })) {
      for (const record of records) {
        if (!columns) {
          const names = record.fields.map((f) => f.trim());
          width = names.length;
          columns = {};
          for (const [field, aliases] of Object.entries(ALIASES)) {
            const i = names.findIndex((n) => aliases.includes(n));
            if (i >= 0) columns[field] = i;
          }
          if (columns.user === undefined || columns.item === undefined) {
            // The header quoted, cut: a file without line breaks would otherwise be echoed whole.
            const header = describeValue(names.join(delimiter));
            throw new MyContentError('FORMAT', `${path}:1: the header must name a user and an item column (got ${header})`, {
              source: 'tabular-loader',
              field: 'header',
              value: header,
            });
          }
          continue;
        }
        if (record.fields.length !== width) {
          fail(path, record.line, 'line', record.fields.join(delimiter).slice(0, 80), `has ${record.fields.length} fields, the header has ${width}`);
        }
        const cols = columns;
        add(record.line, (field) => (cols[field] === undefined ? undefined : record.fields[cols[field]!]!.trim()));
      }
    }
  }
  return builder.build();
}
