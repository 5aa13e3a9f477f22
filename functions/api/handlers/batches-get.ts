import { getBatch } from '../../core/batches/batches.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { batchRepository } from '../deps/postgres.ts';

const POLL_AGAIN = { 'retry-after': '2' };

/** GET /v1/batches/{id} → 200 status counts, progress and items (owner only). Retry-After while items run. */
export const handler = userRoute(batchRepository, async (event, batches, userId) => {
  const batch = await getBatch(batches, userId, event.pathParameters?.id ?? '');
  const finished = batch.status === 'completed' || batch.status === 'failed';
  return json(200, batch, finished ? undefined : POLL_AGAIN);
});
