/**
 * The CPU-mode Lambda handler: SQS records in, partial batch response out. `processUpload` is replaced by a fake
 * with the same signature; the S3 notification bodies are built with the same helper the local bridge uses.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { ProcessOutcome } from '../../../functions/core/jobs/process-upload.ts';
import type { QueueMessage } from '../../../functions/ports/queue.ts';
import { createSqsJobHandler, type SqsJobRuntime } from '../../../functions/worker/lambda-handler.ts';
import { s3EventNotification, s3TestEvent } from '../../../functions/local/s3-notifications.ts';

const BUCKET = 'realtone-uploads';

function record(id: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 's3',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:jobs',
    awsRegion: 'us-east-1',
  };
}

const created = (key: string, bucket = BUCKET) =>
  s3EventNotification({ bucket, key, size: 10, eventName: 'ObjectCreated:Post', region: 'us-east-1' });

function runtime(outcomes: Record<string, ProcessOutcome | Error>) {
  const calls: string[] = [];
  const source = {
    extend: vi.fn(async (_m: QueueMessage, seconds: number) => void calls.push(`extend ${seconds}`)),
    retry: vi.fn(async () => undefined),
  };
  const process = vi.fn(async (key: string, options: { heartbeat: () => Promise<void> }) => {
    calls.push(`process ${key}`);
    await options.heartbeat();
    const outcome = outcomes[key];
    if (outcome instanceof Error) throw outcome;
    return outcome ?? { outcome: 'ignored' as const, reason: 'unknown_job' };
  });
  const rt: SqsJobRuntime = {
    bucket: BUCKET,
    visibilityTimeoutSeconds: 30,
    holdOnStart: true,
    source,
    process,
  };
  return { rt, source, process, calls };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe('SQS job handler (CPU detector)', () => {
  it('acknowledges completed, failed and ignored jobs, and reports retries as batch item failures', async () => {
    const { rt, process } = runtime({
      'uploads/u/j1/a.wav': { outcome: 'completed', jobId: 'j1' },
      'uploads/u/j2/b.wav': { outcome: 'failed', jobId: 'j2', code: 'unsupported_format' },
      'uploads/u/j3/c.wav': { outcome: 'retry', jobId: 'j3', reason: 'postgres down' },
      'uploads/u/j4/d.wav': { outcome: 'ignored', jobId: 'j4', reason: 'not_claimable:completed' },
    });
    const handler = createSqsJobHandler(async () => rt);
    const res = await handler(
      event(
        record('m1', created('uploads/u/j1/a.wav')),
        record('m2', created('uploads/u/j2/b.wav')),
        record('m3', created('uploads/u/j3/c.wav')),
        record('m4', created('uploads/u/j4/d.wav')),
      ),
    );
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'm3' }] });
    expect(process.mock.calls.map((c) => c[0])).toEqual([
      'uploads/u/j1/a.wav',
      'uploads/u/j2/b.wav',
      'uploads/u/j3/c.wav',
      'uploads/u/j4/d.wav',
    ]);
  });

  it('decodes the key S3 URL-encodes', async () => {
    const { rt, process } = runtime({
      'uploads/u/j1/my voice+note.wav': { outcome: 'completed', jobId: 'j1' },
    });
    const res = await createSqsJobHandler(async () => rt)(
      event(record('m1', created('uploads/u/j1/my voice+note.wav'))),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(process).toHaveBeenCalledWith('uploads/u/j1/my voice+note.wav', expect.anything());
  });

  it('shortens the message visibility to the hold time as it starts, then extends it on heartbeat', async () => {
    const { rt, source, calls } = runtime({ 'uploads/u/j1/a.wav': { outcome: 'completed', jobId: 'j1' } });
    await createSqsJobHandler(async () => rt)(event(record('m1', created('uploads/u/j1/a.wav'))));
    expect(source.extend).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'm1', receiptHandle: 'rh-m1' }),
      30,
    );
    // The queue's own timeout covers the function timeout (900 s); a crash must cost 30 s, not that.
    expect(calls).toEqual(['extend 30', 'process uploads/u/j1/a.wav', 'extend 30']);
  });

  it('retries after an exponential back-off when processing throws', async () => {
    const { rt, source } = runtime({ 'uploads/u/j1/a.wav': new Error('connect ECONNREFUSED') });
    const res = await createSqsJobHandler(async () => rt)(
      event(record('m1', created('uploads/u/j1/a.wav'), 3)),
    );
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(source.retry).toHaveBeenCalledWith(expect.objectContaining({ id: 'm1', receiveCount: 3 }), 40);
  });

  it('leaves messages that are not S3 notifications for the dead-letter queue', async () => {
    const { rt, process } = runtime({});
    const res = await createSqsJobHandler(async () => rt)(
      event(record('m1', 'not json'), record('m2', '{"a":1}')),
    );
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    expect(process).not.toHaveBeenCalled();
  });

  it('deletes the S3 test event and objects of other buckets or other event types without processing', async () => {
    const { rt, process } = runtime({});
    const removed = s3EventNotification({
      bucket: BUCKET,
      key: 'uploads/u/j1/a.wav',
      size: 1,
      eventName: 'ObjectRemoved:Delete',
      region: 'us-east-1',
    });
    const res = await createSqsJobHandler(async () => rt)(
      event(
        record('m1', s3TestEvent(BUCKET)),
        record('m2', created('uploads/u/j1/a.wav', 'someone-elses-bucket')),
        record('m3', removed),
      ),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(process).not.toHaveBeenCalled();
  });

  it('fails the whole invocation when the runtime cannot start (Lambda retries the batch)', async () => {
    const handler = createSqsJobHandler(async () => {
      throw new Error('invalid configuration: UPLOAD_BUCKET: Required');
    });
    await expect(handler(event(record('m1', created('uploads/u/j1/a.wav'))))).rejects.toThrow(
      /UPLOAD_BUCKET/,
    );
  });
});
