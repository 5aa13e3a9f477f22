import { deleteJob } from '../../core/jobs/delete-job.ts';
import { userRoute } from '../user-route.ts';
import { keyValue } from '../deps/key-value.ts';
import { jobRepository } from '../deps/postgres.ts';
import { objectStore } from '../deps/storage.ts';

/** DELETE /v1/jobs/{id} → 204: the S3 object, the results and the cache entry are gone (owner only, else 404). */
export const handler = userRoute(
  (c) => ({ jobs: jobRepository(c), storage: objectStore(c), cache: keyValue(c).cache }),
  async (event, deps, userId) => {
    await deleteJob(deps, userId, event.pathParameters?.id ?? '');
    return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
  },
);
