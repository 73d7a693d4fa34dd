/**
 * The web chat page in a real browser (Debian's Chromium driven by playwright-core): a user
 * types a problem, clicks through the questions to a remediation, and the page is saved as a
 * screenshot in test-results/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadCatalogue } from '../../../src/flows/catalogue';
import { startApp, type RunningApp } from '../../helpers/server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = path.join(__dirname, '..', '..', '..', 'test-results');

describe('web chat page in Chromium', () => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp({ catalogue: loadCatalogue() });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it('types a problem, clicks through to a remediation and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1100 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${running.base}/`);

    // The greeting shows the topic menu as buttons.
    await page.locator('.msg.question .options button').first().waitFor();

    await page.fill('#message', 'Outlook keeps asking for my password <b>again</b>');
    await page.press('#message', 'Enter');
    // The user's text is shown as text, never as markup.
    await page.locator('.msg.user', { hasText: '<b>again</b>' }).waitFor();
    expect(await page.locator('.msg.user b').count()).toBe(0);

    // Answer each question with its first option until the bot shows a remediation.
    for (let step = 0; step < 10; step++) {
      if ((await page.locator('.msg.remediation').count()) > 0) break;
      const open = page.locator('.msg.question .options:not(:has(button:disabled)) button').first();
      await open.waitFor();
      const before = await page.locator('.msg.bot').count();
      await open.click();
      await page.waitForFunction((n) => document.querySelectorAll('.msg.bot').length > n, before);
    }
    const remediation = page.locator('.msg.remediation').first();
    await remediation.waitFor();
    expect(await remediation.locator('ol > li').count()).toBeGreaterThan(0);
    // The answered questions keep only the chosen answer highlighted; their buttons are disabled.
    expect(await page.locator('.options button.chosen').count()).toBeGreaterThan(0);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-chat-remediation.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
