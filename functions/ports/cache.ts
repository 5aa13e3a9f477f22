import type { JobStatus } from './jobs.ts';
import type { AnalysisResult } from '../core/detection/analyze.ts';

/** What the status cache holds per job: enough to answer a poll without touching Postgres. */
export interface CachedJob {
  id: string;
  userId: string;
  filename: string;
  createdAt: string;
  status: JobStatus;
  progress: { chunks_done: number; chunks_total: number | null };
  result: AnalysisResult | null;
  error: { code: string; message: string } | null;
  timings: Record<string, number> | null;
  updatedAt: string;
}

/** Redis (ElastiCache) in AWS; an in-process map where no Redis is configured locally. */
export interface StatusCache {
  get(jobId: string): Promise<CachedJob | undefined>;
  /** Writer path (worker, API mutations): always overwrites. */
  put(job: CachedJob, ttlSeconds: number): Promise<void>;
  /**
   * Reader fill path (a poll that missed the cache): only writes when no entry exists, so a slow reader can never
   * overwrite a newer state the worker wrote meanwhile.
   */
  putIfAbsent(job: CachedJob, ttlSeconds: number): Promise<void>;
  delete(jobId: string): Promise<void>;
  ping(): Promise<void>;
}
