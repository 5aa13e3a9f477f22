/**
 * Nothing is lost: a message the worker cannot understand is not deleted; the redrive policy moves it to the
 * dead-letter queue. And the local S3 and API answer CORS preflights for the local web origin.
 */
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { FIXTURE_MODEL } from './pipeline-scenario.ts';

let stack: StackProcess;
let sqs: SQSClient;

beforeAll(async () => {
  stack = await startStackProcess({ MODEL_MANIFEST: FIXTURE_MODEL, SQS_MAX_RECEIVE_COUNT: '2' });
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: stack.endpoints.sqs,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});

afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
});

const queueUrl = (name: string) => {
  const line = stack
    .output()
    .split('\n')
    .find((l) => l.trim().startsWith('sqs'))!;
  const urls = [...line.matchAll(/(http:\/\/\S+?\/000000000000\/[\w-]+)/g)].map((m) => m[1]!);
  return urls.find((u) => u.endsWith(`/${name}`))!;
};

describe('dead-letter queue', () => {
  it('receives a message the worker cannot parse, after maxReceiveCount attempts', async () => {
    const dlq = queueUrl('realtone-jobs-dlq');
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl('realtone-jobs'), MessageBody: '{"not":"an S3 event"}' }),
    );
    const deadline = Date.now() + 60_000;
    let count = 0;
    while (Date.now() < deadline) {
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      count = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0);
      if (count > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(count).toBe(1);
    expect(stack.output()).toContain('invalid message left for the dead-letter queue');
  }, 90_000);
});

describe('CORS for the local web origin', () => {
  it('S3 answers the browser form POST preflight', async () => {
    const res = await fetch(`${stack.endpoints.s3}/realtone-uploads`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(200);
    // s3rver echoes '*' once a rule matches (real S3 echoes the origin); the rule itself is what matters:
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    const other = await fetch(`${stack.endpoints.s3}/realtone-uploads`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.status).toBe(403);
  });

  it('the API allows the local origin and no other', async () => {
    const ok = await fetch(`${stack.api}/v1/jobs`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await fetch(`${stack.api}/v1/jobs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });
});
