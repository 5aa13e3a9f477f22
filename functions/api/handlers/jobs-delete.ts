import { deleteJob } from '../../core/jobs/delete-job.ts';
import { userRoute } from '../handler.ts';

/** DELETE /v1/jobs/{id} → 204: the S3 object, the results and the cache entry are gone (owner only, else 404). */
export const handler = userRoute(async (event, deps, userId) => {
  await deleteJob(deps, userId, event.pathParameters?.id ?? '');
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
});
