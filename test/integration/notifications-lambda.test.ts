/**
 * The notification sender as AWS runs it (functions/notifications/lambda-handler.ts), invoked with SQS and
 * schedule events: real Postgres (a schema of its own), the connections table on dynalite, an @connections
 * stand-in and a webhook receiver on 127.0.0.1. A job event reaches the owner's socket and endpoint, signed; a
 * message that names the wrong owner sends nothing; a malformed one is dropped, not retried forever; the schedule
 * attempts due retries with the same webhook-id, and seals a webhook secret stored in plaintext before sealing.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoConnections } from '../../functions/adapters/dynamo-connections.ts';
import { PostgresJobRepository } from '../../functions/adapters/postgres/job-repository.ts';
import { migrate } from '../../functions/adapters/postgres/migrations.ts';
import { PostgresWebhookRepository } from '../../functions/adapters/postgres/webhook-repository.ts';
import { webhookSecretBox } from '../../functions/adapters/postgres/webhook-secrets.ts';
import { newSecret } from '../../functions/core/webhooks/signing.ts';
import {
  CONNECTIONS_TABLE as TABLE,
  startConnectionsStandIns,
  type ConnectionsStandIns,
} from '../support/connections-aws.ts';
import { createUserWithJob } from '../support/test-jobs.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createTestSchema, type TestSchema } from '../support/test-schema.ts';

/** The sender's key, as WEBHOOK_SECRET_KEY_ARN resolves it in AWS. */
const WEBHOOK_SECRET_KEY = 'sender-key-'.padEnd(64, 'k');
const webhookRepository = () => new PostgresWebhookRepository(pool, webhookSecretBox({ WEBHOOK_SECRET_KEY }));

let schema: TestSchema;
let pool: pg.Pool;
let aws: ConnectionsStandIns;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  schema = await createTestSchema(inject('databaseUrl'), 'nl', 2);
  pool = schema.pool;
  await migrate(pool);
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  aws = await startConnectionsStandIns();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    UPLOAD_BUCKET: 'realtone-uploads',
    DATABASE_URL: schema.url,
    CONNECTIONS_TABLE: TABLE,
    DYNAMODB_ENDPOINT: aws.dynamoEndpoint,
    EVENTS_CALLBACK_URL: aws.callbackUrl,
    // The receiver is on 127.0.0.1; the `public` policy is covered by webhook-delivery.test.ts.
    WEBHOOK_URL_POLICY: 'loopback',
    WEBHOOK_SECRET_KEY,
  });
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
  await aws?.stop();
  await schema.drop();
});

async function failedJob() {
  const { user, job } = await createUserWithJob(pool);
  const jobs = new PostgresJobRepository(pool);
  await jobs.claim(job.id, 30, 3);
  return { user, job: await jobs.fail(job.id, 'corrupt_audio', 'the data is not audio') };
}

const sqsEvent = (...bodies: string[]) => ({
  Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })),
});

describe('notification sender Lambda', () => {
  it('pushes to the owner and posts a signed job.failed; drops malformed and misaddressed messages', async () => {
    const { handler } = await import('../../functions/notifications/lambda-handler.ts');
    const receiver = await new WebhookReceiver([500]).start();
    receivers.push(receiver);
    const { user, job } = await failedJob();
    const other = await failedJob();
    const webhooks = webhookRepository();
    const secret = newSecret();
    receiver.secrets = [secret];
    const hook = await webhooks.create({
      id: randomUUID(),
      userId: user.id,
      url: receiver.url,
      events: ['job.failed'],
      description: null,
      secret,
    });
    await pool.query(`UPDATE webhooks SET created_at = now() - interval '1 minute' WHERE id = $1`, [hook.id]);
    const connections = new DynamoConnections(TABLE, { region: 'us-east-1', endpoint: aws.dynamoEndpoint });
    await connections.add('C1=', user.id);
    await connections.add('C2=', other.user.id);

    const result = await handler(
      sqsEvent(
        JSON.stringify({ kind: 'job', job_id: job.id, user_id: user.id, status: 'failed' }),
        'not json',
        // Another user's id with this job: the sender reads the job and finds the owner differs.
        JSON.stringify({ kind: 'job', job_id: job.id, user_id: other.user.id, status: 'failed' }),
      ) as never,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(aws.pushes.map((p) => p.connection)).toEqual(['C1=']);
    const pushed = JSON.parse(aws.pushes[0]!.body);
    expect(pushed).toMatchObject({ type: 'job', job: { id: job.id, status: 'failed' } });
    expect(pushed.job.error).toEqual({ code: 'corrupt_audio', message: 'the data is not audio' });
    const [first] = await receiver.waitFor(1);
    expect(first!.verified).toBe(true);
    expect(first!.json).toMatchObject({ type: 'job.failed', data: { job: pushed.job } });

    // The 500 left a retry pending; the schedule attempts it once due, with the same webhook-id.
    await pool.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = $1`, [
      hook.id,
    ]);
    // The secret as a row from before sealing holds it: still signs, and the scheduled run seals it.
    await pool.query('UPDATE webhooks SET secret = $2 WHERE id = $1', [hook.id, secret]);
    await handler({ source: 'aws.events' });
    const [, retry] = await receiver.waitFor(2);
    expect(retry!.id).toBe(first!.id);
    expect(retry!.verified).toBe(true);
    const sealed = (await pool.query('SELECT secret FROM webhooks WHERE id = $1', [hook.id])).rows[0].secret;
    expect(sealed).toMatch(/^rtbox1\./);
    expect(sealed).not.toContain(secret.slice('whsec_'.length));
    expect((await webhooks.find(hook.id))!.secret).toBe(secret);
    const { rows } = await pool.query(
      'SELECT status, attempts FROM webhook_deliveries WHERE webhook_id = $1',
      [hook.id],
    );
    expect(rows).toEqual([{ status: 'delivered', attempts: 2 }]);
  });

  it('finds, after a local restart, finished jobs a subscribed endpoint never got', async () => {
    const { unannouncedFinishedJobs } = await import('../../functions/local/recover.ts');
    const webhooks = webhookRepository();
    const { user, job } = await failedJob();
    const endpoint = (events: ('job.failed' | 'job.completed')[], minutesAgo: number) =>
      webhooks
        .create({
          id: randomUUID(),
          userId: user.id,
          url: 'http://127.0.0.1:9/',
          events,
          description: null,
          secret: newSecret(),
        })
        .then(async (w) => {
          await pool.query(
            `UPDATE webhooks SET created_at = now() - make_interval(mins => $2) WHERE id = $1`,
            [w.id, minutesAgo],
          );
          return w;
        });
    await endpoint(['job.failed'], -5); // registered after the job finished
    await endpoint(['job.completed'], 5); // not subscribed to job.failed
    const mine = (rows: { job_id: string }[]) => rows.filter((r) => r.job_id === job.id);
    expect(mine(await unannouncedFinishedJobs(pool))).toEqual([]);
    const subscribed = await endpoint(['job.failed'], 5);
    expect(mine(await unannouncedFinishedJobs(pool))).toEqual([
      { job_id: job.id, user_id: user.id, status: 'failed', kind: 'file' },
    ]);
    await webhooks.enqueue([
      {
        id: randomUUID(),
        messageId: `msg_${randomUUID()}`,
        webhookId: subscribed.id,
        userId: user.id,
        event: 'job.failed',
        subjectId: job.id,
        payload: '{}',
      },
    ]);
    expect(mine(await unannouncedFinishedJobs(pool))).toEqual([]);
  });
});
