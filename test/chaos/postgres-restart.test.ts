/**
 * Postgres restarts in the middle of a job. While it is down the API answers 503 problem+json (never a 500 with a
 * stack trace); the worker rides it out and the job completes once, with no re-run of its inferences. The database
 * is a PGlite server this test owns (test/chaos/pglite-server.ts), not the machine's shared Postgres.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import {
  counter,
  deadLetters,
  freePort,
  judged,
  speechWav,
  startPglite,
  stopped,
  uploadMany,
  waitForAll,
} from './support.ts';

let dir: string | undefined;
let stack: StackProcess | undefined;
let postgres: ChildProcess | undefined;
afterAll(async () => {
  await stack?.stop('SIGTERM');
  if (postgres) await stopped(postgres);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Postgres restart mid-job', () => {
  it('answers 503 problem+json while it is down, and the job completes once after', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-pg-chaos-'));
    const port = await freePort();
    postgres = await startPglite(path.join(dir, 'pg'), port);
    stack = await startStackProcess({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
      MODEL_MANIFEST: undefined,
    });
    const client = new ApiClient(stack.api);
    await client.signUp();
    const [slot] = await uploadMany(client, speechWav(8 * 60), 1);
    const id = slot!.job_id;
    for (const deadline = Date.now() + 60_000; ;) {
      const job = (await client.call('GET', `/v1/jobs/${id}`)).json;
      if (job.status === 'processing' && job.progress.chunks_done > 0) break;
      if (Date.now() > deadline) throw new Error(`job never got under way: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    await stopped(postgres);
    const downAt = Date.now();
    const answers: { status: number; type: string | null; body: string }[] = [];
    while (Date.now() - downAt < 8000) {
      for (const [method, route, body] of [
        ['GET', '/v1/jobs', undefined],
        ['POST', '/v1/uploads', { filename: 'x.wav', content_type: 'audio/wav', size_bytes: 1000 }],
      ] as const) {
        const res = await client.call(method, route, body);
        answers.push({ status: res.status, type: res.headers.get('content-type'), body: res.text });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    postgres = await startPglite(path.join(dir, 'pg'), port);
    const downS = (Date.now() - downAt) / 1000;

    expect(answers.length).toBeGreaterThan(4);
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.type).toBe('application/problem+json');
      expect(JSON.parse(a.body)).toMatchObject({ status: 503, code: 'database_unavailable' });
      expect(a.body).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    }
    const [job] = await waitForAll(client, [id], 120_000);
    expect(job!.status).toBe('completed');
    // The analysis was not thrown away and run again: one job's windows were inferred, once.
    expect(await counter(stack.endpoints.metrics!, 'realtone_windows_total')).toBe(judged(job!));
    expect(await counter(stack.endpoints.metrics!, 'realtone_jobs_total', 'outcome="completed"')).toBe(1);
    expect(await deadLetters(stack.output())).toBe(0);
    // The API is itself again.
    expect((await client.call('GET', '/v1/jobs')).status).toBe(200);
    console.log(
      JSON.stringify({ scenario: 'postgres-restart', down_s: downS, requests_while_down: answers.length }),
    );
  }, 240_000);
});
