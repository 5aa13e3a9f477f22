/**
 * The long-running SQS consumer (container worker, and the local stack). Receives S3 event messages, hands each
 * uploaded object to the domain's `processUpload`, and maps outcomes to queue actions: finished or irrelevant →
 * delete; given back → visible again after a back-off; unparseable → left for the redrive policy to move to the DLQ.
 * On drain it stops receiving, lets the job in flight finish within the grace period, then aborts it (the job goes
 * back to `queued` and its message becomes visible at once), so nothing stays in `processing`.
 */
import type { ProcessOutcome } from '../core/jobs/process-upload.ts';
import type { MessageSource, QueueMessage } from '../ports/queue.ts';
import { getLogger } from '../shared/logger.ts';
import { parseS3Message } from './s3-event.ts';

export interface QueueWorkerOptions {
  source: MessageSource;
  process: (
    key: string,
    options: { signal: AbortSignal; heartbeat: () => Promise<void> },
  ) => Promise<ProcessOutcome>;
  bucket: string;
  visibilityTimeoutSeconds: number;
  waitSeconds: number;
  concurrency: number;
}

const log = getLogger('queue-worker');

export class QueueWorker {
  private running = false;
  private readonly receiving = new AbortController();
  private readonly processing = new AbortController();
  private loops: Promise<void>[] = [];
  /** Messages handled, by result; useful in logs and tests. */
  readonly stats = { completed: 0, failed: 0, ignored: 0, retried: 0, invalid: 0 };

  constructor(private readonly options: QueueWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency }, () => this.loop());
  }

  /** Stops receiving, waits up to `graceMs` for jobs in flight, then aborts them (they are given back). */
  async drain(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.receiving.abort();
    const timer = setTimeout(() => this.processing.abort(), graceMs);
    await Promise.allSettled(this.loops);
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let messages: QueueMessage[];
      try {
        messages = await this.options.source.receive(1, this.options.waitSeconds, this.receiving.signal);
      } catch (error) {
        if (!this.running) break;
        log.error('receive failed; retrying in 1 s', { error: (error as Error).message });
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      for (const message of messages) await this.handle(message);
    }
  }

  private async handle(message: QueueMessage): Promise<void> {
    const { source } = this.options;
    const parsed = parseS3Message(message.body);
    if (parsed.kind === 'test') {
      log.info('S3 test event received');
      await source.ack(message);
      return;
    }
    if (parsed.kind === 'invalid') {
      // Not ours to delete: after maxReceiveCount the redrive policy moves it to the DLQ, where it can be inspected.
      this.stats.invalid++;
      log.error('invalid message left for the dead-letter queue', {
        messageId: message.id,
        reason: parsed.reason,
      });
      await source.retry(message, Math.min(60, 5 * message.receiveCount)).catch(() => undefined);
      return;
    }
    let retry = false;
    for (const object of parsed.objects) {
      if (object.bucket !== this.options.bucket || !object.eventName.startsWith('ObjectCreated:')) {
        this.stats.ignored++;
        continue;
      }
      try {
        const outcome = await this.options.process(object.key, {
          signal: this.processing.signal,
          heartbeat: () => source.extend(message, this.options.visibilityTimeoutSeconds),
        });
        if (outcome.outcome === 'retry') {
          retry = true;
          this.stats.retried++;
        } else this.stats[outcome.outcome]++;
        if (outcome.outcome === 'ignored')
          log.info('object ignored', { key: object.key, reason: outcome.reason });
      } catch (error) {
        // Postgres or S3 unreachable before the job could even be claimed: try the message again later.
        retry = true;
        this.stats.retried++;
        log.error('processing error; message will be retried', {
          key: object.key,
          error: (error as Error).message,
        });
      }
    }
    if (retry) {
      const delay = this.processing.signal.aborted ? 0 : Math.min(300, 10 * 2 ** (message.receiveCount - 1));
      await source
        .retry(message, delay)
        .catch((error) => log.warn('retry visibility failed', { error: (error as Error).message }));
    } else {
      await source.ack(message);
    }
  }
}
