import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionSchema, parseInput } from '@mycontent/core';
import { createPostgresExposureStore, createPostgresStore } from '@mycontent/adapters/postgres';
import { POSTGRES_URL, postgresFixture } from '../../../packages/adapters/test/servers';

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
    expect(missing.stderr).toContain('no such file or directory');
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

describe('cli recommend --replay (answers as a live service would)', () => {
  const T = Date.UTC(2024, 0, 1);
  const STREAM = ['user,item,timestamp,session', `u5,x,${T + 100},s5`, `u5,y,${T + 101},s5`, `u6,x,${T + 200},s6`].join('\n');

  async function replay(queries: string, stream: string, ...extra: string[]) {
    await writeFile(join(dir, 'stream.csv'), `${stream}\n`);
    await writeFile(join(dir, 'rq.jsonl'), queries);
    await writeFile(join(dir, 'train-ts.csv'), ['user,item,timestamp,session', `u1,a,${T + 1},s1`, `u1,b,${T + 2},s1`, `u2,a,${T + 3},s2`, `u2,b,${T + 4},s2`].join('\n'));
    const out = join(dir, `replay-${Math.random().toString(36).slice(2)}.jsonl`);
    const result = cli('recommend', '--train', join(dir, 'train-ts.csv'), '--format', 'csv', '--queries', join(dir, 'rq.jsonl'), '--replay', join(dir, 'stream.csv'), '--out', out, ...extra);
    const lines = result.code === 0 ? (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l)) : [];
    return { ...result, lines };
  }

  const QUERIES = [
    `{"id":"late","ts":${T + 102},"session":["x"]}`,
    `{"id":"tie","ts":${T + 101},"session":["x"]}`,
    `{"id":"user","ts":${T + 300},"user":"u5"}`,
  ].join('\n');

  it('sees only stream events strictly before each query, answers in query order, and reports speed', async () => {
    const { code, lines, stderr } = await replay(QUERIES, STREAM, '--model', 'sr', '--k', '3');
    expect(code).toBe(0);
    expect(lines.map((l) => l.id)).toEqual(['late', 'tie', 'user']);
    // x → y was learnt at T + 101: the query at T + 101 cannot know it, the one a millisecond later does.
    expect(lines[0].items).toEqual(['y', 'b', 'a']);
    expect(lines[1].items).not.toContain('y');
    // u5 read x and y in the stream: both excluded, as are session items.
    expect(lines[2].items).not.toContain('x');
    expect(lines[2].items).not.toContain('y');
    expect(stderr).toMatch(/sr \(online\): fit [\d.]+ s on 4 interactions; replayed 3 events and 3 queries in [\d.]+ s \([\d,]+ events\+queries\/s\)/);
    // A frozen model never learns x → y: y, the newest article, only comes last, to fill the list.
    const frozen = await replay(QUERIES, STREAM, '--model', 'sr', '--k', '3', '--update', 'frozen');
    expect(frozen.lines[0].items).toEqual(['b', 'a', 'y']);
  });

  it('rejects a stream out of order with its line (or sorts it when asked) and a query without ts', async () => {
    const shuffled = ['user,item,timestamp,session', `u5,y,${T + 101},s5`, `u5,x,${T + 100},s5`].join('\n');
    const rejected = await replay(QUERIES, shuffled, '--model', 'sr');
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/stream\.csv:3: timestamp = .* is earlier than the previous line's .*--sort-stream/);
    const sorted = await replay(QUERIES, shuffled, '--model', 'sr', '--k', '3', '--sort-stream');
    expect(sorted.code).toBe(0);
    expect(sorted.lines[0].items[0]).toBe('y');
    const noTs = await replay('{"id":"q1","ts":5}\n{"id":"q2","user":"u1"}\n', STREAM, '--model', 'sr');
    expect(noTs.code).toBe(1);
    expect(noTs.stderr).toMatch(/rq\.jsonl:2: query "q2" has no "ts"/);
    const badPolicy = await replay(QUERIES, STREAM, '--model', 'sr', '--update', 'sometimes');
    expect(badPolicy.stderr).toContain('update policy must be frozen, retrain or online, got "sometimes"');
  });

  it('evaluate --protocol replay compares update policies on a news log', async () => {
    const news = join(dir, 'news-replay');
    expect(cli('generate', '--kind', 'news', '--scale', 'tiny', '--seed', '5', '--out', news).code).toBe(0);
    const json = join(dir, 'replay.json');
    const result = cli('evaluate', '--data', news, '--format', 'globo', '--protocol', 'replay', '--models', 'recent,sr', '--updates', 'frozen,retrain,online', '--test-ratio', '0.3', '--json', json);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Protocol: replay from .*: next click in [\d,]+ test-session prefixes/);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.results.map((r: { model: string; update: string }) => `${r.model} ${r.update}`)).toEqual([
      'recent frozen',
      'recent retrain every 1 h',
      'recent online',
      'sr frozen',
      'sr retrain every 1 h',
      'sr online',
    ]);
    const hr = (i: number) => report.results[i].hitRate as number;
    expect(hr(5)).toBeGreaterThan(hr(3));
    expect(hr(2)).toBeGreaterThan(hr(0));
  });

  it('replays the neural session model and the Wide & Deep ranking stage by name, with their parameters', async () => {
    const news = join(dir, 'news-neural');
    expect(cli('generate', '--kind', 'news', '--scale', 'tiny', '--seed', '6', '--out', news).code).toBe(0);
    const json = join(dir, 'neural.json');
    const result = cli(
      'evaluate', '--data', news, '--format', 'globo', '--protocol', 'replay', '--models', 'sasrec,widedeep', '--test-ratio', '0.3', '--json', json,
      '--param', 'sasrec.dimensions=16', '--param', 'sasrec.epochs=1', '--param', 'widedeep.layers=16,8',
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.results.map((r: { model: string }) => r.model)).toEqual(['sasrec', 'widedeep']);
    for (const r of report.results) expect(r.hitRate).toBeGreaterThan(0);
    const bad = cli('evaluate', '--data', news, '--format', 'globo', '--protocol', 'replay', '--models', 'sasrec', '--param', 'sasrec.heads=3');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('heads');
  });
});

