/**
 * The acceptance check of crash recovery, from outside: 24 uploads in flight, SIGKILL of the whole `npm start`
 * process group, restart on the same data. Every job must complete within 60 s of the restart (target 30 s), none
 * may run twice (the restarted stack's inference count equals the windows of the jobs it finished), and the
 * dead-letter queue stays empty.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { counter, deadLetters, judged, speechWav, uploadMany, waitForAll } from './support.ts';

let dataDir: string | undefined;
const stacks: StackProcess[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop('SIGKILL').catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('crash of the whole local stack', () => {
  it('finishes all 24 in-flight jobs within 60 s of a restart after SIGKILL, each once', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'realtone-crash-'));
    // The trained model and the embedded database and cache: `npm start` as a user runs it.
    const env = { MODEL_MANIFEST: undefined, REALTONE_DATA_DIR: dataDir };
    const first = await startStackProcess(env, 90_000, { detached: true });
    stacks.push(first);
    const client = new ApiClient(first.api);
    await client.signUp();
    const slots = await uploadMany(client, speechWav(60), 24, 8);
    const ids = slots.map((s) => s.job_id);
    // Some are running now, the rest queued: kill everything the stack started, at once.
    const before = await Promise.all(
      ids.map(async (id) => (await client.call('GET', `/v1/jobs/${id}`)).json),
    );
    const killedAt = Date.now();
    expect(await first.stop('SIGKILL')).toBeNull();
    const unfinished = before.filter((j) => j.status !== 'completed').length;
    expect(unfinished).toBeGreaterThanOrEqual(12); // most were still in flight

    const restartedAt = Date.now();
    const second = await startStackProcess(env, 90_000, { detached: true });
    stacks.push(second);
    const readyS = (Date.now() - restartedAt) / 1000;
    const again = new ApiClient(second.api);
    again.token = client.token;
    const jobs = await waitForAll(again, ids, 60_000);
    const settledS = (Date.now() - restartedAt) / 1000;

    expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
    expect(settledS).toBeLessThan(60);
    // Each job ran to completion once: the restarted stack judged exactly the windows of the jobs it finished.
    const finishedAfter = jobs.filter(
      (j) => Date.parse((j as unknown as { updated_at: string }).updated_at) > killedAt,
    );
    const windows = await counter(second.endpoints.metrics!, 'realtone_windows_total');
    expect(windows).toBe(finishedAfter.reduce((n, j) => n + judged(j), 0));
    expect(await counter(second.endpoints.metrics!, 'realtone_jobs_total', 'outcome="completed"')).toBe(
      finishedAfter.length,
    );
    expect(await deadLetters(second.output())).toBe(0);
    console.log(
      JSON.stringify({
        scenario: 'sigkill-whole-stack',
        uploads: 24,
        unfinished_at_kill: unfinished,
        finished_after_restart: finishedAfter.length,
        restart_ready_s: readyS,
        all_completed_after_restart_s: settledS,
      }),
    );
    await second.stop('SIGTERM');
  }, 240_000);
});
