import { listBatches } from '../../core/batches/batches.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';

/** GET /v1/batches?limit&cursor → 200 {items, next_cursor}: the caller's batches, newest first. */
export const handler = userRoute(async (event, deps, userId) =>
  json(200, await listBatches(deps.batches, userId, event.queryStringParameters ?? {})),
);
