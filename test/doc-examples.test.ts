import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The documentation's TypeScript examples are compiled by scripts/check-snippets.mjs in
// `npm test`; here, the checker itself: it passes a page whose examples compile and fails one whose
// example does not, naming the page and the line.
const root = join(import.meta.dirname, '..');
let dir: string;

const check = (page: string) => spawnSync(process.execPath, [join(root, 'scripts', 'check-snippets.mjs'), page], { cwd: root, encoding: 'utf8', timeout: 120_000 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mycontent-snippets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the documentation examples check', () => {
  it('passes examples that compile, with the context a page declares', async () => {
    const page = join(dir, 'good.md');
    await writeFile(
      page,
      [
        '# A page',
        '',
        '<!-- snippet-context',
        "import type { Recommender } from '@mycontent/core';",
        'declare const recommender: Recommender;',
        '-->',
        '',
        '```ts',
        "const list = await recommender.recommend({ userId: 'u1', n: 5 });",
        'console.log(list.items.map((item) => item.itemId));',
        '```',
        '',
        'Not TypeScript, not checked:',
        '',
        '```text',
        'recommender.recommend(???)',
        '```',
        '',
      ].join('\n'),
    );
    const result = check(page);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('1 TypeScript blocks in 1 pages compile');
  }, 120_000);

  it('fails an example that no longer compiles, naming the page and the line', async () => {
    const page = join(dir, 'stale.md');
    await writeFile(
      page,
      [
        '# A stale page',
        '',
        '```ts',
        "import { createRecommender } from '@mycontent/core';",
        '',
        "createRecommender({ models: {}, blendd: { als: 1 } });",
        '```',
        '',
      ].join('\n'),
    );
    const result = check(page);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/stale\.md:6: error TS2561: .*'blendd' does not exist in type 'RecommenderOptions'. Did you mean to write 'blend'\?/);
  }, 120_000);
});
