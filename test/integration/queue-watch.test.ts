/**
 * The local stack's queue watch against a real SQS emulator (fauxqs) that restarts empty, real S3 (s3rver) and this
 * run's Postgres: it recreates the queues and re-sends exactly the unfinished uploads that have an object (not a
 * finished job, not an upload that never arrived), and follows a job a live worker holds, re-sending it only once
 * its lease runs out unfinished.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../functions/adapters/postgres/migrations.ts';
import { PostgresJobRepository } from '../../functions/adapters/postgres/job-repository.ts';
import { PostgresUserRepository } from '../../functions/adapters/postgres/user-repository.ts';
import { S3ToSqsBridge } from '../../functions/local/bridge.ts';
import { watchQueue } from '../../functions/local/queue-watch.ts';
import { replayUnfinishedUploads, sendFor } from '../../functions/local/recover.ts';
import { startS3 } from '../../functions/local/s3.ts';
import { startSqs, type LocalQueues } from '../../functions/local/sqs.ts';
import { parseS3Message } from '../../functions/worker/s3-event.ts';
import { createTestSchema, type TestSchema } from '../support/test-schema.ts';

const BUCKET = 'realtone-uploads';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let pool: pg.Pool;
let schema: TestSchema;
let dir: string;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  schema = await createTestSchema(inject('databaseUrl'), 'watch', 4);
  pool = schema.pool;
  await migrate(pool);
  dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-watch-'));
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await schema.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('queue watch', () => {
  it('recreates the lost queues, re-sends unfinished uploads, and follows a held job until its lease runs out', async () => {
    const sqsFor = (endpoint: string) =>
      new SQSClient({ region: 'us-east-1', endpoint, useQueueUrlAsEndpoint: false, credentials });
    let app = buildApp({ logger: false });
    const endpoint = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    stops.push(() => app.close());
    const queues: LocalQueues = await startSqs({
      port: 0,
      endpoint,
      client: sqsFor,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    });
    stops.push(queues.stop);
    const sqs = sqsFor(endpoint);
    stops.push(async () => sqs.destroy());
    const s3Server = await startS3({
      port: 0,
      directory: path.join(dir, 's3'),
      bucket: BUCKET,
      webOrigins: ['http://127.0.0.1'],
      onObjectCreated: () => undefined,
    });
    stops.push(s3Server.stop);
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: s3Server.endpoint,
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    stops.push(async () => s3.destroy());
    const bridge = new S3ToSqsBridge(sqs, queues.jobsQueueUrl, BUCKET, 'us-east-1');

    // Four jobs: uploaded and waiting, held by a live worker (an 8 s lease: the restart and the first receive must fit in it on a loaded machine), completed, never uploaded.
    const jobs = new PostgresJobRepository(pool);
    const user = await new PostgresUserRepository(pool).create({
      id: randomUUID(),
      email: `${randomUUID()}@example.com`,
      passwordHash: 'x',
    });
    const job = async (name: string, uploaded: boolean) => {
      const id = randomUUID();
      const key = `uploads/${user.id}/${id}/${name}.wav`;
      await jobs.create({
        id,
        userId: user.id,
        filename: `${name}.wav`,
        contentType: 'audio/wav',
        declaredBytes: 4,
        objectKey: key,
      });
      if (uploaded) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'RIFF' }));
      return { id, key };
    };
    const [waiting, held, done, missing] = [
      await job('waiting', true),
      await job('held', true),
      await job('done', true),
      await job('missing', false),
    ];
    expect(await jobs.claim(held.id, 8, 5)).not.toBeNull();
    await pool.query(`UPDATE detection_jobs SET status = 'completed', finished_at = now() WHERE id = $1`, [
      done.id,
    ]);

    const watch = watchQueue({
      sqs,
      queueUrl: queues.jobsQueueUrl,
      pool,
      intervalMs: 200,
      recreate: queues.recreate,
      replay: (hold) => replayUnfinishedUploads(pool, s3, BUCKET, bridge, { holdLive: hold }),
      resend: (key) => sendFor(s3, BUCKET, bridge, key),
    });
    stops.push(watch.stop);

    // The emulator restarts: same port, no queues.
    const port = Number(new URL(endpoint).port);
    await app.close();
    await new Promise((r) => setTimeout(r, 500));
    app = buildApp({ logger: false });
    await app.listen({ port, host: '127.0.0.1' });

    const received: string[] = [];
    const receive = async (until: (keys: string[]) => boolean, ms: number) => {
      for (const deadline = Date.now() + ms; !until(received) && Date.now() < deadline;) {
        const out = await sqs
          .send(
            new ReceiveMessageCommand({
              QueueUrl: queues.jobsQueueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
            }),
          )
          .catch(() => ({ Messages: [] }));
        for (const m of out.Messages ?? []) {
          const parsed = parseS3Message(m.Body ?? '');
          if (parsed.kind === 'objects') received.push(...parsed.objects.map((o) => o.key));
        }
      }
    };
    // At once: only the uploaded job that waits; the held one is followed, not re-sent.
    await receive((keys) => keys.length > 0, 10_000);
    await receive(() => false, 1000);
    expect(received).toEqual([waiting.key]);
    expect(watch.restarts()).toBe(1);
    // The worker holding the job dies (its lease is not renewed): once the lease runs out, the job is re-sent, once.
    await receive((keys) => keys.length > 1, 20_000);
    await receive(() => false, 1500);
    expect(received).toEqual([waiting.key, held.key]);
    expect(received).not.toContain(done.key);
    expect(received).not.toContain(missing.key);
  }, 60_000);
});
