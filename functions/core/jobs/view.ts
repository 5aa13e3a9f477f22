import type { CachedJob } from '../../ports/cache.ts';
import { TERMINAL, type JobRecord, type JobStatus } from '../../ports/jobs.ts';

/**
 * How long a job state may live in the cache. Finished jobs never change and keep the configured result TTL.
 * In-flight states are short-lived safety nets: if a worker's cache write is ever lost, a stale entry heals within
 * a minute; `awaiting_upload` lives only seconds, because a poll is what notices the upload arrived (`queued`).
 */
export const ACTIVE_TTL_SECONDS = 60;
export const AWAITING_TTL_SECONDS = 3;

export function cacheTtl(status: JobStatus, resultTtlSeconds: number): number {
  if (TERMINAL.includes(status)) return resultTtlSeconds;
  return status === 'awaiting_upload' ? AWAITING_TTL_SECONDS : ACTIVE_TTL_SECONDS;
}

/** The public shape of a job, identical whether it is served from the cache or from Postgres. */
export interface JobView {
  id: string;
  kind: JobRecord['kind'];
  status: JobStatus;
  filename: string;
  /** Extractors the job runs (deepfake first). */
  extractors: string[];
  created_at: string;
  updated_at: string;
  progress: { chunks_done: number; chunks_total: number | null };
  result: JobRecord['result'];
  error: { code: string; message: string } | null;
  timings: Record<string, number> | null;
  /** The batch this job belongs to (POST /v1/batches), else null. */
  batch_id: string | null;
  /**
   * A presigned GET of the job's audio_manifest_v1, valid for a few minutes, filled in by each read
   * (manifest-links.ts); null while there is none. Always the last field: a read replaces the trailing `null`.
   */
  manifest_url: string | null;
}

export function toView(job: JobRecord): JobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    filename: job.filename,
    extractors: job.extractors,
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
    progress: { chunks_done: job.chunksDone, chunks_total: job.chunksTotal },
    result: job.result,
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    timings: job.timings,
    batch_id: job.batchId,
    manifest_url: null,
  };
}

/** The cache entry of a job: its owner, its status and its view serialised once. */
export function toCached(job: JobRecord): CachedJob {
  const cached: CachedJob = {
    id: job.id,
    userId: job.userId,
    status: job.status,
    view: JSON.stringify(toView(job)),
  };
  if (job.manifestKey) cached.manifest = true;
  return cached;
}

/** One line of the history: the verdict without the chunk list. */
export interface JobSummary {
  id: string;
  kind: JobRecord['kind'];
  status: JobStatus;
  filename: string;
  created_at: string;
  updated_at: string;
  overall: { label: string; score: number } | null;
  error_code: string | null;
  batch_id: string | null;
}

export function toSummary(job: JobRecord): JobSummary {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    filename: job.filename,
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
    overall: job.result ? { label: job.result.overall.label, score: job.result.overall.score } : null,
    error_code: job.errorCode,
    batch_id: job.batchId,
  };
}