describe('the command line itself', () => {
  it('prints help for the program and for each command, exit code 0', () => {
    const top = cli('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/generate[\s\S]*evaluate[\s\S]*recommend/);
    expect(top.stdout).toContain('news');
    const command = cli('recommend', '--help');
    expect(command.code).toBe(0);
    expect(command.stdout).toContain('--allow-unknown');
    expect(cli().code).toBe(0);
  });

  it('says what is wrong with a command line in one line, with exit code 2', () => {
    for (const [args, message] of [
      [['bake'], "unknown command 'bake'"],
      [['recommend', '--train', 't', '--format', 'csv', '--queries', 'q', '--model', 'popular', '--out', 'o', '--colour', 'blue'], "unknown option '--colour'"],
      [['generate', '--kind', 'movies', '--out', dir], "option '--kind <kind>' argument 'movies' is invalid"],
      [['recommend', '--format', 'csv'], "required option '--train <path>' not specified"],
    ] as const) {
      const result = cli(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain('--help');
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('checks every path before any work: output folders, directories named as files', async () => {
    const base = ['recommend', '--train', join(dir, 'train.csv'), '--format', 'csv', '--model', 'popular'];
    await writeFile(join(dir, 'q.jsonl'), '{"id":"q","user":"u1"}\n');
    const outIsDir = cli(...base, '--queries', join(dir, 'q.jsonl'), '--out', dir);
    expect([outIsDir.code, outIsDir.stderr]).toEqual([1, expect.stringContaining('is a directory: name a file')]);
    const outNowhere = cli(...base, '--queries', join(dir, 'q.jsonl'), '--out', join(dir, 'no', 'such', 'recs.jsonl'));
    expect([outNowhere.code, outNowhere.stderr]).toEqual([1, expect.stringContaining('does not exist')]);
    const queriesIsDir = cli(...base, '--queries', dir, '--out', join(dir, 'o.jsonl'));
    expect([queriesIsDir.code, queriesIsDir.stderr]).toEqual([1, expect.stringContaining('is a directory, not a file')]);
    const negative = cli(...base, '--queries', join(dir, 'q.jsonl'), '--out', join(dir, 'o.jsonl'), '--k', '-1');
    expect([negative.code, negative.stderr]).toEqual([1, expect.stringContaining('--k must be a positive integer, got "-1"')]);
  });

  it('refuses names that are not models or parameters, whatever an object prototype holds', async () => {
    await writeFile(join(dir, 'q.jsonl'), '{"id":"q","user":"u1"}\n');
    const base = ['recommend', '--train', join(dir, 'train.csv'), '--format', 'csv', '--queries', join(dir, 'q.jsonl'), '--out', join(dir, 'o.jsonl')];
    for (const name of ['__proto__', 'toString', 'constructor']) {
      const result = cli(...base, '--model', name);
      expect([result.code, result.stderr]).toEqual([1, expect.stringContaining(`unknown model "${name}"`)]);
    }
    const param = cli(...base, '--model', 'popular', '--param', 'toString=1');
    expect([param.code, param.stderr]).toEqual([1, expect.stringContaining('model "popular" has no parameter "toString"')]);
  });

  it('reads relative paths from where the command runs, not from the example folder', async () => {
    const result = spawnSync(process.execPath, ['--conditions=@mycontent/source', '--import', 'tsx', join(cwd, 'src/main.ts'), 'generate', '--kind', 'ratings', '--seed', '3', '--out', 'relative-ml'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: dir },
    });
    expect(result.status).toBe(0);
    expect((await readFile(join(dir, 'relative-ml', 'u.data'), 'utf8')).length).toBeGreaterThan(0);
  });

  it('cuts what an error quotes: a huge header is not echoed whole', async () => {
    await writeFile(join(dir, 'wide.csv'), `${'x'.repeat(200_000)}\n1\n`);
    await writeFile(join(dir, 'q.jsonl'), '{"id":"q","user":"u1"}\n');
    const result = cli('recommend', '--train', join(dir, 'wide.csv'), '--format', 'csv', '--queries', join(dir, 'q.jsonl'), '--model', 'popular', '--out', join(dir, 'o.jsonl'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the header must name a user and an item column');
    expect(result.stderr.length).toBeLessThan(1_000);
  });
});

describe('cli experiment-results (an A/B test read from its logs)', () => {
  it('reads a generated A/B log from files: per variant, each against the control, the split checked, JSON written', async () => {
    const ab = join(dir, 'ab');
    expect(cli('generate', '--kind', 'experiment', '--scale', 'tiny', '--seed', '7', '--out', ab).code).toBe(0);
    const json = join(dir, 'ab-results.json');
    const result = cli('experiment-results', '--experiments', join(ab, 'experiments.json'), '--key', 'blend-weight', '--exposures', join(ab, 'exposures.jsonl'), '--interactions', join(ab, 'interactions.jsonl'), '--json', json);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('more-content − control:');
    expect(result.stderr).toMatch(/sample ratio: \d+ \/ \d+ \/ \d+ users, p = [\d.e-]+ \(as configured\)/);
    const report = JSON.parse(await readFile(json, 'utf8'));
    const ctr = Object.fromEntries(report.variants.map((v: { variant: string; ctr: number }) => [v.variant, v.ctr]));
    // True click-through 3.0 / 3.6 / 2.9 %: each estimate within a point of it.
    expect(Math.abs(ctr.control - 0.03)).toBeLessThan(0.005);
    expect(Math.abs(ctr['more-content'] - 0.036)).toBeLessThan(0.006);
    expect(report.comparisons['more-content'].ctr.difference).toBeGreaterThan(0);
    expect(report.attribution.unknownListId).toBe(0);
    expect(report.cuped.varianceReduction).toBeGreaterThan(0.1);
    const sequential = cli('experiment-results', '--experiments', join(ab, 'experiments.json'), '--key', 'blend-weight', '--exposures', join(ab, 'exposures.jsonl'), '--interactions', join(ab, 'interactions.jsonl'), '--sequential');
    expect(sequential.stderr).toContain('(sequential)');
  });

  it('names the bad line, the unknown experiment, the missing source', async () => {
    const ab = join(dir, 'ab');
    await writeFile(join(dir, 'bad-exposures.jsonl'), '{"id":"l1","servedAt":1,"experiments":[],"items":["a"],"sources":["x"],"propensities":[2],"phase":"personalized","cached":false}\n');
    const bad = cli('experiment-results', '--experiments', join(ab, 'experiments.json'), '--key', 'blend-weight', '--exposures', join(dir, 'bad-exposures.jsonl'), '--interactions', join(ab, 'interactions.jsonl'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('exposures line 1');
    expect(bad.stderr).toContain('propensities');
    const unknown = cli('experiment-results', '--experiments', join(ab, 'experiments.json'), '--key', 'nope', '--exposures', join(ab, 'exposures.jsonl'), '--interactions', join(ab, 'interactions.jsonl'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--key "nope" is not an experiment');
    const nothing = cli('experiment-results', '--experiments', join(ab, 'experiments.json'), '--key', 'blend-weight');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('give --postgres URL, or both --exposures and --interactions files');
  });

  it('reads the same results from PostgreSQL tables as from the files', async () => {
    const server = await postgresFixture('cli_ab');
    if (!server.pool) return;
    try {
      const ab = join(dir, 'ab');
      const lines = async (file: string) => (await readFile(join(ab, file), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      const store = createPostgresStore({ pool: server.pool, schema: server.schema });
      await store.interactions.append((await lines('interactions.jsonl')).map((x) => parseInput(interactionSchema, x, 'interaction', 'test')));
      await createPostgresExposureStore({ pool: server.pool, schema: server.schema }).append(await lines('exposures.jsonl'));
      const fromFiles = join(dir, 'ab-files.json');
      const fromDb = join(dir, 'ab-db.json');
      cli('experiment-results', '--experiments', join(ab, 'experiments.json'), '--key', 'blend-weight', '--exposures', join(ab, 'exposures.jsonl'), '--interactions', join(ab, 'interactions.jsonl'), '--json', fromFiles);
      const db = cli('experiment-results', '--experiments', join(ab, 'experiments.json'), '--key', 'blend-weight', '--postgres', POSTGRES_URL, '--schema', server.schema, '--json', fromDb);
      expect(db.code, db.stderr).toBe(0);
      // The same numbers, up to the order of floating-point sums (the table is scanned in another order).
      const rounded = (text: string) => JSON.parse(text, (_key, value) => (typeof value === 'number' ? Number(value.toPrecision(10)) : value));
      expect(rounded(await readFile(fromDb, 'utf8'))).toEqual(rounded(await readFile(fromFiles, 'utf8')));
    } finally {
      await server.drop();
    }
  });
});

describe('train and models: versions in a registry', () => {
  it('registers a serving version and a candidate with their lineage, promotes, refuses over a pin, rolls back and prunes', async () => {
    const registry = join(dir, 'registry');
    const train = (...extra: string[]) => cli('train', '--data', join(dir, 'train.csv'), '--format', 'csv', '--model', 'itemknn', '--registry', registry, ...extra);
    expect(train().code).toBe(0);
    const second = train('--candidate', '--seed', '7');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('itemknn: version 2 (candidate)');
    const lineage = JSON.parse(await readFile(join(registry, 'itemknn', 'v2.json'), 'utf8')) as { metadata: Record<string, any> };
    expect(lineage.metadata).toMatchObject({ model: 'itemknn', seed: 7, data: { format: 'csv', interactions: 10, users: 4, items: 5, from: new Date(1_000).toISOString(), to: new Date(10_000).toISOString() } }); // csv timestamps in seconds
    expect(lineage.metadata.code.core).toMatch(/^\d+\.\d+\.\d+/);

    const list = () => cli('models', 'list', '--registry', registry).stdout.trim().split('\n');
    expect(list()).toEqual([expect.stringMatching(/^itemknn\s+v1\s+serving\s/), expect.stringMatching(/^itemknn\s+v2\s+candidate\s/)]);
    expect(cli('models', 'promote', 'itemknn', 'latest', '--pin', '--registry', registry).code).toBe(0); // v2, the newest
    expect(list()).toEqual([expect.stringMatching(/v1\s+retired/), expect.stringMatching(/v2\s+serving \(pinned\).*replaced v1/)]);
    const refused = cli('models', 'promote', 'itemknn', '1', '--registry', registry);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('version 2 of model "itemknn" is pinned');
    expect(cli('models', 'rollback', 'itemknn', '--registry', registry).stdout).toMatch(/v1\s+serving/);
    expect(cli('models', 'prune', 'itemknn', '--keep', '0', '--registry', registry).stdout.trim()).toBe('itemknn: deleted v2');
    expect(cli('models', 'list', 'nothing', '--registry', registry).code).toBe(1);
    expect(cli('models', 'list').stderr).toContain('--registry <directory> or --postgres <url>');
  }, 60_000);
});

describe('tune: a search on a validation split, judged on a held-back one', () => {
  beforeAll(() => {
    expect(cli('generate', '--kind', 'ratings', '--seed', '4', '--out', join(dir, 'ml-tune')).code).toBe(0);
  });

  it('writes the best configuration with its scores and trials, which recommend --config and evaluate --config read', async () => {
    const ml = join(dir, 'ml-tune');
    const out = join(dir, 'tuned.json');
    const result = cli('tune', '--data', ml, '--format', 'movielens', '--model', 'itemknn', '--trials', '4', '--seed', '3', '--max-cases', '300', '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/trial 1\/4: 0\.\d{4} \(defaults\) \{"similarity":"bm25","neighbors":100,"shrinkage":0\}/);
    expect(result.stderr).toMatch(/validation: per-user random split, 80\/20, seed 4 of the training part/);
    expect(result.stdout).toMatch(/held back \(never tuned on\)\s+0\.\d{4}\s+0\.\d{4}/);
    const tuned = JSON.parse(await readFile(out, 'utf8'));
    expect(tuned).toMatchObject({ model: 'itemknn', metric: 'ndcg@10', protocol: 'full', search: { trials: 4, stoppedBy: 'trials', seed: 3 } });
    expect(tuned.trials).toHaveLength(4);
    const best = Math.max(...tuned.trials.map((t: { score: number }) => t.score));
    expect(tuned.validation.best).toBe(best);
    expect(tuned.validation.defaults).toBe(tuned.trials[0].score);
    expect(tuned.heldBack.best).toBeGreaterThan(0);
    // The same seed tries the same configurations.
    const again = join(dir, 'tuned-again.json');
    expect(cli('tune', '--data', ml, '--format', 'movielens', '--model', 'itemknn', '--trials', '4', '--seed', '3', '--max-cases', '300', '--out', again).code).toBe(0);
    expect(JSON.parse(await readFile(again, 'utf8')).trials.map((t: { params: unknown }) => t.params)).toEqual(tuned.trials.map((t: { params: unknown }) => t.params));

    // The file configures recommend and evaluate: its model and parameters, --param on top.
    await writeFile(join(dir, 'tq.jsonl'), '{"id":"a","user":"1"}\n');
    const recs = join(dir, 'tuned-recs.jsonl');
    const served = cli('recommend', '--train', ml, '--format', 'movielens', '--queries', join(dir, 'tq.jsonl'), '--config', out, '--out', recs);
    expect(served.code, served.stderr).toBe(0);
    expect(JSON.parse((await readFile(recs, 'utf8')).trim()).items).toHaveLength(10);
    const json = join(dir, 'tuned-eval.json');
    const evaluated = cli('evaluate', '--data', ml, '--format', 'movielens', '--config', out, '--max-cases', '300', '--json', json);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(await readFile(json, 'utf8')).results.map((r: { model: string }) => r.model)).toEqual(['itemknn']);
  }, 120_000);

  it('tunes a stream model by replaying the end of the training part, and judges it on the replay it held back', async () => {
    const news = join(dir, 'news-tune');
    expect(cli('generate', '--kind', 'news', '--scale', 'tiny', '--seed', '6', '--out', news).code).toBe(0);
    const out = join(dir, 'sr-tuned.json');
    const result = cli('tune', '--protocol', 'replay', '--data', news, '--format', 'globo', '--model', 'sr', '--metric', 'mrr', '--trials', '3', '--test-ratio', '0.2', '--max-cases', '200', '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/held back: replay from \S+ \([\d,]+ events\); validation: replay from \S+ to \S+, within the training part/);
    const tuned = JSON.parse(await readFile(out, 'utf8'));
    expect(tuned).toMatchObject({ model: 'sr', metric: 'mrr@10', protocol: 'replay', search: { trials: 3 } });
    expect(tuned.trials[0]).toMatchObject({ origin: 'defaults', params: { steps: 10, weighting: 'div', queryItems: 3, queryDecay: 0.3 } });
    expect(tuned.heldBack.defaults).toBeGreaterThan(0);
    expect(tuned.validation.best).toBeGreaterThanOrEqual(tuned.validation.defaults);
  }, 120_000);

  it('refuses what it cannot tune or read, naming it', async () => {
    const ml = join(dir, 'ml-tune');
    await writeFile(join(dir, 'tq.jsonl'), '{"id":"a","user":"1"}\n');
    const tune = (...extra: string[]) => cli('tune', '--data', ml, '--format', 'movielens', '--trials', '2', ...extra);
    expect(tune('--model', 'popular').stderr).toContain('model "popular" has no search space (tunable: itemknn, als, bpr, ease, sr, vsknn, stan, vstan, news, widedeep, ncf, gru4rec, sasrec)');
    expect(tune('--model', 'als', '--metric', 'rmse').stderr).toContain('--metric must be one of ndcg, hitRate, precision, recall, map, mrr');
    expect(tune('--model', 'news').stderr).toContain('"news" blends several models: evaluate it with --protocol replay');

    const bad = join(dir, 'bad-config.json');
    await writeFile(bad, JSON.stringify({ model: 'als', params: { depth: 3 } }));
    const q = join(dir, 'tq.jsonl');
    const withConfig = (config: string, ...extra: string[]) => cli('recommend', '--train', ml, '--format', 'movielens', '--queries', q, '--config', config, '--out', join(dir, 'x.jsonl'), ...extra);
    expect(withConfig(bad).stderr).toContain('model "als" has no parameter "depth"');
    await writeFile(bad, JSON.stringify({ model: 'als' }));
    expect(withConfig(bad).stderr).toMatch(/--config .*bad-config\.json: params: /);
    await writeFile(join(dir, 'other.json'), JSON.stringify({ model: 'itemknn', params: {} }));
    expect(withConfig(join(dir, 'other.json'), '--model', 'als').stderr).toContain('configures "itemknn", which --model als does not name');
    expect(withConfig(join(dir, 'nothing.json')).stderr).toContain('no such file');
    expect(cli('recommend', '--train', ml, '--format', 'movielens', '--queries', q, '--out', join(dir, 'x.jsonl')).stderr).toContain('recommend needs --model NAME or --config FILE');
  }, 60_000);
});
