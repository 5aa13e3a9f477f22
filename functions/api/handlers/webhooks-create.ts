import { createWebhook } from '../../core/webhooks/webhooks.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { webhookDeps } from '../deps/webhooks.ts';

/** POST /v1/webhooks → 201 {id, url, events, description, created_at, failing, secret}: the secret is shown once. */
export const handler = userRoute(
  webhookDeps,
  async (event, deps, userId) => json(201, await createWebhook(deps, userId, event.body)),
  { jsonBody: true },
);
