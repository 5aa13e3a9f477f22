/**
 * The web app in Debian's Chromium against the real local stack (default model), as a user goes through it: sign
 * up, a wrong file refused, a WAV and an MP3 analysed (verdict and chunk rows equal to GET /v1/jobs/{id}), history,
 * a reload that keeps the session (refresh cookie), delete, 375 px, keyboard, log out; no console error anywhere.
 * A screenshot of each step goes to test/artifacts/web/ (git-ignored).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { fakeMicrophone, launchChromium, type Browser } from '../support/chromium.ts';
import { ROOT, startStackProcess, type StackProcess } from '../support/local-stack-process.ts';

const ARTIFACTS = path.join(ROOT, 'test/artifacts/web');
const EMAIL = `web-${Date.now()}@example.com`;
const PASSWORD = 'a long enough password';
const WAV = 'speech-9.5s.wav';
const MP3 = 'speech-6.2s.mp3';

let stack: StackProcess;
let browser: Browser;
let verifier: ApiClient;
const jobIds: Record<string, string> = {};
const uploadRequests: string[] = [];
/** Job states the page received over the events socket (docs/webhooks.md), and from its first GET of each job. */
const pushed: { type: string; job?: { id: string; status: string } }[] = [];
const firstRead = new Map<string, string>();

const page = () => browser.page;
const shot = (name: string) =>
  page().screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const button = (name: string) => page().getByRole('button', { name, exact: true });

