import { listDeliveries } from '../../core/webhooks/webhooks.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { webhookDirectory } from '../deps/postgres.ts';

/** GET /v1/webhooks/{id}/deliveries?limit= → 200 {items}: recent attempts, newest first (owner only). */
export const handler = userRoute(webhookDirectory, async (event, webhooks, userId) =>
  json(
    200,
    await listDeliveries(
      { webhooks },
      userId,
      event.pathParameters?.id ?? '',
      event.queryStringParameters?.limit,
    ),
  ),
);
