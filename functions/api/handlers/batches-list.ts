import { listBatches } from '../../core/batches/batches.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { batchRepository } from '../deps/postgres.ts';

/** GET /v1/batches?limit&cursor → 200 {items, next_cursor}: the caller's batches, newest first. */
export const handler = userRoute(batchRepository, async (event, batches, userId) =>
  json(200, await listBatches(batches, userId, event.queryStringParameters ?? {})),
);