beforeAll(async () => {
  const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stderr}`);
  // This run's screenshots only: the folder is replaced.
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startStackProcess();
  browser = await launchChromium({ args: fakeMicrophone(path.join(ROOT, 'test/fixtures/e2e', WAV)) });
  page().on('response', async (response) => {
    const m = /\/v1\/jobs\/([0-9a-f-]{36})$/.exec(new URL(response.url()).pathname);
    if (!m || response.request().method() !== 'GET' || firstRead.has(m[1]!)) return;
    firstRead.set(m[1]!, 'pending');
    const body = (await response.json().catch(() => ({}))) as { status?: string };
    firstRead.set(m[1]!, body.status ?? 'unknown');
  });
  page().on('websocket', (ws) => {
    if (!new URL(ws.url()).pathname.endsWith('/v1/events')) return;
    ws.on('framereceived', (frame) => pushed.push(JSON.parse(String(frame.payload))));
  });
  page().on('request', (request) => {
    if (request.url().endsWith('/v1/uploads')) uploadRequests.push(request.url());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function analyze(file: string) {
  const before = page().url();
  await page()
    .getByLabel('Audio file', { exact: true })
    .setInputFiles(path.join(ROOT, 'test/fixtures/e2e', file));
  // Record every progress bar that appears from now on (upload, then processing): they may be brief.
  // (Browser-side scripts are strings: this project's TypeScript has no DOM types.)
  await page().evaluate(`
    window.sawProgress = [];
    new MutationObserver(() => {
      for (const bar of document.querySelectorAll('[role=progressbar], progress'))
        window.sawProgress.push(bar.getAttribute('aria-label') ?? '');
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  `);
  await button('Analyze').click();
  await page().waitForURL((url) => url.toString() !== before && /\/jobs\/[0-9a-f-]{36}$/.test(url.pathname));
  const jobId = page().url().split('/').pop()!;
  await verdictOf(file);
  const seen = await page().evaluate<string[]>('window.sawProgress');
  expect(seen.some((label) => label.startsWith('Uploading'))).toBe(true);
  expect(seen).toContain('Processing');
  return jobId;
}

/** Waits for the Verdict of the job showing `file` (not the previous job's, still on screen a moment). */
async function verdictOf(file: string) {
  await page().getByRole('heading', { level: 2, name: file, exact: true }).waitFor({ timeout: 60_000 });
  await page().getByRole('region', { name: 'Verdict' }).waitFor({ timeout: 60_000 });
}

/** The page shows exactly the job's verdict and chunks as the API returns them. */
async function expectPageMatchesJob(jobId: string) {
  const job = (await verifier.call('GET', `/v1/jobs/${jobId}`)).json;
  expect(job.status).toBe('completed');
  const verdict = page().getByRole('region', { name: 'Verdict' });
  const label: string = job.result.overall.label.replace('_', ' ');
  expect(await verdict.innerText()).toContain(label);
  expect(await verdict.innerText()).toContain(job.result.overall.score.toFixed(3));
  const rows = page().getByRole('table', { name: 'Chunks' }).locator('tbody tr');
  // Unlike the reads above, count() does not wait for the page: poll, so a re-render in between cannot fail it.
  await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(job.result.chunks.length);
  for (const [i, chunk] of job.result.chunks.entries()) {
    const cells = await rows.nth(i).locator('td').allInnerTexts();
    expect(cells[0]).toBe(String(chunk.index + 1));
    expect(cells[2]).toBe(chunk.score === null ? '—' : chunk.score.toFixed(3));
  }
  return job;
}

describe('the web app in Chromium', () => {
  it('serves the page with a CSP and no inline script', async () => {
    const res = await fetch(`${stack.api}/`);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const deep = await fetch(`${stack.api}/jobs/00000000-0000-4000-8000-000000000000`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);
    const api404 = await fetch(`${stack.api}/v1/nope`);
    expect(api404.status).toBe(404);
    expect(api404.headers.get('content-type')).toBe('application/json');
  });

  it('signs up, which logs in', async () => {
    await page().goto(stack.api);
    await page().getByLabel('Email', { exact: true }).fill(EMAIL);
    await page().getByLabel('Password', { exact: true }).fill(PASSWORD);
    await button('Create account').click();
    await button('Log out').waitFor();
    await page().getByRole('region', { name: 'History' }).waitFor();
    verifier = new ApiClient(stack.api);
    await verifier.signUp(EMAIL, PASSWORD); // 409 on register (the page created it), then log in
    await shot('01-signed-up');
  });

  it('refuses a wrong file type with a readable message, sending nothing', async () => {
    await page()
      .getByLabel('Audio file', { exact: true })
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not audio') });
    const alert = page().getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/“notes\.txt” is not an audio file RealTone can read/);
    expect(await button('Analyze').isDisabled()).toBe(true);
    expect(uploadRequests).toEqual([]);
    await shot('02-wrong-type-refused');
  });

  it('analyses a WAV: verdict and chunk rows equal to the job', async () => {
    jobIds[WAV] = await analyze(WAV);
    const job = await expectPageMatchesJob(jobIds[WAV]);
    expect(job.result.chunks).toHaveLength(3);
    // Unless it had finished by the page's first read, the page followed the job through the events socket, which
    // delivered it finished.
    if (firstRead.get(jobIds[WAV]!) !== 'completed')
      expect(
        pushed.some((m) => m.type === 'job' && m.job?.id === jobIds[WAV] && m.job?.status === 'completed'),
      ).toBe(true);
    // The file was decoded in the page, so the waveform is drawn, not only the chunk lane.
    const canvas = page().getByRole('img', { name: /^Waveform of/ });
    expect(await canvas.getAttribute('aria-label')).not.toContain('shown only for files uploaded');
    await shot('03-wav-result');
  });

  it('analyses an MP3: verdict and chunk rows equal to the job', async () => {
    jobIds[MP3] = await analyze(MP3);
    await expectPageMatchesJob(jobIds[MP3]);
    await shot('04-mp3-result');
  });

  it('lists both files in History and opens one', async () => {
    const history = page().getByRole('region', { name: 'History' });
    await history.getByRole('link', { name: WAV }).waitFor();
    expect(await history.innerText()).toContain(MP3);
    await history.getByRole('link', { name: WAV }).click();
    await page().waitForURL(`**/jobs/${jobIds[WAV]}`);
    await verdictOf(WAV);
    await expectPageMatchesJob(jobIds[WAV]!);
    await shot('05-history-open');
  });

  it('stays signed in across a reload (refresh cookie) and shows the job from the URL', async () => {
    await page().reload();
    await button('Log out').waitFor();
    await verdictOf(WAV);
    await expectPageMatchesJob(jobIds[WAV]!);
    const cookies = await browser.context.cookies(stack.api + '/v1/auth/refresh');
    expect(cookies.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite, c.path])).toEqual([
      ['rt_refresh', true, true, 'Strict', '/v1/auth/refresh'],
    ]);
    expect(await page().evaluate<string>('document.cookie')).toBe('');
  });

  it('deletes a job from History', async () => {
    const history = page().getByRole('region', { name: 'History' });
    await history.getByRole('button', { name: `Delete ${MP3}…` }).click();
    await history.getByRole('button', { name: `Delete ${MP3}`, exact: true }).click();
    await history.getByRole('link', { name: MP3 }).waitFor({ state: 'detached' });
    expect((await verifier.call('GET', `/v1/jobs/${jobIds[MP3]}`)).status).toBe(404);
    expect(await history.innerText()).toContain(WAV);
    await shot('06-deleted');
  });

  it('streams the microphone live (fake capture) with window verdicts as they arrive, then a summary', async () => {
    const live = page().getByRole('region', { name: 'Live microphone' });
    await live.getByRole('button', { name: 'Start listening' }).click();
    const rows = live.getByRole('table', { name: 'Live windows' }).locator('tbody tr');
    // The fake microphone plays in real time: window 0 needs 4 s of audio, then one per second.
    for (let i = 0; i < 300 && (await rows.count()) < 3; i++) await page().waitForTimeout(100);
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    const first = await rows.last().locator('td').allInnerTexts(); // newest first: the last row is window 0
    expect(first[0]).toBe('0:00.0–0:04.0');
    expect(first[2]).toMatch(/^(real|likely fake|fake)$/);
    await shot('07-live-microphone');
    await live.getByRole('button', { name: 'Stop listening' }).click();
    const verdict = live.getByRole('region', { name: 'Live verdict' });
    await verdict.waitFor({ timeout: 30_000 });
    const href = await live.getByRole('link', { name: 'Open it from History' }).getAttribute('href');
    const job = (await verifier.call('GET', href!.replace('/jobs/', '/v1/jobs/'))).json;
    expect(job).toMatchObject({ kind: 'stream', status: 'completed' });
    expect(await verdict.innerText()).toContain(job.result.overall.label.replace('_', ' '));
    expect(await live.innerText()).toContain(`${job.result.chunks.length} windows`);
    await page()
      .getByRole('region', { name: 'History' })
      .getByRole('link', { name: /^Microphone / })
      .waitFor();
  });

  it('links the model card from the note on what the model can and cannot detect', async () => {
    const note = page().getByRole('complementary', { name: 'About the model' });
    expect(await note.innerText()).toContain('never seen modern neural text-to-speech');
    await note.getByRole('link', { name: 'Read the model card' }).click();
    await page().waitForURL('**/model');
    await page().getByRole('heading', { name: 'Model card: realtone-wavlm-small' }).waitFor();
    expect(await page().locator('pre.model-card').innerText()).toContain('accuracy at `likely_fake`');
    await shot('08-model-card');
    await page().goBack();
    await page().getByRole('region', { name: 'History' }).waitFor();
  });

  it('fits a 375 px wide screen', async () => {
    await page().setViewportSize({ width: 375, height: 812 });
    const width = await page().evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(375);
    await shot('09-mobile-375');
    await page().setViewportSize({ width: 1280, height: 900 });
  });

  it('logs out, which revokes the session, and logs in again by keyboard', async () => {
    await button('Log out').click();
    await button('Log in').waitFor();
    await page().reload();
    await button('Log in').waitFor();
    expect(await button('Log out').count()).toBe(0);
    await page().getByLabel('Email', { exact: true }).focus();
    await page().keyboard.type(EMAIL);
    await page().keyboard.press('Tab');
    await page().keyboard.type(PASSWORD);
    await page().keyboard.press('Enter');
    await button('Log out').waitFor();
    // Tab from the top of the page reaches the file picker, and the picker's hint names the limits.
    await page().evaluate('document.activeElement?.blur()');
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page().keyboard.press('Tab');
      reached = await page().evaluate<boolean>("document.activeElement?.type === 'file'");
    }
    expect(reached).toBe(true);
    await shot('10-keyboard-login');
  });

  it('logged no console error, page error or failed request', () => {
    expect(browser.problems).toEqual([]);
  });
});
