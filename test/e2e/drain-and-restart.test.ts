/**
 * SIGTERM while a job is being processed (default model, 40 minutes of audio): the worker gives the job back (it
 * is `queued`, not `processing`), the stack exits 0 with no process left, and after a restart on the same data the
 * job runs to completion.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess } from '../support/local-stack-process.ts';
import { encodeWav16 } from '../support/wav.ts';

let dataDir: string;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('drain and restart', () => {
  it('hands an in-flight job back on SIGTERM and finishes it after a restart', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'realtone-drain-'));
    const env = {
      // The trained detector, not the fixture: its ~600 chunks take seconds, so the job is certainly still in
      // flight when the 1 s drain window ends (with the instant fixture model it sometimes finished first).
      MODEL_MANIFEST: undefined,
      DATABASE_URL: inject('databaseUrl'),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `${inject('redisPrefix')}drain:`,
      REALTONE_DATA_DIR: dataDir,
      WORKER_DRAIN_SECONDS: '1',
    };
    // 40 minutes at 8 kHz: long enough to still be in flight when the signal arrives.
    const seconds = 40 * 60;
    const wav = encodeWav16(
      Float32Array.from({ length: 8000 * seconds }, (_, i) => 0.2 * Math.sin(i / 3)),
      8000,
    );
    const first = await startStackProcess(env);
    const client = new ApiClient(first.api);
    const email = await client.signUp();
    const slot = await client.requestUpload('long.wav', 'audio/wav', wav.length);
    expect(await ApiClient.postToS3(slot, wav, 'long.wav', 'audio/wav')).toBe(204);
    const deadline = Date.now() + 30_000;
    while ((await client.call('GET', `/v1/jobs/${slot.job_id}`)).json.status !== 'processing') {
      if (Date.now() > deadline) throw new Error('job never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    const code = await first.stop('SIGTERM');
    expect(code, first.output()).toBe(0);
    expect(first.child.exitCode).toBe(0);

    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    const { rows } = await db.query('SELECT status, attempts FROM detection_jobs WHERE id = $1', [
      slot.job_id,
    ]);
    await db.end();
    expect(rows[0]).toEqual({ status: 'queued', attempts: 1 });

    const second = await startStackProcess(env);
    try {
      const again = new ApiClient(second.api);
      await again.signUp(email); // 409: already registered; logs in with the same account
      const job = await again.waitForJob(slot.job_id, 120_000);
      expect(job.status).toBe('completed');
      expect(job.result.duration_s).toBe(seconds);
      expect(job.result.chunks).toHaveLength(seconds / 4);
    } finally {
      expect(await second.stop('SIGINT')).toBe(0);
    }
  }, 240_000);
});
