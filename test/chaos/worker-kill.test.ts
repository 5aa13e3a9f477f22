/**
 * A detector worker killed with SIGKILL in the middle of a job: the job restarts on another worker within the hold
 * (WORKER_VISIBILITY_TIMEOUT_SECONDS, 30 s by default: the message comes back, the lease has run out) and
 * completes there, once. The stack runs no worker of its own (LOCAL_QUEUE_WORKER=off); the workers are separate
 * processes, as ECS tasks are.
 */
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import {
  counter,
  deadLetters,
  judged,
  speechWav,
  startWorkerProcess,
  uploadMany,
  waitForAll,
  type WorkerProcess,
} from './support.ts';

let stack: StackProcess | undefined;
const workers: WorkerProcess[] = [];
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await stack?.stop('SIGTERM');
});

describe('worker killed mid-job', () => {
  it('restarts the job on another worker within 30 s and completes it once', async () => {
    const shared = {
      DATABASE_URL: inject('databaseUrl'),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `${inject('redisPrefix')}kill:`,
    };
    stack = await startStackProcess({ ...shared, LOCAL_QUEUE_WORKER: 'off', MODEL_MANIFEST: undefined });
    const first = await startWorkerProcess(stack, shared);
    workers.push(first);
    const client = new ApiClient(stack.api);
    await client.signUp();
    const [slot] = await uploadMany(client, speechWav(15 * 60), 1);
    const id = slot!.job_id;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = (await client.call('GET', `/v1/jobs/${id}`)).json;
      if (job.status === 'processing' && job.progress.chunks_done > 0) break;
      if (Date.now() > deadline) throw new Error(`job never got under way: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The second worker is up and idle before the first dies: what is measured is recovery, not start-up.
    const second = await startWorkerProcess(stack, shared);
    workers.push(second);
    first.child.kill('SIGKILL');
    const killedAt = Date.now();

    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    let restartedS: number | undefined;
    while (Date.now() - killedAt < 60_000) {
      const { rows } = await db.query('SELECT status, attempts FROM detection_jobs WHERE id = $1', [id]);
      if (rows[0].attempts === 2 || rows[0].status === 'completed') {
        restartedS = (Date.now() - killedAt) / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await db.end();
    const [job] = await waitForAll(client, [id], 120_000);
    const completedS = (Date.now() - killedAt) / 1000;
    expect(job!.status).toBe('completed');
    expect(restartedS).toBeDefined();
    expect(restartedS!).toBeLessThanOrEqual(31);
    // The second worker ran the whole job once: its inference count is the job's windows, no more.
    expect(await counter(second.metrics, 'realtone_windows_total')).toBe(judged(job!));
    expect(await counter(second.metrics, 'realtone_jobs_total', 'outcome="completed"')).toBe(1);
    expect(await deadLetters(stack.output())).toBe(0);
    console.log(
      JSON.stringify({
        scenario: 'worker-sigkill',
        restarted_on_second_worker_s: restartedS,
        completed_after_kill_s: completedS,
      }),
    );
    second.child.kill('SIGTERM');
  }, 240_000);
});
