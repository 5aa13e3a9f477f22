/**
 * Redis goes away while a job runs: polls are answered from Postgres (always 200, never stale), the worker
 * completes the job, and once Redis is back the cache catches up with the state written while it was away. Redis
 * is cut by a proxy this test owns; the machine's shared Redis keeps running.
 */
import { createClient } from 'redis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { counter, deadLetters, judged, speechWav, tcpProxy, uploadMany, waitForAll } from './support.ts';

let stack: StackProcess | undefined;
afterAll(async () => {
  await stack?.stop('SIGTERM');
});

describe('Redis down', () => {
  it('serves polls from Postgres, completes the job, and the cache catches up', async () => {
    const target = new URL(inject('redisUrl'));
    const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const prefix = `${inject('redisPrefix')}chaos-redis:`;
    stack = await startStackProcess({
      DATABASE_URL: inject('databaseUrl'),
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: prefix,
      MODEL_MANIFEST: undefined,
    });
    const client = new ApiClient(stack.api);
    await client.signUp();
    const [slot] = await uploadMany(client, speechWav(4 * 60), 1);
    const id = slot!.job_id;
    for (const deadline = Date.now() + 60_000; ;) {
      const job = (await client.call('GET', `/v1/jobs/${id}`)).json;
      if (job.status === 'processing') break;
      if (Date.now() > deadline) throw new Error(`job never started: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    await proxy.down();
    const polls: number[] = [];
    let status = 'processing';
    for (const deadline = Date.now() + 120_000; status !== 'completed' && Date.now() < deadline;) {
      const res = await client.call('GET', `/v1/jobs/${id}`);
      polls.push(res.status);
      status = res.json?.status;
      await new Promise((r) => setTimeout(r, 250));
    }
    // Redis is still down: the completed state came from Postgres.
    expect(status).toBe('completed');
    expect(new Set(polls)).toEqual(new Set([200]));

    // Redis holds the state from before the outage until the worker's pending write catches up.
    const redis = await createClient({ url: inject('redisUrl') }).connect();
    const cached = async () => ((await redis.get(`${prefix}job:${id}`)) ?? '').split(' ')[1];
    expect(await cached()).not.toBe('completed');
    await proxy.up();
    const upAt = Date.now();
    while ((await cached())?.replace(/\+m$/, '') !== 'completed' && Date.now() - upAt < 15_000)
      await new Promise((r) => setTimeout(r, 200));
    const caughtUpS = (Date.now() - upAt) / 1000;
    expect((await cached())?.replace(/\+m$/, '')).toBe('completed');
    await redis.close();

    const [job] = await waitForAll(client, [id], 10_000);
    expect(await counter(stack.endpoints.metrics!, 'realtone_windows_total')).toBe(judged(job!));
    expect(await deadLetters(stack.output())).toBe(0);
    console.log(
      JSON.stringify({
        scenario: 'redis-down',
        polls_while_down: polls.length,
        cache_caught_up_s: caughtUpS,
      }),
    );
    await proxy.down();
  }, 240_000);
});
