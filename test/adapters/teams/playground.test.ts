/**
 * The Teams channel driven by Microsoft 365 Agents Playground (@microsoft/m365agentsplayground),
 * fully offline: the Playground's Teams-like web client and mock connector service run on
 * loopback against the bot in local mode, and Debian's Chromium (playwright-core) plays the user:
 * the welcome card arrives, a typed problem gets a question card, a click moves on to a
 * remediation and the answered card is updated in place. A screenshot goes to test-results/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startApp, type RunningApp } from '../../helpers/server';

const ROOT = path.join(__dirname, '..', '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLAYGROUND_CLI = path.join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
const SCREENSHOT_DIR = path.join(ROOT, 'test-results');

/** Starts the Playground against the bot and resolves with its URL once it listens. */
function startPlayground(botEndpoint: string, workDir: string): { child: ChildProcess; url: Promise<string>; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [PLAYGROUND_CLI, '-e', botEndpoint, '-c', 'msteams', '-p', '0', '--dt'], {
    cwd: workDir,
    // No browser to open (the test brings its own), and its log file in the scratch folder.
    env: { PATH: process.env.PATH, HOME: workDir, TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_LOGFILE: path.join(workDir, 'playground.log') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /Listening on (\d+)/.exec(output)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}/`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Agents Playground exited (${code}):\n${output}`)));
  });
  return { child, url, output: () => output };
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('Teams channel in Microsoft 365 Agents Playground (offline)', () => {
  let running: RunningApp;
  let browser: Browser;
  let playground: ReturnType<typeof startPlayground> | undefined;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'playground-'));
    running = await startApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stopProcess(playground?.child);
    await running?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const card = (page: Page, text: string) => page.getByText(text, { exact: true }).last();

  it('welcomes, asks, takes a click and updates the answered card', async () => {
    playground = startPlayground(`${running.base}/api/messages`, workDir);
    const url = await playground.url;
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    await page.goto(url, { waitUntil: 'domcontentloaded' });

    // Opening the personal chat installs the bot: the welcome card with the topic menu.
    await card(page, "Hi, I'm the IT helpdesk bot").waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Network problems' }).first().waitFor();

    const box = page.getByRole('textbox').first();
    await box.click();
    await box.pressSequentially('my wifi is not working');
    await box.press('Enter');
    await card(page, 'Where are you?').waitFor({ timeout: 20_000 });

    await page.getByRole('button', { name: 'At home' }).last().click();
    await card(page, 'Restart your router').waitFor({ timeout: 20_000 });
    await page.getByText('Did "Restart your router" fix it?').waitFor();
    // The answered question's card now shows the answer and has no "At home" button left.
    await page.getByText('Your answer').first().waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'At home' }).count()).toBe(0);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'teams-playground.png'), fullPage: true });
    await page.close();
  }, 120_000);
});
