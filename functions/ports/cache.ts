import type { JobStatus } from './jobs.ts';

/**
 * What the status cache holds per job: enough to answer a poll without touching Postgres. The public view is
 * serialised once, by the writer: a poll checks the owner and returns `view` as the response body as it is, with no
 * JSON parse and re-serialisation per request (together most of a warm poll's own CPU).
 */
export interface CachedJob {
  id: string;
  /** Checked against the caller on every read: a cached job is never served to another user. */
  userId: string;
  status: JobStatus;
  /**
   * JSON of the job's public view (JobView): the exact body of `GET /v1/jobs/{id}`, except `manifest_url` (its last
   * field, null here), which a read fills with a short-lived presigned URL when `manifest` is set.
   */
  view: string;
  /** The job's result manifest was written (results/{user}/{job}.json). */
  manifest?: boolean;
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
