import { listWebhooks } from '../../core/webhooks/webhooks.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';

/** GET /v1/webhooks → 200 {items}: the caller's endpoints, oldest first, without their secrets. */
export const handler = userRoute(async (_event, deps, userId) =>
  json(200, { items: await listWebhooks(deps.webhooks, userId) }),
);
