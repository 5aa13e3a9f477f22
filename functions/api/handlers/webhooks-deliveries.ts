import { listDeliveries } from '../../core/webhooks/webhooks.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';

/** GET /v1/webhooks/{id}/deliveries?limit= → 200 {items}: recent attempts, newest first (owner only). */
export const handler = userRoute(async (event, deps, userId) =>
  json(
    200,
    await listDeliveries(
      deps.webhooks,
      userId,
      event.pathParameters?.id ?? '',
      event.queryStringParameters?.limit,
    ),
  ),
);
