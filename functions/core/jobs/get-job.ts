import { NotFoundError } from '../../shared/errors.ts';
import type { StatusCache } from '../../ports/cache.ts';
import type { JobRepository } from '../../ports/jobs.ts';
import { cacheTtl, toCached, toView, type JobView } from './view.ts';

export interface GetJobDeps {
  jobs: JobRepository;
  cache: StatusCache;
  /** TTL for finished jobs; in-flight states are cached briefly (ACTIVE_TTL_SECONDS) as a safety net. */
  cacheTtlSeconds: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Owner-only read. Served from the cache when warm, from Postgres otherwise (then cached). A job of another user
 * and a missing job give the same NotFoundError.
 */
export async function getJob(deps: GetJobDeps, userId: string, jobId: string): Promise<JobView> {
  if (!UUID.test(jobId)) throw new NotFoundError('job not found');
  const cached = await deps.cache.get(jobId).catch(() => undefined);
  if (cached) {
    if (cached.userId !== userId) throw new NotFoundError('job not found');
    return toView(cached);
  }
  const job = await deps.jobs.findForUser(userId, jobId);
  if (!job) throw new NotFoundError('job not found');
  const entry = toCached(job);
  await deps.cache.putIfAbsent(entry, cacheTtl(job.status, deps.cacheTtlSeconds)).catch(() => undefined);
  return toView(entry);
}
