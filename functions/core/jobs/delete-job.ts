import { NotFoundError } from '../../shared/errors.ts';
import type { StatusCache } from '../../ports/cache.ts';
import type { JobRepository } from '../../ports/jobs.ts';
import type { ObjectStore } from '../../ports/storage.ts';
import { UUID } from './get-job.ts';
import { resultKey } from './object-key.ts';

/**
 * Deletes a job everywhere: the S3 object and its result manifest, the Postgres rows (results included) and the cache entry. S3 goes first
 * and is idempotent, so a failure part-way leaves a job the owner can delete again, never an orphan object
 * nobody can reach. Another user's job is a NotFoundError, as for reads.
 */
export async function deleteJob(
  deps: { jobs: JobRepository; storage: ObjectStore; cache: StatusCache },
  userId: string,
  jobId: string,
): Promise<void> {
  if (!UUID.test(jobId)) throw new NotFoundError('job not found');
  const job = await deps.jobs.findForUser(userId, jobId);
  if (!job) throw new NotFoundError('job not found');
  await Promise.all([deps.storage.delete(job.objectKey), deps.storage.delete(resultKey(userId, jobId))]);
  await deps.jobs.deleteForUser(userId, jobId);
  await deps.cache.delete(jobId);
}
