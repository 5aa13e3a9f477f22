import { createWebhook } from '../../core/webhooks/webhooks.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';

/** POST /v1/webhooks → 201 {id, url, events, description, created_at, failing, secret}: the secret is shown once. */
export const handler = userRoute(
  async (event, deps, userId) => json(201, await createWebhook(deps.webhooks, userId, event.body)),
  { jsonBody: true },
);
