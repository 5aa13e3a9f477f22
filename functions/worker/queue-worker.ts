/**
 * The long-running SQS consumer (container worker, and the local stack). Receives messages and hands each to the
 * shared message handler (message-handler.ts: parse, filter, process, back-off), deleting those it is done with.
 * On drain it stops receiving, lets the job in flight finish within the grace period, then aborts it (the job goes
 * back to `queued` and its message becomes visible at once), so nothing stays in `processing`.
 */
import type { ProcessOutcome } from '../core/jobs/process-upload.ts';
import type { MessageSource, QueueMessage } from '../ports/queue.ts';
import { getLogger } from '../shared/logger.ts';
import { handleJobMessage, newHandlerStats } from './message-handler.ts';

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
  readonly stats = newHandlerStats();

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
    const { source, bucket, visibilityTimeoutSeconds, process } = this.options;
    const disposition = await handleJobMessage(
      { bucket, visibilityTimeoutSeconds, source, process },
      message,
      {
        signal: this.processing.signal,
        stats: this.stats,
      },
    );
    if (disposition === 'done')
      await source
        .ack(message)
        .catch((error) =>
          log.warn('delete failed; the message will come back', { error: (error as Error).message }),
        );
  }
}
