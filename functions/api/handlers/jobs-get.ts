import { getJob } from '../../core/jobs/get-job.ts';
import { TERMINAL } from '../../ports/jobs.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';

/** GET /v1/jobs/{id} → 200 job view (owner only; anyone else gets 404). Retry-After while the job runs. */
export const handler = userRoute(async (event, deps, userId) => {
  const view = await getJob(
    {
      jobs: deps.jobs,
      cache: deps.cache,
      storage: deps.storage,
      resultTtlSeconds: deps.config.RESULT_TTL_SECONDS,
    },
    userId,
    event.pathParameters?.id ?? '',
  );
  const headers: Record<string, string> = TERMINAL.includes(view.status) ? {} : { 'retry-after': '2' };
  return json(200, view, headers);
});
