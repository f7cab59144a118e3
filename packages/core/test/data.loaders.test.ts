import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadGloboDataset,
  loadInteractionsFile,
  loadMovieLens,
  readNpyMatrix,
  splitCsvLine,
  tableRow,
  writeNpyMatrix,
} from '@mycontent/core/data';
import { rejection } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mycontent-loaders-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}


describe('CSV splitting', () => {
  it('handles quotes, escaped quotes, empty fields and delimiters inside quotes', () => {
    expect(splitCsvLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitCsvLine('"a,b","say ""hi""",c,')).toEqual(['a,b', 'say "hi"', 'c', '']);
    expect(splitCsvLine('"open')).toBeUndefined();
  });
});

describe('MovieLens loader', () => {
  it('reads u.data as ratings with ms timestamps, and u.item as items', async () => {
    const data = await file('ml/u.data', '196\t242\t3\t881250949\n186\t302\t3\t891717742\n\n');
    await file('ml/u.item', '242|Kolya (1996)|24-Jan-1997||http://x|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n');
    const { ratings, items } = await loadMovieLens(data);
    expect(ratings.length).toBe(2);
    expect(tableRow(ratings, 0)).toEqual({ userId: '196', itemId: '242', type: 'rating', rating: 3, timestamp: 881250949000 });
    expect(items[0]).toMatchObject({ id: '242', title: 'Kolya (1996)', category: 'Comedy' });
  });

  it('names the line of a malformed row', async () => {
    const data = await file('ml-bad/u.data', '1\t2\t3\t4\n1\t2\tthree\t4\n');
    const error = await rejection(loadMovieLens(data));
    expect(error.code).toBe('FORMAT');
    expect(error.message).toContain('u.data:2');
  });

  it('reports a missing file as NOT_FOUND', async () => {
    expect((await rejection(loadMovieLens(join(dir, 'nope', 'u.data')))).code).toBe('NOT_FOUND');
  });
});

describe('CSV / JSONL interactions loader', () => {
  it('reads a CSV with aliases, optional columns and seconds or ISO timestamps', async () => {
    const path = await file('a.csv', 'user_id,item,rating,timestamp,session\nu1,i1,,1700000000,s1\nu2,"i,2",4.5,2024-01-01T00:00:00Z,\n');
    const table = await loadInteractionsFile(path);
    expect(tableRow(table, 0)).toEqual({ userId: 'u1', itemId: 'i1', type: 'click', timestamp: 1_700_000_000_000, sessionId: 's1' });
    expect(tableRow(table, 1)).toEqual({ userId: 'u2', itemId: 'i,2', type: 'rating', rating: 4.5, timestamp: Date.UTC(2024, 0, 1) });
  });

  it('never shifts data: a short line, a bad number or a missing id names its line', async () => {
    const short = await rejection(loadInteractionsFile(await file('short.csv', 'user,item,timestamp\nu,i,1\nu,i\n')));
    expect(short.message).toContain('short.csv:3');
    const badRating = await rejection(loadInteractionsFile(await file('rating.csv', 'user,item,rating\nu,i,x\n')));
    expect([badRating.message.includes('rating.csv:2'), badRating.field]).toEqual([true, 'rating']);
    const noHeader = await rejection(loadInteractionsFile(await file('noheader.csv', 'a,b\n1,2\n')));
    expect(noHeader.message).toContain('must name a user and an item');
    const noUser = await rejection(loadInteractionsFile(await file('nouser.csv', 'user,item\n,i\n')));
    expect(noUser.field).toBe('user');
  });

  it('reads JSONL and rejects a broken line with its number', async () => {
    const path = await file('a.jsonl', '{"user":"u","item":"i","type":"like","ts":1700000000000}\n\n{"userId":"v","itemId":"j"}\n');
    const table = await loadInteractionsFile(path);
    expect(table.length).toBe(2);
    expect(tableRow(table, 0)).toMatchObject({ userId: 'u', itemId: 'i', type: 'like', timestamp: 1_700_000_000_000 });
    const bad = await rejection(loadInteractionsFile(await file('bad.jsonl', '{"user":"u","item":"i"}\n{oops\n')));
    expect(bad.message).toContain('bad.jsonl:2');
    const badType = await rejection(loadInteractionsFile(await file('badtype.jsonl', '{"user":"u","item":"i","type":"teleport"}\n')));
    expect(badType.field).toBe('type');
  });
});

describe('Globo loader', () => {
  it('names the file and line of a malformed click and a missing column', async () => {
    await file('g1/articles_metadata.csv', 'article_id,category_id,created_at_ts,publisher_id,words_count\n0,1,1506826800000,0,168\n');
    await file(
      'g1/clicks/clicks_hour_000.csv',
      'user_id,session_id,session_start,session_size,click_article_id,click_timestamp,click_environment,click_deviceGroup,click_os,click_country,click_region,click_referrer_type\n' +
        '0,1,2,2,0,1506826828020,4,3,20,1,20,2\n' +
        '0,1,2,2,0,notatime,4,3,20,1,20,2\n',
    );
    const error = await rejection(loadGloboDataset(join(dir, 'g1')));
    expect(error.message).toContain('clicks_hour_000.csv:3');
    expect(error.field).toBe('click_timestamp');
    await file('g2/articles_metadata.csv', 'article_id,category_id\n0,1\n');
    const missing = await rejection(loadGloboDataset(join(dir, 'g2')));
    expect(missing.message).toContain('missing column "created_at_ts"');
  });
});

describe('.npy matrices', () => {
  it('round-trips float32 and rejects other shapes and dtypes', async () => {
    const path = join(dir, 'm.npy');
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    await writeNpyMatrix(path, { rows: 3, dim: 4, data });
    const back = await readNpyMatrix(path);
    expect([back.rows, back.dim]).toEqual([3, 4]);
    expect(back.data).toEqual(data);
    const header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }";
    const bytes = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([header.length, 0]), Buffer.from(header, 'latin1'), Buffer.alloc(16)]);
    await writeFile(join(dir, 'int.npy'), bytes);
    expect((await rejection(readNpyMatrix(join(dir, 'int.npy')))).message).toContain('dtype <i4');
    await writeFile(join(dir, 'junk.npy'), 'hello');
    expect((await rejection(readNpyMatrix(join(dir, 'junk.npy')))).code).toBe('FORMAT');
  });
});
