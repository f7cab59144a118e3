#!/usr/bin/env node
// Checks each published package's `exports` map, as part of `npm test`:
// 1. every export points at files that exist (source for the `@mycontent/source` condition, and the
//    built ESM/CJS code and types), and every entry tsup built is exported (no orphan entry);
// 2. publint --strict;
// 3. @arethetypeswrong/cli on the packed tarball (node16 profile: Node >= 20 resolves subpaths).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packages = ['packages/core', 'packages/algorithms', 'packages/adapters'];
const bin = (name) => join(root, 'node_modules', '.bin', name);
const problems = [];

function leaves(target, path = []) {
  if (typeof target === 'string') return [{ conditions: path, file: target }];
  return Object.entries(target).flatMap(([key, value]) => leaves(value, [...path, key]));
}

function builtEntries(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.js') && !name.startsWith('chunk-')) out.push('./' + relative(join(dir, '..'), full));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

for (const pkg of packages) {
  const dir = join(root, pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const exported = new Set();
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    for (const { conditions, file } of leaves(target)) {
      exported.add(file);
      if (!existsSync(join(dir, file))) problems.push(`${manifest.name}: exports["${subpath}"] (${conditions.join(' > ') || 'default'}) -> ${file} does not exist`);
    }
  }
  for (const entry of builtEntries(join(dir, 'dist'))) {
    if (!exported.has(entry)) problems.push(`${manifest.name}: tsup built ${entry} but no export points at it`);
  }
  for (const [tool, args] of [
    ['publint', ['--strict', dir]],
    // The /testing suites are ESM only, as vitest is: no CommonJS resolution to check there.
    ['attw', ['--pack', dir, '--profile', 'node16', '--format', 'table-flipped', ...(manifest.exports['./testing'] ? ['--exclude-entrypoints', './testing'] : [])]],
  ]) {
    try {
      const out = execFileSync(bin(tool), args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      console.log(`${manifest.name}: ${tool} ok`);
      if (process.env.VERBOSE) console.log(out);
    } catch (error) {
      problems.push(`${manifest.name}: ${tool} failed\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}

if (problems.length > 0) {
  console.error(`\npackage checks failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('package checks passed');
