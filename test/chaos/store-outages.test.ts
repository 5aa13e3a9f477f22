/**
 * S3, then SQS, unreachable for 10 s while a worker runs a job. The worker is a separate process whose S3 and SQS
 * endpoints go through proxies this test cuts (the stack's emulators keep running, as AWS's would): the result
 * writes are retried until S3 is back, a lost heartbeat or delete is made good by the lease and the claim, and each
 * job completes once.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import {
  counter,
  deadLetters,
  judged,
  speechWav,
  startWorkerProcess,
  tcpProxy,
  uploadMany,
  waitForAll,
  type WorkerProcess,
} from './support.ts';

let stack: StackProcess | undefined;
let worker: WorkerProcess | undefined;
afterAll(async () => {
  if (worker?.child.exitCode === null) worker.child.kill('SIGKILL');
  await stack?.stop('SIGTERM');
});

const endpoint = (output: string, name: string) =>
  new URL(new RegExp(`^ {2}${name}\\s+(http:\\/\\/\\S+)`, 'm').exec(output)![1]!);

async function waitUnderWay(client: ApiClient, id: string) {
  for (const deadline = Date.now() + 60_000; ;) {
    const job = (await client.call('GET', `/v1/jobs/${id}`)).json;
    if (job.status === 'processing' && job.progress.chunks_done > 0) return;
    if (Date.now() > deadline) throw new Error(`job never got under way: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('S3 and SQS outages mid-job', () => {
  it('retries through 10 s without S3, then 10 s without SQS, and completes each job once', async () => {
    const shared = {
      DATABASE_URL: inject('databaseUrl'),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `${inject('redisPrefix')}stores:`,
    };
    stack = await startStackProcess({ ...shared, LOCAL_QUEUE_WORKER: 'off', MODEL_MANIFEST: undefined });
    const s3 = endpoint(stack.output(), 's3');
    const sqs = endpoint(stack.output(), 'sqs');
    const s3Proxy = await tcpProxy({ host: s3.hostname, port: Number(s3.port) });
    const sqsProxy = await tcpProxy({ host: sqs.hostname, port: Number(sqs.port) });
    worker = await startWorkerProcess(stack, {
      ...shared,
      S3_ENDPOINT: `http://127.0.0.1:${s3Proxy.port}`,
      SQS_ENDPOINT: `http://127.0.0.1:${sqsProxy.port}`,
    });
    const client = new ApiClient(stack.api);
    await client.signUp();
    const outcomes: Record<string, number> = {};

    for (const [name, proxy] of [
      ['s3', s3Proxy],
      ['sqs', sqsProxy],
    ] as const) {
      const [slot] = await uploadMany(client, speechWav(4 * 60), 1);
      await waitUnderWay(client, slot!.job_id).catch((error: Error) => {
        throw new Error(`${error.message}\n${worker!.output().slice(-3000)}`);
      });
      const cutAt = Date.now();
      await proxy.down();
      await new Promise((r) => setTimeout(r, 10_000));
      await proxy.up();
      const [job] = await waitForAll(client, [slot!.job_id], 120_000);
      expect(job!.status, name).toBe('completed');
      outcomes[`${name}_completed_after_cut_s`] = (Date.now() - cutAt) / 1000;
      outcomes[`${name}_windows`] = judged(job!);
    }

    // Each job ran once: the worker's inference count is the sum of the two jobs' windows.
    expect(await counter(worker.metrics, 'realtone_windows_total')).toBe(
      outcomes.s3_windows! + outcomes.sqs_windows!,
    );
    expect(await counter(worker.metrics, 'realtone_jobs_total', 'outcome="completed"')).toBe(2);
    // The SQS-side job's delete may have been lost in the cut: its message comes back after the hold and finds the
    // job completed (ignored, deleted). Wait for that, then the queues must be empty, dead letters included.
    await new Promise((r) => setTimeout(r, 35_000));
    expect(await deadLetters(stack.output())).toBe(0);
    console.log(JSON.stringify({ scenario: 's3-and-sqs-outages', ...outcomes }));
    await Promise.all([s3Proxy.down(), sqsProxy.down()]);
  }, 300_000);
});
