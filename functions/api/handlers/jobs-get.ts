import { getJob } from '../../core/jobs/get-job.ts';
import { TERMINAL } from '../../ports/jobs.ts';
import { rawJson } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { keyValue } from '../deps/key-value.ts';
import { jobRepository } from '../deps/postgres.ts';
import { manifestLinks, objectStore } from '../deps/storage.ts';

const POLL_AGAIN = { 'retry-after': '2' };

/** GET /v1/jobs/{id} → 200 job view (owner only; anyone else gets 404). Retry-After while the job runs. */
export const handler = userRoute(
  (c) => ({
    job: {
      jobs: jobRepository(c),
      cache: keyValue(c).cache,
      storage: objectStore(c),
      resultTtlSeconds: c.RESULT_TTL_SECONDS,
    },
    manifestLinks: manifestLinks(c),
  }),
  async (event, deps, userId) => {
    const job = await getJob(deps.job, userId, event.pathParameters?.id ?? '');
    const id = event.pathParameters!.id!;
    const body = job.manifest ? await deps.manifestLinks.fill(userId, id, job.json) : job.json;
    return rawJson(200, body, TERMINAL.includes(job.status) ? undefined : POLL_AGAIN);
  },
);
