import type { CachedJob } from '../ports/cache.ts';
import { JOB_STATUSES, type JobStatus } from '../ports/jobs.ts';

/**
 * The cache value of a job: `{owner id} {status}[+m] {view JSON}` (docs/data-model.md). Two spaces and a fixed field
 * order, so that a poll reads the owner and status with two `indexOf` calls and returns the view without parsing it.
 * Neither a user id (UUID) nor a status contains a space; the view is whatever follows the second one. `+m` marks
 * a job whose result manifest exists.
 */
export function encodeCachedJob(job: CachedJob): string {
  return `${job.userId} ${job.status}${job.manifest ? MANIFEST_MARK : ''} ${job.view}`;
}

const MANIFEST_MARK = '+m';

const STATUSES = new Set<string>(JOB_STATUSES);

/** The entry, or undefined when the value is not one this codec wrote (it is then treated as a cache miss). */
export function decodeCachedJob(jobId: string, value: string): CachedJob | undefined {
  const first = value.indexOf(' ');
  const second = first < 0 ? -1 : value.indexOf(' ', first + 1);
  if (first <= 0 || second < 0) return undefined;
  let status = value.slice(first + 1, second);
  const manifest = status.endsWith(MANIFEST_MARK);
  if (manifest) status = status.slice(0, -MANIFEST_MARK.length);
  const view = value.slice(second + 1);
  if (!STATUSES.has(status) || view[0] !== '{' || view[view.length - 1] !== '}') return undefined;
  const job: CachedJob = { id: jobId, userId: value.slice(0, first), status: status as JobStatus, view };
  if (manifest) job.manifest = true;
  return job;
}
