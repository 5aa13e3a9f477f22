/**
 * The SQS emulator restarts mid-run and comes back empty, as fauxqs does (it keeps queues and messages in memory).
 * The stack runs against an emulator in a process of its own (LOCAL_SQS_ENDPOINT), which this test kills with
 * SIGKILL while jobs are queued and one is being analysed, and uploads more while it is down. The stack's queue
 * watch must put the queues back and re-send what was lost: every job completes, each once (the inference count
 * equals the windows of the results), the queues end empty and nothing reaches the dead-letter queue.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import {
  counter,
  deadLetters,
  freePort,
  judged,
  queueDepth,
  speechWav,
  startSqsServer,
  stopped,
  uploadMany,
  waitForAll,
} from './support.ts';

let stack: StackProcess | undefined;
let emulator: ChildProcess | undefined;
afterAll(async () => {
  await stack?.stop('SIGTERM');
  if (emulator) await stopped(emulator, 'SIGKILL');
});

const statuses = async (client: ApiClient, ids: string[]) =>
  Promise.all(ids.map(async (id) => (await client.call('GET', `/v1/jobs/${id}`)).json.status as string));

describe('SQS emulator restart', () => {
  it('loses no job: queued, running and uploaded-while-down jobs all complete once', async () => {
    const port = await freePort();
    emulator = await startSqsServer(port);
    // `npm start` as a user runs it (embedded database, trained model), with the emulator outside the process.
    stack = await startStackProcess({
      MODEL_MANIFEST: undefined,
      LOCAL_SQS_ENDPOINT: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'WARN',
    });
    const client = new ApiClient(stack.api);
    await client.signUp();
    // A long job first, so it is still running when the emulator is back; then a queue of short ones.
    const wav = speechWav(3 * 60);
    const first = [
      ...(await uploadMany(client, speechWav(12 * 60), 1)),
      ...(await uploadMany(client, wav, 5, 3)),
    ].map((s) => s.job_id);
    for (const deadline = Date.now() + 90_000; ;) {
      const job = (await client.call('GET', `/v1/jobs/${first[0]}`)).json;
      if (job.status === 'processing' && job.progress.chunks_done > 0) break;
      if (Date.now() > deadline) throw new Error(`no job got under way: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    await stopped(emulator, 'SIGKILL');
    const killedAt = Date.now();
    const atKill = await statuses(client, first);
    // Uploads go on while the queue is gone: S3 stores them, their notifications are lost.
    const whileDown = (await uploadMany(client, wav, 2, 2)).map((s) => s.job_id);
    await new Promise((r) => setTimeout(r, Math.max(0, 4000 - (Date.now() - killedAt))));
    emulator = await startSqsServer(port);
    const restartedAt = Date.now();
    const downS = (restartedAt - killedAt) / 1000;

    const ids = [...first, ...whileDown];
    const jobs = await waitForAll(client, ids, 180_000);
    const settledS = (Date.now() - restartedAt) / 1000;
    expect(atKill.filter((s) => s === 'processing').length).toBeGreaterThanOrEqual(1);
    expect(atKill.filter((s) => s !== 'processing' && s !== 'completed').length).toBeGreaterThanOrEqual(2);
    expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
    // Each job ran once: the stack inferred exactly the windows of the results.
    const metrics = stack.endpoints.metrics!;
    const restart = /"message":"SQS emulator restarted[^\n]*/.exec(stack.output())?.[0] ?? '';
    expect(await counter(metrics, 'realtone_windows_total')).toBe(jobs.reduce((n, j) => n + judged(j), 0));
    expect(await counter(metrics, 'realtone_jobs_total', 'outcome="completed"')).toBe(ids.length);
    // Whether the long job is still running when the queue comes back depends on the machine's speed (an idle one
    // finishes it while the emulator is down), so which jobs were followed rather than re-sent is not asserted
    // here: test/integration/queue-watch.test.ts pins that down. Here every job ran exactly once (above).
    // The watch saw the restart once and put the queues back; re-sent messages are all consumed.
    expect(restart).toMatch(/"replayed":\d+/);
    const queue = /\(queue (http:\/\/\S+?),/.exec(stack.output())![1]!;
    for (const deadline = Date.now() + 30_000; (await queueDepth(stack.output(), queue)) > 0;) {
      if (Date.now() > deadline) throw new Error('the jobs queue did not drain');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await deadLetters(stack.output())).toBe(0);
    console.log(
      JSON.stringify({
        scenario: 'sqs-emulator-restart',
        jobs: ids.length,
        at_kill: Object.fromEntries(
          ['processing', 'queued', 'awaiting_upload', 'completed'].map((s) => [
            s,
            atKill.filter((x) => x === s).length,
          ]),
        ),
        uploaded_while_down: whileDown.length,
        down_s: downS,
        replayed: Number(/"replayed":(\d+)/.exec(restart)![1]),
        held: Number(/"held":(\d+)/.exec(restart)?.[1] ?? 0),
        all_completed_after_restart_s: settledS,
      }),
    );
  }, 300_000);
});
