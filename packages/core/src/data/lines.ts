import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { MyContentError } from '../errors/error';

/**
 * Returns a copy of `text` that does not share memory with a larger string. V8 represents
 * substrings of 13+ characters as slices of their parent, so an id cut from a 1 MB chunk of a
 * CSV file keeps the whole chunk alive; interned ids must be detached before they are kept.
 */
export function detachString(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}

/** A line of a text file with its 1-based number. */
export interface NumberedLine {
  line: number;
  text: string;
}

/** Whether a file starts with the gzip magic number (1f 8b): it is read through gunzip. */
async function isGzip(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await file.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await file.close();
  }
}

/**
 * Streams the lines of a text file in batches (fast path: no `readline`), reporting bytes read
 * (of the file as stored). Handles `\n` and `\r\n`, and gzip-compressed files (`.csv.gz`:
 * recognised by their first bytes). Throws `NOT_FOUND` for a missing file.
 */
export async function* readLineBatches(
  path: string,
  options: { encoding?: 'utf8' | 'latin1'; onBytes?: (bytes: number, total: number) => void } = {},
): AsyncGenerator<NumberedLine[]> {
  let total: number;
  try {
    total = (await stat(path)).size;
  } catch (cause) {
    throw new MyContentError('NOT_FOUND', `cannot read ${path}: no such file`, { source: 'loader', field: 'path', value: path, cause });
  }
  const decoder = new StringDecoder(options.encoding ?? 'utf8');
  let rest = '';
  let lineNo = 0;
  let bytes = 0;
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const gzip = await isGzip(path);
  let stream: AsyncIterable<Buffer> = file;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    file.on('data', (chunk) => void (bytes += chunk.length)); // piped: counted as read from disk
    file.on('error', (error) => gunzip.destroy(error));
    stream = file.pipe(gunzip);
    stream = rethrowing(stream, (cause) => new MyContentError('FORMAT', `${path}: not a readable gzip file (${(cause as Error).message})`, { source: 'loader', field: 'path', value: path, cause }));
  }
  for await (const chunk of stream) {
    if (!gzip) bytes += chunk.length;
    const text = rest + decoder.write(chunk);
    const parts = text.split('\n');
    rest = parts.pop()!;
    const batch: NumberedLine[] = new Array(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      batch[i] = { line: ++lineNo, text: p.endsWith('\r') ? p.slice(0, -1) : p };
    }
    options.onBytes?.(bytes, total);
    if (batch.length > 0) yield batch;
  }
  rest += decoder.end();
  if (rest.length > 0) yield [{ line: ++lineNo, text: rest.endsWith('\r') ? rest.slice(0, -1) : rest }];
}

/** The chunks of `source`, its failure replaced by `wrap(error)`. */
async function* rethrowing(source: AsyncIterable<Buffer>, wrap: (error: unknown) => Error): AsyncIterable<Buffer> {
  try {
    yield* source;
  } catch (error) {
    throw wrap(error);
  }
}

/**
 * Splits one CSV line into fields (RFC 4180 quoting: `"a,b"` and `""` inside quotes).
 * Returns `undefined` when a quoted field is not closed on this line (a multi-line record).
 */
export function splitCsvLine(line: string, delimiter = ','): string[] | undefined {
  if (!line.includes('"')) return line.split(delimiter);
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i >= n) return fields;
      if (line[i] !== delimiter) {
        const end = line.indexOf(delimiter, i);
        fields[fields.length - 1] += end < 0 ? line.slice(i) : line.slice(i, end);
        if (end < 0) return fields;
        i = end;
      }
      i++;
    } else {
      const end = line.indexOf(delimiter, i);
      if (end < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, end));
      i = end + 1;
    }
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

/** A CSV record: its fields and the line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Streams CSV records in batches; quoted fields may span lines. */
export async function* readCsvBatches(
  path: string,
  options: { delimiter?: string; encoding?: 'utf8' | 'latin1'; onBytes?: (bytes: number, total: number) => void } = {},
): AsyncGenerator<CsvRecord[]> {
  const delimiter = options.delimiter ?? ',';
  let pending: { line: number; text: string } | undefined;
  for await (const lines of readLineBatches(path, options)) {
    const out: CsvRecord[] = [];
    for (const { line, text } of lines) {
      const joined = pending ? { line: pending.line, text: `${pending.text}\n${text}` } : { line, text };
      const fields = splitCsvLine(joined.text, delimiter);
      if (fields === undefined) {
        pending = joined;
        continue;
      }
      pending = undefined;
      if (joined.text.length === 0) continue;
      out.push({ line: joined.line, fields });
    }
    if (out.length > 0) yield out;
  }
  if (pending) {
    throw new MyContentError('FORMAT', `${path}:${pending.line}: unterminated quoted field`, {
      source: 'csv',
      field: 'line',
      value: pending.line,
    });
  }
}
