/**
 * The documentation site (`npm run docs` → docs/api, built by `npm test` before this runs) in
 * Chromium, from a plain static file server and from the file system: the home page, a guide with
 * its screenshot, and the search finding "ALS". Any console error or failed request fails the test
 * (from the file system, Chromium's refusal of TypeDoc's external icon sprite aside: the page
 * inlines the icons itself).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium, openPage } from '../examples/web-feed/test/browser';

const SITE = fileURLToPath(new URL('../docs/api/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
const available = chromiumAvailable();
let browser: Browser;
let server: Server;
let base: string;

beforeAll(async () => {
  if (!available) return;
  browser = await launchChromium();
  // Any static host: files as they are, nothing else.
  server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url!, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(SITE, path.endsWith('/') ? `${path}index.html` : path);
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}/`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

async function tour(url: string): Promise<string[]> {
  const { page, problems } = await openPage(browser, 1280);
  await page.goto(url);
  await page.getByRole('heading', { name: 'My Content', level: 1 }).first().waitFor();
  await page.getByRole('link', { name: 'The web feed' }).first().click();
  await page.getByRole('heading', { name: 'The web feed', level: 1 }).waitFor();
  expect(await page.locator('img[src*="feed-desktop.png"]').first().evaluate((img) => (img as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  await page.locator('#tsd-search-trigger').click();
  await page.locator('#tsd-search-input').fill('ALS');
  await expect.poll(async () => page.locator('#tsd-search-results li').allTextContents(), { timeout: 10_000 }).toContainEqual(expect.stringMatching(/createAlsModel/));
  await page.locator('#tsd-search-results li', { hasText: 'createAlsModel' }).first().click();
  await page.getByRole('heading', { name: /createAlsModel/ }).first().waitFor();
  await page.context().close();
  return problems;
}

describe.skipIf(!available)('the documentation site', () => {
  it('works on a static host: a guide with its screenshot, and search finds "ALS"', async () => {
    expect(existsSync(join(SITE, 'index.html')), 'docs/api is built by `npm run docs` (npm test builds it first)').toBe(true);
    const problems = await tour(base);
    expect(problems, problems.slice(0, 5).join('\n')).toEqual([]);
  });

  it('works from the file system too', async () => {
    const problems = await tour(pathToFileURL(join(SITE, 'index.html')).href);
    const iconSprite = (p: string) => p.includes('assets/icons.svg');
    expect(problems.filter((p) => !iconSprite(p))).toEqual([]);
  });
});
