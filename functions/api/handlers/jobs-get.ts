import { getJob } from '../../core/jobs/get-job.ts';
import { TERMINAL } from '../../ports/jobs.ts';
import { rawJson } from '../http.ts';
import { userRoute } from '../handler.ts';

const POLL_AGAIN = { 'retry-after': '2' };

/** GET /v1/jobs/{id} → 200 job view (owner only; anyone else gets 404). Retry-After while the job runs. */
export const handler = userRoute(async (event, deps, userId) => {
  const job = await getJob(
    {
      jobs: deps.jobs,
      cache: deps.cache,
      storage: deps.storage,
      resultTtlSeconds: deps.config.RESULT_TTL_SECONDS,
    },
    userId,
    event.pathParameters?.id ?? '',
  );
  const id = event.pathParameters!.id!;
  const body = job.manifest ? await deps.manifestLinks.fill(userId, id, job.json) : job.json;
  return rawJson(200, body, TERMINAL.includes(job.status) ? undefined : POLL_AGAIN);
});
