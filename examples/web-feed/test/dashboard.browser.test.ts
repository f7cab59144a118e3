/**
 * The product team's side, in Chromium: an admin's dashboard shows the latency chart and the
 * running experiment's table; an article an editor publishes reaches a reader of its section
 * within 5 s. Any console error or failed request fails the test.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, openPage as open, startService, type RunningService } from './browser';

const available = chromiumAvailable();
const ADMIN = { email: 'admin@example.com', password: 'admin password 1234' };
let service: RunningService;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!available) return;
  service = await startService({
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    EXPERIMENTS_FILE: fileURLToPath(new URL('../../service/experiments.json', import.meta.url)),
  });
  base = service.base;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await service?.close();
});

const openPage = () => open(browser, 1280);

/** A JSON call as a signed-in user (a token from sign-in or sign-up). */
async function call<T>(method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok, `${method} ${path}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${base}/app/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe.skipIf(!available)('the dashboard and publishing, in Chromium', () => {
  it("shows an admin the latency chart and the experiment's table", async () => {
    // Traffic: readers served and clicking, each in their variant.
    for (let i = 0; i < 6; i++) {
      const { account, access_token: token } = await call<{ account: { id: string }; access_token: string }>('POST', '/api/v1/auth/sign-up', undefined, { email: `r${i}@example.com`, password: 'a long enough password' });
      const list = await call<{ recommendation_id: string; items: { article_id: string }[] }>('GET', `/api/v1/recommendations?user_id=${account.id}&n=10`, token);
      await call('POST', '/api/v1/feedback', token, { user_id: account.id, article_id: list.items[0]!.article_id, type: 'click', recommendation_id: list.recommendation_id });
    }
    const { page, problems } = await openPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await expect.poll(async () => Number(await page.locator('figure.chart svg').getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(async () => page.locator('figure.chart g circle').count()).toBeGreaterThanOrEqual(3); // p50, p95, p99 of each poll
    const table = page.getByRole('table', { name: 'experiment blend-weight' });
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(3);
    await expect.poll(async () => page.locator('.tile-value').first().textContent()).toMatch(/\d+\.\d ms/);
    // The newest articles and their reach: the demo's newest, each with its impressions.
    await expect.poll(async () => page.getByRole('table', { name: 'new articles' }).locator('tbody tr').count()).toBe(10);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('puts an article an editor publishes in the feed of a reader of its section within 5 s', async () => {
    const admin = await call<{ access_token: string }>('POST', '/api/v1/auth/sign-in', undefined, ADMIN);
    const { page, problems } = await openPage();
    await page.goto(`${base}/app/`);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill('sport-fan@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByLabel('sport', { exact: true }).check();
    await page.getByRole('button', { name: 'Show my feed' }).click();
    // The reader likes a sport article: they read sport now.
    const liked = page.locator('article.card[data-category="sport"]').first();
    const likedId = (await liked.getAttribute('data-article'))!;
    await liked.getByRole('button', { name: /^Like/ }).click();
    await expect.poll(async () => liked.getByRole('button', { name: /^Like/ }).getAttribute('aria-pressed')).toBe('true');

    // An editor publishes a sport article much like it.
    const source = await call<{ embedding: number[] }>('GET', `/api/v1/articles/${likedId}`, undefined);
    const published = Date.now();
    await call('POST', '/api/v1/articles', admin.access_token, { articles: [{ id: 'breaking-sport-1', title: 'Breaking: the final goes to extra time', category: 'sport', embedding: source.embedding }] });
    let seenAfter = Number.NaN;
    for (let attempt = 0; attempt < 25 && !Number.isFinite(seenAfter); attempt++) {
      await page.reload();
      await page.locator('article.card').first().waitFor({ timeout: 5_000 }).catch(async () => {
        throw new Error(`no card after a reload: ${JSON.stringify(problems)} ${page.url()} ${(await page.locator('main').textContent())?.slice(0, 200)}`);
      });
      if ((await page.locator('article.card[data-article="breaking-sport-1"]').count()) > 0) seenAfter = Date.now() - published;
      else await page.waitForTimeout(200);
    }
    console.log(`publishing: the new article reached the reader's feed ${seenAfter} ms after it was published`);
    expect(seenAfter).toBeLessThan(5_000);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
