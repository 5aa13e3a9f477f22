import { describe, expect, it } from 'vitest';
import type { MessageSource, QueueMessage } from '../../../functions/ports/queue.ts';
import { QueueWorker } from '../../../functions/worker/queue-worker.ts';
import { s3EventNotification, s3TestEvent } from '../../../functions/local/s3-notifications.ts';
import type { ProcessOutcome } from '../../../functions/core/jobs/process-upload.ts';

/** A queue double that hands out a fixed list of messages once and records what the worker did with each. */
class ScriptedSource implements MessageSource {
  actions: string[] = [];
  constructor(private messages: QueueMessage[]) {}
  async receive(_max: number, _wait: number, signal?: AbortSignal) {
    const next = this.messages.shift();
    if (next) return [next];
    await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
    return [];
  }
  async ack(m: QueueMessage) {
    this.actions.push(`ack ${m.id}`);
  }
  async extend(m: QueueMessage, s: number) {
    this.actions.push(`extend ${m.id} ${s}`);
  }
  async retry(m: QueueMessage, s: number) {
    this.actions.push(`retry ${m.id} ${s}`);
  }
}

const message = (id: string, body: string, receiveCount = 1): QueueMessage => ({
  id,
  body,
  receiptHandle: id,
  receiveCount,
});
const created = (key: string, bucket = 'uploads-bucket') =>
  s3EventNotification({ bucket, key, size: 1, eventName: 'ObjectCreated:Post', region: 'us-east-1' });

async function runWith(messages: QueueMessage[], outcomes: Record<string, ProcessOutcome | Error>) {
  const source = new ScriptedSource(messages);
  const seen: string[] = [];
  const worker = new QueueWorker({
    source,
    bucket: 'uploads-bucket',
    visibilityTimeoutSeconds: 30,
    waitSeconds: 1,
    concurrency: 1,
    process: async (key) => {
      seen.push(key);
      const o = outcomes[key]!;
      if (o instanceof Error) throw o;
      return o;
    },
  });
  worker.start();
  await new Promise((r) => setTimeout(r, 50));
  await worker.drain(1000);
  return { actions: source.actions, seen, stats: worker.stats };
}

describe('QueueWorker', () => {
  it('acks finished, failed and irrelevant messages, and retries given-back jobs with back-off', async () => {
    const { actions, seen, stats } = await runWith(
      [
        message('t', s3TestEvent('uploads-bucket')),
        message('a', created('uploads/u/a/x.wav')),
        message('b', created('uploads/u/b/x.wav')),
        message('c', created('uploads/u/c/x.wav'), 3),
        message('d', created('uploads/u/d/x.wav', 'some-other-bucket')),
        message('e', created('uploads/u/e/x.wav')),
      ],
      {
        'uploads/u/a/x.wav': { outcome: 'completed', jobId: 'a' },
        'uploads/u/b/x.wav': { outcome: 'failed', jobId: 'b', code: 'corrupt_audio' },
        'uploads/u/c/x.wav': { outcome: 'retry', jobId: 'c', reason: 'S3 down' },
        'uploads/u/e/x.wav': new Error('Postgres unreachable'),
      },
    );
    expect(seen).toEqual([
      'uploads/u/a/x.wav',
      'uploads/u/b/x.wav',
      'uploads/u/c/x.wav',
      'uploads/u/e/x.wav',
    ]);
    // e threw (Postgres unreachable): it may still hold its lease, so it comes back after the 30 s hold, not 10 s.
    expect(actions).toEqual(['ack t', 'ack a', 'ack b', 'retry c 40', 'ack d', 'retry e 30']);
    expect(stats).toMatchObject({ completed: 1, failed: 1, retried: 2, ignored: 1 });
  });

  it('leaves an unparseable message for the dead-letter queue instead of deleting it', async () => {
    const { actions, stats } = await runWith([message('x', '{"not":"s3"}', 2)], {});
    expect(actions).toEqual(['retry x 10']);
    expect(stats.invalid).toBe(1);
  });
});
