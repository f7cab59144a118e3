#!/usr/bin/env node
// Type-checks the TypeScript examples of the documentation, as part of `npm test`: every ```ts
// block of README.md, docs/ and the examples' READMEs is compiled against the packages' built
// type declarations (what a user installs), so an example that no longer compiles fails the build.
//
// Each block is its own module. A page can declare what its blocks take for granted (the engine
// built in an earlier block, a store) in an HTML comment, invisible on the rendered page:
//
//   <!-- snippet-context
//   import type { Recommender } from '@mycontent/core';
//   declare const recommender: Recommender;
//   -->
//
// placed anywhere before the blocks it serves; a later `snippet-context` comment replaces it for
// the blocks after it. `<!-- snippet-context-once ... -->` serves only the next block. A block that
// is deliberately not compilable TypeScript (a shape, an excerpt) is written as ```text instead.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const out = join(root, '.snippets', String(process.pid));

// With arguments, only those pages; by default every page of the repository.
const only = process.argv.slice(2).map((path) => relative(root, resolve(path)));
const documents = ['README.md'];
const walk = (dir) => {
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (path === join('docs', 'api') || name === 'node_modules' || name === 'dist') continue;
    if (statSync(join(root, path)).isDirectory()) walk(path);
    else if (name.endsWith('.md')) documents.push(path);
  }
};
walk('docs');
for (const example of readdirSync(join(root, 'examples'))) {
  if (existsSync(join(root, 'examples', example, 'README.md'))) documents.push(join('examples', example, 'README.md'));
}
if (only.length > 0) documents.splice(0, documents.length, ...only);

/** @type {{ file: string, document: string, firstLine: number, offset: number }[]} */
const snippets = [];
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const document of documents) {
  const lines = readFileSync(join(root, document), 'utf8').split('\n');
  let context = '';
  let once = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const comment = /^<!--\s*snippet-context(-once)?\s*$/.exec(line.trim());
    if (comment) {
      const body = [];
      for (i++; i < lines.length && lines[i].trim() !== '-->'; i++) body.push(lines[i]);
      if (comment[1]) once = body.join('\n');
      else context = body.join('\n');
      continue;
    }
    const fence = /^(\s*)```(ts|typescript)\s*$/.exec(line);
    if (!fence) continue;
    const indent = fence[1].length;
    const code = [];
    const firstLine = i + 2;
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) code.push(lines[i].slice(indent));
    const prelude = [context, once].filter(Boolean).join('\n');
    once = '';
    const header = prelude === '' ? '' : `${prelude}\n`;
    const name = `${document.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+/, '')}-${firstLine}.ts`;
    writeFileSync(join(out, name), `${header}${code.join('\n')}\nexport {};\n`);
    snippets.push({ file: name, document, firstLine, offset: header.split('\n').length - 1 });
  }
}

writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        // The published declarations, as a user's project sees them: no source condition.
        customConditions: [],
        noEmit: true,
        declaration: false,
        sourceMap: false,
        noUnusedLocals: false,
        lib: ['ES2022', 'DOM'],
      },
      files: snippets.map((s) => s.file),
    },
    null,
    2,
  ),
);

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let output = '';
try {
  execFileSync(process.execPath, [tsc, '-p', join(out, 'tsconfig.json'), '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
} catch (error) {
  output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
}
const bySnippet = new Map(snippets.map((s) => [s.file, s]));
const problems = [];
for (const line of output.split('\n')) {
  const match = /^([^()]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
  if (!match) {
    if (line.trim() !== '' && !line.startsWith(' ')) problems.push(line);
    else if (line.trim() !== '' && problems.length > 0) problems[problems.length - 1] += `\n${line}`;
    continue;
  }
  const snippet = bySnippet.get(match[1].replace(/^.*\//, ''));
  if (!snippet) {
    problems.push(line);
    continue;
  }
  const at = Number(match[2]) - snippet.offset;
  const where = at >= 1 ? `${snippet.document}:${snippet.firstLine + at - 1}` : `${snippet.document}:${snippet.firstLine} (its snippet-context)`;
  problems.push(`${where}: ${match[4]}`);
}
if (problems.length > 0) {
  rmSync(out, { recursive: true, force: true });
  console.error(`documentation examples: ${problems.length} type error(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
console.log(`documentation examples: ${snippets.length} TypeScript blocks in ${new Set(snippets.map((s) => s.document)).size} pages compile`);
