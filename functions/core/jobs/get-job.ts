import { NotFoundError } from '../../shared/errors.ts';
import type { StatusCache } from '../../ports/cache.ts';
import type { JobRecord, JobRepository } from '../../ports/jobs.ts';
import type { ObjectStore } from '../../ports/storage.ts';
import { cacheTtl, toCached } from './view.ts';

export interface GetJobDeps {
  jobs: JobRepository;
  cache: StatusCache;
  storage: ObjectStore;
  resultTtlSeconds: number;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A job as a poll answers it: its status and the JSON of its public view (JobView), ready to send. */
export interface RenderedJob {
  status: JobRecord['status'];
  json: string;
  /** A result manifest exists: the read fills in `manifest_url` (manifest-links.ts). */
  manifest: boolean;
}

/**
 * Owner-only read, served from the cache when warm and from Postgres otherwise (then cached with the reader's
 * NX fill, so it never overwrites a newer state the worker wrote). A job of another user and a missing job give the
 * same NotFoundError. While a job awaits its upload, a poll checks S3: once the object exists the job is `queued`
 * (the worker may be scaled to zero and take a while to start).
 */
export async function getJob(deps: GetJobDeps, userId: string, jobId: string): Promise<RenderedJob> {
  if (!UUID.test(jobId)) throw new NotFoundError('job not found');
  const cached = await deps.cache.get(jobId).catch(() => undefined);
  if (cached) {
    if (cached.userId !== userId) throw new NotFoundError('job not found');
    return { status: cached.status, json: cached.view, manifest: cached.manifest === true };
  }
  let job: JobRecord | undefined = await deps.jobs.findForUser(userId, jobId);
  if (!job) throw new NotFoundError('job not found');
  if (job.status === 'awaiting_upload') {
    const head = await deps.storage.head(job.objectKey);
    if (head) job = (await deps.jobs.markQueued(job.id, head.size)) ?? job;
  }
  const entry = toCached(job);
  await deps.cache.putIfAbsent(entry, cacheTtl(job.status, deps.resultTtlSeconds)).catch(() => undefined);
  return { status: entry.status, json: entry.view, manifest: entry.manifest === true };
}
