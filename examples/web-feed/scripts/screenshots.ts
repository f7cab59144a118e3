/**
 * Screenshots of the web feed's pages at phone and desktop widths, for the docs:
 * docs/screenshots/<page>-<phone|desktop>.png. From the repository root:
 *
 *   npm run screenshots
 *
 * Starts the service on embedded defaults (tiny demo news, the example experiment), drives Debian's
 * Chromium (`CHROMIUM_PATH` to point elsewhere) and fails on any console error or failed request.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, openPage, startService } from '../test/browser';

const OUT = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const WIDTHS = { phone: 390, desktop: 1280 } as const;
const ADMIN = { email: 'admin@example.com', password: 'admin password 1234' };

const service = await startService({
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  EXPERIMENTS_FILE: fileURLToPath(new URL('../../service/experiments.json', import.meta.url)),
});
const base = service.base;
const browser = await launchChromium();
await mkdir(OUT, { recursive: true });
const problems: string[] = [];

async function shoot(page: Page, name: string, width: string) {
  await page.waitForLoadState('networkidle');
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  if (overflow > 0) problems.push(`${name} at ${width}: ${overflow}px wider than the screen`);
  await page.screenshot({ path: `${OUT}${name}-${width}.png` });
  console.log(`docs/screenshots/${name}-${width}.png`);
}

try {
  for (const [width, px] of Object.entries(WIDTHS)) {
    const { page, problems: seen } = await openPage(browser, px, width === 'phone' ? 844 : 900);
    const context = page.context();
    await page.goto(`${base}/app/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shoot(page, 'sign-in', width);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(`reader-${width}@example.com`);
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'What do you like to read?' }).waitFor();
    await page.getByLabel('sport', { exact: true }).check();
    await page.getByLabel('science', { exact: true }).check();
    await shoot(page, 'onboarding', width);
    await page.getByRole('button', { name: 'Show my feed' }).click();
    await page.locator('article.card').nth(5).waitFor();
    await shoot(page, 'feed', width);
    await page.locator('article.card a').first().click();
    await page.getByRole('heading', { name: 'More like this' }).waitFor();
    await page.locator('.similar article.card').first().waitFor();
    await shoot(page, 'article', width);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Export my data' }).waitFor();
    await shoot(page, 'settings', width);
    await context.close();
    problems.push(...seen);

    const { page: adminPage, problems: adminSeen } = await openPage(browser, px);
    await adminPage.goto(`${base}/app/`);
    await adminPage.getByLabel('Email').fill(ADMIN.email);
    await adminPage.getByLabel('Password').fill(ADMIN.password);
    await adminPage.getByRole('button', { name: 'Sign in' }).click();
    await adminPage.getByRole('link', { name: 'Dashboard' }).click();
    await adminPage.getByRole('table', { name: 'experiment blend-weight' }).waitFor();
    await adminPage.waitForFunction("Number(document.querySelector('figure.chart svg')?.getAttribute('data-points')) > 0");
    await shoot(adminPage, 'dashboard', width);
    await adminPage.getByRole('link', { name: 'Publish' }).click();
    await adminPage.getByRole('table', { name: 'new articles' }).locator('tbody tr').first().waitFor();
    await shoot(adminPage, 'publish', width);
    await adminPage.context().close();
    problems.push(...adminSeen);
  }
} finally {
  await browser.close();
  await service.close();
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
