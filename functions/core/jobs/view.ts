import type { CachedJob } from '../../ports/cache.ts';
import { TERMINAL, type JobRecord, type JobStatus } from '../../ports/jobs.ts';

/**
 * In-flight states live in the cache only briefly: if a worker's cache write is ever lost, a stale "processing"
 * entry heals within this many seconds. Finished jobs never change, so they keep the configured result TTL.
 */
export const ACTIVE_TTL_SECONDS = 60;

export function cacheTtl(status: JobStatus, resultTtlSeconds: number): number {
  return TERMINAL.includes(status) ? resultTtlSeconds : ACTIVE_TTL_SECONDS;
}

/** The public shape of a job, identical whether it is served from the cache or from Postgres. */
export interface JobView {
  id: string;
  status: JobRecord['status'];
  progress: { chunks_done: number; chunks_total: number | null };
  result: JobRecord['result'];
  error: { code: string; message: string } | null;
  updated_at: string;
}

export function toCached(job: JobRecord): CachedJob {
  return {
    id: job.id,
    userId: job.userId,
    status: job.status,
    progress: { chunks_done: job.chunksDone, chunks_total: job.chunksTotal },
    result: job.result,
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    updatedAt: job.updatedAt.toISOString(),
  };
}

export function toView(job: CachedJob): JobView {
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    result: job.result,
    error: job.error,
    updated_at: job.updatedAt,
  };
}
