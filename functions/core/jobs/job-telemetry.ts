/**
 * What a file job reports about itself besides its result: per-stage latencies, the time it spent queued, how it
 * ended. Kept apart from process-upload.ts, which decides what happens; this only measures it.
 */
import type { Metrics } from '../../ports/metrics.ts';
import type { JobRecord } from '../../ports/jobs.ts';

export type Outcome = { outcome: 'completed' | 'failed' | 'ignored' | 'retry'; code?: string };

export function recordOutcome(metrics: Metrics, outcome: Outcome): void {
  const name = outcome.outcome === 'retry' ? 'retried' : outcome.outcome;
  metrics.increment('realtone_jobs_total', { outcome: name, code: outcome.code ?? 'none' });
}

export function recordStage(metrics: Metrics, stage: string, ms: number): void {
  metrics.observe('realtone_stage_duration_seconds', ms / 1000, { stage });
}

/** From the object being known to be stored (or the job's creation, if nobody noticed) until it was claimed. */
export function recordQueued(metrics: Metrics, job: JobRecord): number {
  const since = job.queuedAt ?? job.createdAt;
  const ms = Math.max(0, (job.startedAt ?? new Date()).getTime() - since.getTime());
  metrics.observe('realtone_job_queued_seconds', ms / 1000);
  return ms;
}

/**
 * Passes the object's bytes through and measures the download: from the request to the last byte read. It
 * overlaps decoding (bytes are decoded as they arrive), so it is the time the object took to stream in.
 */
export async function* timedDownload(
  source: AsyncIterable<Uint8Array>,
  startedAt: number,
  done: (ms: number) => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of source) yield chunk;
  done(performance.now() - startedAt);
}
