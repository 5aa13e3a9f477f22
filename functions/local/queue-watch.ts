/**
 * The local SQS emulator keeps its queues and messages in memory: when it restarts (LOCAL_SQS_ENDPOINT pointing at
 * one that is run separately, or any emulator that crashes), it comes back without the queues, and every queued
 * job's message is gone. The watch asks for the jobs queue every `intervalMs`; when the emulator answers that the
 * queue does not exist, it creates the queues again and re-sends the notification of every unfinished upload
 * (recover.ts), as a start-up does. It is exact, not a guess: only an emulator that lost its state has no queue.
 *
 * A job that a live worker holds when the queue is lost keeps running (its heartbeat and delete fail on the old
 * message and are only logged). It has no message any more, so the watch follows it: if the job comes back to
 * `queued` (given back) or its lease runs out with the job unfinished (the worker died), its notification is sent
 * again. A job that finishes, or is deleted, is dropped from the watch. The claim in Postgres keeps a re-sent job
 * from running twice.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import { getLogger } from '../shared/logger.ts';
import type { HeldJob } from './recover.ts';

const log = getLogger('queue-watch');

export interface QueueWatchOptions {
  sqs: SQSClient;
  queueUrl: string;
  pool: pg.Pool;
  intervalMs: number;
  /** Creates the queues again. */
  recreate: () => Promise<void>;
  /** Re-sends unfinished uploads; jobs under a live lease are handed to `hold` instead. */
  replay: (hold: (job: HeldJob) => void) => Promise<number>;
  /** Re-sends one job's notification now; false when its object is not stored. */
  resend: (objectKey: string) => Promise<boolean>;
}

const queueMissing = (error: unknown) => {
  const name = (error as { name?: string }).name ?? '';
  return /QueueDoesNotExist|NonExistentQueue/.test(name);
};

export function watchQueue(options: QueueWatchOptions): {
  stop: () => Promise<void>;
  restarts: () => number;
} {
  const held = new Map<string, string>();
  let restarts = 0;
  let down = false;
  let stopped = false;
  let tick: Promise<void> = Promise.resolve();

  // Set from the moment the queue is found missing until the re-send has gone through: a replay that failed half
  // way (S3 or Postgres away) is run again on the next tick, since the recreated queue no longer says so.
  let replayPending = false;

  const check = async () => {
    try {
      await options.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }),
      );
      if (down) log.info('SQS emulator reachable again, queues intact');
      down = false;
    } catch (error) {
      if (!queueMissing(error)) {
        if (!down) log.warn('SQS emulator unreachable', { error: (error as Error).message });
        down = true;
        return;
      }
      down = false;
      if (!replayPending) restarts++;
      replayPending = true;
      await options.recreate();
    }
    if (replayPending) {
      const replayed = await options.replay((job) => held.set(job.jobId, job.objectKey));
      replayPending = false;
      log.warn('SQS emulator restarted without its queues: recreated them and re-sent unfinished uploads', {
        replayed,
        held: held.size,
      });
    }
    await followHeld();
  };

  const followHeld = async () => {
    if (!held.size) return;
    const { rows } = await options.pool.query<{ id: string; orphan: boolean }>(
      `SELECT id, (status = 'queued' OR (status = 'processing' AND lease_expires_at < now())) AS orphan
         FROM detection_jobs WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'processing')`,
      [[...held.keys()]],
    );
    const unfinished = new Map(rows.map((r) => [r.id, r.orphan]));
    for (const [jobId, objectKey] of [...held]) {
      if (!unfinished.has(jobId))
        held.delete(jobId); // finished, failed or deleted
      else if (unfinished.get(jobId)) {
        if (await options.resend(objectKey)) log.info('re-sent a job its worker let go of', { jobId });
        held.delete(jobId);
      }
    }
  };

  const timer = setInterval(() => {
    tick = tick
      .then(() => (stopped ? undefined : check()))
      .catch((error) => log.warn('queue watch failed; trying again', { error: (error as Error).message }));
  }, options.intervalMs);
  timer.unref();
  return {
    restarts: () => restarts,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await tick;
    },
  };
}
