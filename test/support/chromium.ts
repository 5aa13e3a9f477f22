/**
 * Debian's Chromium driven by playwright-core (which never downloads a browser): the flags the project fixes for
 * headless runs, a fresh profile directory per launch, and a collector of everything that should fail a test: console
 * errors, uncaught page errors and failed requests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and failed requests seen so far, as readable lines. */
  problems: string[];
  close(): Promise<void>;
}

/** Chromium's fake microphone, playing `wavFile` in a loop, with the permission prompt accepted. */
export const fakeMicrophone = (wavFile: string) => [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${wavFile}`,
];

export async function launchChromium(
  options: { viewport?: { width: number; height: number }; args?: string[] } = {},
): Promise<Browser> {
  const viewport = options.viewport ?? { width: 1280, height: 900 };
  // A fresh --user-data-dir per run: playwright passes it through launchPersistentContext.
  const profile = await mkdtemp(path.join(os.tmpdir(), 'realtone-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.args ?? [])],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // A navigation or poll cancelled on purpose (the page moved on) is not a failure.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
