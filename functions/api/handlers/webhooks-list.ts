import { listWebhooks } from '../../core/webhooks/webhooks.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { webhookDirectory } from '../deps/postgres.ts';

/** GET /v1/webhooks → 200 {items}: the caller's endpoints, oldest first, without their secrets. */
export const handler = userRoute(webhookDirectory, async (_event, webhooks, userId) =>
  json(200, { items: await listWebhooks({ webhooks }, userId) }),
);
