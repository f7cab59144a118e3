#!/usr/bin/env node
// Checks the documentation site built by `npm run docs` (docs/api), as part of `npm test`: every
// local link and image of every page resolves to a file of the site, no link points at a bare
// file name turned into a web address (`http://BENCHMARKS.md`), and every guide of docs/ is a
// page of the site.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const site = join(root, 'docs', 'api');
if (!existsSync(join(site, 'index.html'))) {
  console.error('docs/api is not built: run npm run docs');
  process.exit(1);
}
const pages = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.html')) pages.push(path);
  }
};
walk(site);

const problems = [];
for (const page of pages) {
  const html = readFileSync(page, 'utf8');
  for (const [, attribute, target] of html.matchAll(/\b(href|src)="([^"]*)"/g)) {
    if (/^https?:\/\/[^/]*\.(md|ts|json)\b/i.test(target)) problems.push(`${relative(site, page)}: ${attribute}="${target}" is a file name turned into a web address`);
    if (/^(https?:|mailto:|data:|#|javascript:)/.test(target) || target === '') continue;
    const file = decodeURIComponent(target.split('#')[0].split('?')[0]);
    if (file === '') continue;
    if (!existsSync(join(dirname(page), file))) problems.push(`${relative(site, page)}: ${attribute}="${target}" does not resolve`);
  }
}
// Every guide is a page (a title of the site), not a raw file.
const documents = readdirSync(join(site, 'documents')).filter((f) => f.endsWith('.html'));
const guides = [];
const walkDocs = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === site) continue;
    if (statSync(path).isDirectory()) walkDocs(path);
    else if (name.endsWith('.md') && name !== 'index.md') guides.push(path);
  }
};
walkDocs(join(root, 'docs'));
if (documents.length < guides.length) problems.push(`${guides.length} guides in docs/ but ${documents.length} document pages in the site`);

if (problems.length > 0) {
  console.error(`documentation site: ${problems.length} broken link(s)\n- ${problems.slice(0, 50).join('\n- ')}`);
  process.exit(1);
}
console.log(`documentation site: ${pages.length} pages, every local link resolves`);
