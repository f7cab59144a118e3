import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('..', import.meta.url));
let dir: string;

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--conditions=@mycontent/source', '--import', 'tsx', 'src/main.ts', ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const TRAIN = [
  'user,item,timestamp',
  // u1 and u2 read a, b, c together; u3 reads a and d; u4 reads d and e.
  'u1,a,1', 'u1,b,2', 'u1,c,3',
  'u2,a,4', 'u2,b,5', 'u2,c,6',
  'u3,a,7', 'u3,d,8',
  'u4,d,9', 'u4,e,10',
].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mycontent-cli-'));
  await writeFile(join(dir, 'train.csv'), `${TRAIN}\n`);
  await writeFile(join(dir, 'empty.csv'), 'user,item\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function recommend(queries: string, ...extra: string[]) {
  await writeFile(join(dir, 'q.jsonl'), queries);
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.jsonl`);
  const result = cli('recommend', '--train', join(dir, 'train.csv'), '--format', 'csv', '--queries', join(dir, 'q.jsonl'), '--out', out, ...extra);
  const lines = result.code === 0 ? (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l)) : [];
  return { ...result, lines };
}

describe('cli recommend (the batch contract)', () => {
  it('answers in query order with k ids, excluding training and session items, and reports speed on stderr', async () => {
    const { code, lines, stderr, stdout } = await recommend(
      ['{"id":"x","user":"u3"}', '{"id":"y","session":["b"]}', '{"id":"z","user":"u1","exclude":["d"]}'].join('\n'),
      '--model', 'cooccurrence', '--k', '2',
    );
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(lines.map((l) => l.id)).toEqual(['x', 'y', 'z']);
    // u3 read a, d: a co-occurs with b, c; d with e.
    expect(lines[0].items).toHaveLength(2);
    expect(lines[0].items).not.toContain('a');
    expect(lines[0].items).not.toContain('d');
    expect(lines[1].items[0]).toMatch(/^[ac]$/);
    expect(lines[1].items).not.toContain('b');
    expect(lines[2].items).toEqual(['e']);
    expect(stderr).toMatch(/cooccurrence: fit [\d.]+ s on 10 interactions; 3 queries in [\d.]+ s \([\d,]+ queries\/s\)/);
  });

  it('fills a short list with popular items for a cold session', async () => {
    const { code, lines } = await recommend('{"id":"q","session":["e"]}\n', '--model', 'itemknn', '--k', '4');
    expect(code).toBe(0);
    expect(lines[0].items).toHaveLength(4);
    expect(lines[0].items).not.toContain('e');
  });

  it('accepts model parameters and rejects unknown ones by name', async () => {
    expect((await recommend('{"id":"q","user":"u3"}\n', '--model', 'als', '--param', 'factors=4', '--param', 'iterations=2')).code).toBe(0);
    const bad = await recommend('{"id":"q","user":"u3"}\n', '--model', 'als', '--param', 'colour=blue');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('model "als" has no parameter "colour"');
  });

  it('names the error: unknown model, k <= 0, malformed query line, unknown ids, missing file, empty training set', async () => {
    const unknownModel = await recommend('{"id":"q","user":"u1"}\n', '--model', 'magic');
    expect(unknownModel.stderr).toContain('unknown model "magic"');
    const zero = await recommend('{"id":"q","user":"u1"}\n', '--model', 'popular', '--k', '0');
    expect(zero.stderr).toContain('--k must be a positive integer');
    const malformed = await recommend('{"id":"q","user":"u1"}\n{"id": oops}\n', '--model', 'popular');
    expect(malformed.stderr).toMatch(/q\.jsonl:2: not valid JSON/);
    const noId = await recommend('{"user":"u1"}\n', '--model', 'popular');
    expect(noId.stderr).toMatch(/q\.jsonl:1: id/);
    const unknownUser = await recommend('{"id":"q","user":"ghost"}\n', '--model', 'popular');
    expect(unknownUser.stderr).toMatch(/q\.jsonl:1: user "ghost" is not in the training data/);
    const unknownItem = await recommend('{"id":"q","session":["zzz"]}\n', '--model', 'popular');
    expect(unknownItem.stderr).toMatch(/session item "zzz" is not in the training data/);
    const allowed = await recommend('{"id":"q","user":"ghost"}\n', '--model', 'popular', '--allow-unknown', '--k', '1');
    expect(allowed.lines[0].items).toEqual(['a']);
    for (const r of [unknownModel, zero, malformed, noId, unknownUser, unknownItem]) expect(r.code).toBe(1);
    const missing = cli('recommend', '--train', join(dir, 'nope.csv'), '--format', 'csv', '--queries', join(dir, 'q.jsonl'), '--model', 'popular', '--out', join(dir, 'o.jsonl'));
    expect(missing.stderr).toContain('no file or directory');
    const empty = cli('recommend', '--train', join(dir, 'empty.csv'), '--format', 'csv', '--queries', join(dir, 'q.jsonl'), '--model', 'popular', '--out', join(dir, 'o.jsonl'));
    expect(empty.stderr).toContain('the training set is empty');
  });
});

describe('cli generate and evaluate', () => {
  it('generates MovieLens-shaped ratings and evaluates models with the protocol stated, writing JSON', async () => {
    const ml = join(dir, 'ml');
    expect(cli('generate', '--kind', 'ratings', '--seed', '2', '--out', ml).code).toBe(0);
    const json = join(dir, 'eval.json');
    const result = cli('evaluate', '--data', ml, '--format', 'movielens', '--models', 'popular,itemknn', '--json', json);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Protocol: per-user random split, 75\/25, seed 42; full-catalogue ranking; k = 10; 943 test users/);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.results.map((r: { model: string }) => r.model)).toEqual(['popular', 'itemknn']);
    expect(report.results[1].metrics.ndcg).toBeGreaterThan(report.results[0].metrics.ndcg);
  });

  it('reports a refused model and carries on', async () => {
    const news = join(dir, 'news');
    expect(cli('generate', '--kind', 'news', '--scale', 'tiny', '--seed', '2', '--out', news).code).toBe(0);
    const result = cli('evaluate', '--data', news, '--format', 'globo', '--models', 'popular,ease', '--param', 'ease.maxBytes=1000', '--json', join(dir, 'e2.json'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Protocol: session next-click split/);
    expect(result.stdout).toMatch(/ease: not evaluated: .*EASE needs/);
  });
});
