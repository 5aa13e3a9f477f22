/**
 * The embedded database's disk fills up. `npm start` without Postgres keeps its data in PGlite under the data
 * directory; here that directory is a real, small file system (a tmpfs this test mounts, so the disk is truly full:
 * no fault injection), which the test fills to the last byte while jobs run. Asserted: writes that need space get
 * 507 problem+json `storage_full` with a message that says so (never a 500), reads go on, the process keeps
 * running, the jobs uploaded before the fill all end `completed` (each once) after space is freed, new uploads work
 * again, and the data survives a restart on the same directory. Needs the right to mount (root, as CI runs): the
 * scenario says so and is skipped where mounting is refused.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { counter, deadLetters, judged, speechWav, uploadMany, waitForAll } from './support.ts';

const mount = (dir: string, mb: number) => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};
const unmount = (dir: string) => execFileSync('umount', ['-l', dir], { stdio: 'pipe' });

const root = mkdtempSync(path.join(os.tmpdir(), 'realtone-disk-full-'));
const dbDir = path.join(root, 'pglite'); // where the stack keeps PGlite (stack.ts)
mkdirSync(dbDir);
// 160 MB: PGlite's cluster takes about 40 MB; the rest is what the test fills.
const mounted = mount(dbDir, 160);
if (!mounted) console.warn('disk-full: cannot mount a tmpfs here (needs root); scenario skipped');

const stacks: StackProcess[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop('SIGKILL').catch(() => undefined);
  if (mounted) unmount(dbDir);
  rmSync(root, { recursive: true, force: true });
});

/** Writes a file until the file system refuses with ENOSPC, down to its last 512 bytes. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  try {
    for (let size = 1 << 20; size >= 512; size >>= 1) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

const free = (dir: string) => statfsSync(dir).bavail * statfsSync(dir).bsize;
const newUpload = { filename: 'x.wav', content_type: 'audio/wav', size_bytes: 1000 };

describe('the embedded database runs out of disk', () => {
  it.skipIf(!mounted)(
    'answers 507 storage_full, keeps running and finishes every job once space is back',
    async () => {
      const env = { MODEL_MANIFEST: undefined, REALTONE_DATA_DIR: root };
      const stack = await startStackProcess(env);
      stacks.push(stack);
      expect(stack.output()).toContain(dbDir); // the embedded database, on the small file system
      const client = new ApiClient(stack.api);
      await client.signUp();
      const slots = await uploadMany(client, speechWav(3 * 60), 6, 2);
      const ids = slots.map((s) => s.job_id);
      // The disk fills while the worker is at work: a job under way (or done), the rest still to run.
      for (const deadline = Date.now() + 90_000; ;) {
        const jobs = await Promise.all(
          ids.map(async (id) => (await client.call('GET', `/v1/jobs/${id}`)).json),
        );
        if (
          jobs.some(
            (j) => j.status === 'completed' || (j.status === 'processing' && j.progress.chunks_done > 0),
          )
        )
          break;
        if (Date.now() > deadline) throw new Error(`no job got under way: ${JSON.stringify(jobs)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const unfinishedAtFill = (
        await Promise.all(ids.map(async (id) => (await client.call('GET', `/v1/jobs/${id}`)).json.status))
      ).filter((s) => s !== 'completed').length;

      const filler = fill(dbDir);
      const filledAt = Date.now();
      expect(free(dbDir)).toBeLessThan(4096);
      // Each upload is a few rows; once a table or index must grow, the write is refused.
      const answers: { status: number; type: string | null; body: string }[] = [];
      while (answers.filter((a) => a.status === 507).length < 5 && answers.length < 1000)
        for (const res of [await client.call('POST', '/v1/uploads', newUpload)])
          answers.push({ status: res.status, type: res.headers.get('content-type'), body: res.text });
      const listWhileFull = await client.call('GET', '/v1/jobs');
      // The disk stays full for at least 10 s, and until the worker too has had a write refused (at most 45 s).
      const workerRefusals = () =>
        stack
          .output()
          .split('\n')
          .filter((l) => l.includes('no disk space') && !l.includes('"request failed"')).length;
      while (Date.now() - filledAt < 10_000 || (workerRefusals() === 0 && Date.now() - filledAt < 45_000))
        await new Promise((r) => setTimeout(r, 250));
      expect(stack.child.exitCode).toBeNull(); // still running
      const refusedWorkerWrites = workerRefusals();
      rmSync(filler);
      const fullS = (Date.now() - filledAt) / 1000;

      const refused = answers.filter((a) => a.status === 507);
      expect(refused.length).toBe(5);
      expect(answers.every((a) => a.status === 201 || a.status === 507)).toBe(true); // never a 500
      for (const a of refused) {
        expect(a.type).toBe('application/problem+json');
        expect(JSON.parse(a.body)).toMatchObject({
          status: 507,
          code: 'storage_full',
          detail: expect.stringMatching(/no disk space/),
        });
        expect(a.body).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
      }
      expect(listWhileFull.status).toBe(200); // reads go on
      // Jobs were in flight when the disk filled, and the worker's own writes were refused too.
      expect(unfinishedAtFill).toBeGreaterThan(0);
      expect(refusedWorkerWrites).toBeGreaterThan(0);

      // Space is back: the jobs uploaded before the fill finish, each once, and uploads are taken again.
      const jobs = await waitForAll(client, ids, 180_000);
      const settledS = (Date.now() - filledAt) / 1000 - fullS;
      expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
      expect(await counter(stack.endpoints.metrics!, 'realtone_windows_total')).toBe(
        jobs.reduce((n, j) => n + judged(j), 0),
      );
      expect(await counter(stack.endpoints.metrics!, 'realtone_jobs_total', 'outcome="completed"')).toBe(
        ids.length,
      );
      expect(await deadLetters(stack.output())).toBe(0);
      expect((await client.call('POST', '/v1/uploads', newUpload)).status).toBe(201);

      // Nothing was corrupted: the same data opens again, with every job as it was left.
      expect(await stack.stop('SIGTERM')).toBe(0);
      const again = await startStackProcess(env);
      stacks.push(again);
      const reopened = new ApiClient(again.api);
      reopened.token = client.token;
      for (const id of ids)
        expect((await reopened.call('GET', `/v1/jobs/${id}`)).json.status).toBe('completed');
      console.log(
        JSON.stringify({
          scenario: 'embedded-database-disk-full',
          jobs_before_fill: ids.length,
          unfinished_at_fill: unfinishedAtFill,
          uploads_taken_while_full: answers.length - refused.length,
          uploads_refused_507: refused.length,
          full_s: fullS,
          worker_writes_refused: refusedWorkerWrites,
          all_completed_after_space_freed_s: settledS,
        }),
      );
    },
    300_000,
  );
});
