/**
 * What the browser tests and the screenshot script share: the service on embedded defaults on a
 * free port, Debian's Chromium, and pages that record every console error and failed request.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildApp } from '../../service/src/app';
import { openBackends } from '../../service/src/backends';
import { readConfig } from '../../service/src/config';

/** Where Chromium is (Debian's package by default). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether Chromium is here; under `CI=true` its absence is an error, elsewhere a printed skip. */
export function chromiumAvailable(): boolean {
  const ci = (process.env.CI ?? '') !== '' && !['0', 'false'].includes(process.env.CI!.toLowerCase());
  if (existsSync(CHROMIUM)) return true;
  if (ci) throw new Error(`CI=true requires Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
  console.warn(`[web-feed] skipping the browser tests: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
  return false;
}

/** A running service (tiny demo news, generous rate limits, plus `env`) and how to stop it. */
export interface RunningService {
  base: string;
  close(): Promise<void>;
}

export async function startService(env: Record<string, string> = {}): Promise<RunningService> {
  const config = readConfig({ DEMO_SCALE: 'tiny', RATE_LIMIT_PER_MINUTE: '100000', AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...env });
  const backends = await openBackends(config);
  const app = await buildApp(config, backends);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    base,
    async close() {
      await app.close();
      await backends.close();
    },
  };
}

/** Headless Chromium (no sandbox: the tests may run as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A page in a fresh context of `width` pixels that records every console error, page error and failed request. */
export async function openPage(browser: Browser, width: number, height = 900): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  return { page, problems };
}

/** A new reader signs up in the app and picks one section; resolves on their first feed page. */
export async function signUpReader(page: Page, base: string, email: string, section: string): Promise<void> {
  await page.goto(`${base}/app/`);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel(section, { exact: true }).check();
  await page.getByRole('button', { name: 'Show my feed' }).click();
  await page.locator('article.card').first().waitFor();
}
