/**
 * One SQS message of the jobs queue, handled the same way by the container worker (queue-worker.ts) and the
 * Lambda (lambda-handler.ts): parse the S3 notification → keep the objects this worker is for (its bucket,
 * ObjectCreated events) → process each → say whether the message is done (delete it) or must come back.
 *
 * When it must come back, this sets its visibility to the back-off here, so both modes retry on the same schedule:
 * a job given back → 10 s × 2^(receives − 1), at most 300 s (0 on drain: another worker takes it at once); an
 * infrastructure error → the same, but no sooner than the hold (a lease the attempt kept has run out by then); a message that is not an S3 notification → 5 s × receives, at most 60 s, and it is never
 * deleted: after maxReceiveCount receives the redrive policy moves it to the dead-letter queue, to be inspected.
 * While a job runs, the heartbeat keeps the message invisible for `visibilityTimeoutSeconds` more.
 */
import type { ProcessOutcome } from '../core/jobs/process-upload.ts';
import type { MessageSource, QueueMessage } from '../ports/queue.ts';
import { getLogger } from '../shared/logger.ts';
import { parseS3Message } from './s3-event.ts';

export interface JobMessageContext {
  bucket: string;
  visibilityTimeoutSeconds: number;
  source: Pick<MessageSource, 'extend' | 'retry'>;
  /**
   * Set the message's visibility to `visibilityTimeoutSeconds` before processing (Lambda: the queue's own timeout
   * must cover the function timeout, so each message is shortened here and then carried by the heartbeat).
   */
  holdOnStart?: boolean;
  process(
    key: string,
    options: { signal?: AbortSignal; heartbeat: () => Promise<void> },
  ): Promise<ProcessOutcome>;
}

/** Counts of what messages and objects came to, for logs and tests. */
export interface HandlerStats {
  completed: number;
  failed: number;
  ignored: number;
  retried: number;
  invalid: number;
}

export const newHandlerStats = (): HandlerStats => ({
  completed: 0,
  failed: 0,
  ignored: 0,
  retried: 0,
  invalid: 0,
});

/** `done`: delete the message. `retry`: its visibility is already set to the back-off; leave it. */
export type MessageDisposition = 'done' | 'retry';

export const retryDelaySeconds = (receiveCount: number) => Math.min(300, 10 * 2 ** (receiveCount - 1));
export const invalidDelaySeconds = (receiveCount: number) => Math.min(60, 5 * receiveCount);

const log = getLogger('job-message');

export async function handleJobMessage(
  context: JobMessageContext,
  message: QueueMessage,
  options: { signal?: AbortSignal; stats?: HandlerStats } = {},
): Promise<MessageDisposition> {
  const stats = options.stats ?? newHandlerStats();
  const parsed = parseS3Message(message.body);
  if (parsed.kind === 'test') {
    log.info('S3 test event received');
    return 'done';
  }
  if (parsed.kind === 'invalid') {
    stats.invalid++;
    log.error('invalid message left for the dead-letter queue', {
      messageId: message.id,
      reason: parsed.reason,
    });
    await context.source.retry(message, invalidDelaySeconds(message.receiveCount)).catch(() => undefined);
    return 'retry';
  }
  let retry = false;
  let threw = false;
  if (context.holdOnStart)
    await context.source
      .extend(message, context.visibilityTimeoutSeconds)
      .catch((error) => log.warn('visibility not shortened', { error: (error as Error).message }));
  for (const object of parsed.objects) {
    if (object.bucket !== context.bucket || !object.eventName.startsWith('ObjectCreated:')) {
      stats.ignored++;
      continue;
    }
    try {
      const outcome = await context.process(object.key, {
        signal: options.signal,
        heartbeat: () => context.source.extend(message, context.visibilityTimeoutSeconds),
      });
      if (outcome.outcome === 'retry') {
        retry = true;
        stats.retried++;
      } else stats[outcome.outcome]++;
      if (outcome.outcome === 'ignored')
        log.info('object ignored', { key: object.key, reason: outcome.reason });
    } catch (error) {
      // Postgres or S3 unreachable, before the job was claimed or while giving it back: try the message again later.
      retry = true;
      threw = true;
      stats.retried++;
      log.error('processing error; message will be retried', {
        key: object.key,
        error: (error as Error).message,
      });
    }
  }
  if (!retry) return 'done';
  // After an error the job may still hold this attempt's lease (it could not be given back): the message comes back
  // no sooner than the hold, when that lease has run out, so the next attempt can claim the job.
  const backoff = retryDelaySeconds(message.receiveCount);
  const delay = options.signal?.aborted
    ? 0
    : threw
      ? Math.max(backoff, context.visibilityTimeoutSeconds)
      : backoff;
  await context.source
    .retry(message, delay)
    .catch((error) => log.warn('retry visibility failed', { error: (error as Error).message }));
  return 'retry';
}
