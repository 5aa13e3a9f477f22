/**
 * The worker's view of the jobs queue: the SQS source wrapped in fair scheduling (fair-source.ts) unless
 * WORKER_FAIR_SCHEDULING is off, and how many consumer loops it needs (the regular slots plus the one kept for
 * users with nothing running).
 */
import { messageSourceFromConfig } from '../adapters/sqs-message-source.ts';
import { parseUploadKey } from '../core/jobs/object-key.ts';
import type { JobRepository } from '../ports/jobs.ts';
import type { MessageSource, QueueMessage } from '../ports/queue.ts';
import type { WorkerConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { FairMessageSource } from './fair-source.ts';
import { parseS3Message } from './s3-event.ts';

const log = getLogger('job-source');

/** The uploads a message announces: job id, user id and stored size of each. */
function uploadsOf(message: QueueMessage) {
  const parsed = parseS3Message(message.body);
  if (parsed.kind !== 'objects') return [];
  return parsed.objects.flatMap((o) => {
    const ids = parseUploadKey(o.key);
    return ids ? [{ ...ids, size: o.size }] : [];
  });
}

export function jobSourceFromConfig(
  config: WorkerConfig,
  jobs: Pick<JobRepository, 'markQueued'>,
): { source: MessageSource; loops: number; stop: () => Promise<void> } {
  const sqs = messageSourceFromConfig(config);
  if (!config.WORKER_FAIR_SCHEDULING)
    return { source: sqs, loops: config.WORKER_CONCURRENCY, stop: async () => undefined };
  const fair = new FairMessageSource({
    inner: sqs,
    ownerOf: (message) => uploadsOf(message)[0]?.userId ?? '',
    slots: config.WORKER_CONCURRENCY,
    perOwner: config.WORKER_HELD_PER_USER,
    waitSeconds: config.WORKER_WAIT_SECONDS,
    holdSeconds: config.WORKER_VISIBILITY_TIMEOUT_SECONDS,
    // The message proves the object is stored: the job shows `queued` (batch counts, time spent queued) even
    // while it waits for a slot behind other users' work.
    onArrival: (message) => {
      for (const upload of uploadsOf(message))
        if (upload.size !== undefined)
          void jobs
            .markQueued(upload.jobId, upload.size)
            .catch((error: unknown) =>
              log.warn('job not marked queued', { jobId: upload.jobId, error: (error as Error).message }),
            );
    },
  });
  return { source: fair, loops: config.WORKER_CONCURRENCY + 1, stop: () => fair.stop() };
}
