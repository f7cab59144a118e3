/**
 * The product team's side, in Chromium: an admin's dashboard shows the latency chart and the
 * running experiment's table; an article an editor publishes from the newsroom page (no
 * embedding) reaches a reader of its section within 5 s. Any console error or failed request fails the test.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, openPage as open, signUpReader, startService, type RunningService } from './browser';

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
    // The registry versions it serves: trained at start and saved as serving (version 1 of each).
    expect(await page.locator('.tile', { hasText: 'models serving' }).locator('.tile-value').textContent()).toBe('content v1 · related v1 · trending v1');
    // The newest articles and their reach: the demo's newest, each with its impressions.
    await expect.poll(async () => page.getByRole('table', { name: 'new articles' }).locator('tbody tr').count()).toBe(10);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('puts an article an editor publishes from the newsroom page in the feed of a reader of its section within 5 s', async () => {
    const admin = await call<{ access_token: string }>('POST', '/api/v1/auth/sign-in', undefined, ADMIN);
    const { page, problems } = await openPage();
    await signUpReader(page, base, 'sport-fan@example.com', 'sport');
    // The reader likes a sport article: they read sport now.
    const liked = page.locator('article.card[data-category="sport"]').first();
    await liked.getByRole('button', { name: /^Like/ }).click();
    await expect.poll(async () => liked.getByRole('button', { name: /^Like/ }).getAttribute('aria-pressed')).toBe('true');

    // An editor (an account the admin gave the role) publishes a sport article from the newsroom
    // page: a headline, a standfirst, the section and a text — no embedding.
    const editor = await call<{ account: { id: string } }>('POST', '/api/v1/auth/sign-up', undefined, { email: 'editor@example.com', password: 'an editor password' });
    await call('PATCH', `/api/v1/accounts/${editor.account.id}`, admin.access_token, { role: 'editor' });
    const newsroom = await openPage();
    await signIn(newsroom.page, 'editor@example.com', 'an editor password');
    await newsroom.page.getByRole('link', { name: 'Publish' }).click();
    const form = newsroom.page.getByRole('form', { name: 'new article' });
    await form.getByLabel('Headline').fill('Breaking: the final goes to extra time');
    await form.getByLabel('Standfirst').fill('Two goals in the last ten minutes');
    await form.getByLabel('Section').selectOption('sport');
    await form.getByLabel('Text').fill('The national team came back from two goals down.');
    await form.getByRole('button', { name: 'Publish' }).click();
    await newsroom.page.getByRole('status').filter({ hasText: 'Published' }).waitFor();
    const published = Date.now();
    const headline = 'article.card:has-text("Breaking: the final goes to extra time")';
    let seenAfter = Number.NaN;
    for (let attempt = 0; attempt < 25 && !Number.isFinite(seenAfter); attempt++) {
      await page.reload();
      await page.locator('article.card').first().waitFor({ timeout: 5_000 }).catch(async () => {
        throw new Error(`no card after a reload: ${JSON.stringify(problems)} ${page.url()} ${(await page.locator('main').textContent())?.slice(0, 200)}`);
      });
      if ((await page.locator(headline).count()) > 0) seenAfter = Date.now() - published;
      else await page.waitForTimeout(200);
    }
    console.log(`publishing: the new article reached the reader's feed ${seenAfter} ms after it was published`);
    expect(seenAfter).toBeLessThan(5_000);
    const card = page.locator(headline);
    expect(await card.getAttribute('data-category')).toBe('sport');
    expect(await card.getAttribute('data-source')).toBe('bootstrap:new'); // placed for its section, not by chance
    expect(await card.locator('.reason').textContent()).toBe('New');
    // The newsroom's table shows it first among the newest articles.
    const newest = newsroom.page.getByRole('table', { name: 'new articles' }).locator('tbody tr').first();
    await expect.poll(async () => newest.textContent(), { timeout: 10_000 }).toContain('Breaking: the final goes to extra time');
    // The reader's feed showed it: an impression, counted by the service (countImpressions).
    await expect.poll(async () => newest.getByRole('img').getAttribute('aria-label'), { timeout: 15_000 }).toMatch(/^[1-9]\d* impressions$/);
    expect(problems).toEqual([]);
    expect(newsroom.problems).toEqual([]);
    await page.context().close();
    await newsroom.page.context().close();
  });
});
