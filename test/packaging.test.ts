import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The packages as a user gets them: packed with `npm pack`, installed into an application outside
// the workspace, imported through every entry point from ESM and CommonJS, and running the
// README's five-minute example. Optional peers the entry points load (vitest for /testing) are
// linked from this workspace instead of downloaded.
const root = join(import.meta.dirname, '..');
const packages = ['core', 'algorithms', 'adapters'];
const manifests = Object.fromEntries(packages.map((p) => [p, JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> }]));
/** `@mycontent/core`, `@mycontent/core/eval`, ... for every package. */
const entryPoints = packages.flatMap((p) =>
  Object.keys(manifests[p]!.exports)
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? manifests[p]!.name : `${manifests[p]!.name}/${subpath.slice(2)}`)),
);

let app: string;
const run = (command: string, args: string[], cwd = app) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

beforeAll(async () => {
  if (!packages.every((p) => existsSync(join(root, 'packages', p, 'dist')))) throw new Error('the packages are not built: run npm run build (npm test does)');
  app = await mkdtemp(join(tmpdir(), 'mycontent-app-'));
  run('npm', ['pack', '--silent', '--pack-destination', app, ...packages.flatMap((p) => ['-w', `packages/${p}`])], root);
  const tarballs = (await readdir(app)).filter((f) => f.endsWith('.tgz'));
  expect(tarballs).toHaveLength(3);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'my-news-site', private: true, version: '1.0.0' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => `./${t}`), `vitest@file:${join(root, 'node_modules', 'vitest')}`]);
}, 300_000);

afterAll(async () => {
  if (app) await rm(app, { recursive: true, force: true });
});

describe('the published packages', () => {
  it('ship their licence and readme, and nothing of the workspace', async () => {
    for (const p of packages) {
      const files = await readdir(join(app, 'node_modules', '@mycontent', p));
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist']));
      expect(files).not.toContain('test');
      expect(files).not.toContain('node_modules');
    }
  });

  it('load through every entry point, from ESM and from CommonJS', async () => {
    const esm = entryPoints.map((e, i) => `import * as m${i} from '${e}';\nif (Object.keys(m${i}).length === 0) throw new Error('${e}: no export');`).join('\n');
    // The conformance suites are ESM only, as vitest is.
    const cjs = entryPoints
      .filter((e) => !e.endsWith('/testing'))
      .map((e) => `if (Object.keys(require('${e}')).length === 0) throw new Error('${e}: no export');`)
      .join('\n');
    await writeFile(join(app, 'entries.mjs'), `${esm}\nconsole.log('esm ok');\n`);
    await writeFile(join(app, 'entries.cjs'), `${cjs}\nconsole.log('cjs ok');\n`);
    expect(run('node', ['entries.mjs'])).toContain('esm ok');
    expect(run('node', ['entries.cjs'])).toContain('cjs ok');
    // One class across entry points, in CommonJS too: an error thrown by /eval is a MyContentError of the main entry.
    await writeFile(
      join(app, 'identity.cjs'),
      `const { MyContentError } = require('@mycontent/core');
       const { evaluateReplay } = require('@mycontent/core/eval');
       evaluateReplay({ table: { sessions: [] }, models: {} }).catch((e) => console.log(e instanceof MyContentError ? 'same class' : 'another class'));`,
    );
    expect(run('node', ['identity.cjs'])).toContain('same class');
  });

  it("run the README's five-minute example", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Five minutes of code\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    // The example as written, then what it promises: the like counts in trending at once.
    await writeFile(
      join(app, 'five-minutes.mjs'),
      `${example}\nconst sport = await recommender.trending({ category: 'sport', n: 5 });\nconsole.log(JSON.stringify({ phase, first: items[0]?.itemId, sport: sport.map((r) => r.itemId) }));\n`,
    );
    const out = JSON.parse(run('node', ['five-minutes.mjs']).trim().split('\n').pop()!);
    expect(out).toMatchObject({ phase: 'personalized', sport: ['a2'] });
  });
});
