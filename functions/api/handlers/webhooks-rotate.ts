import { rotateWebhookSecret } from '../../core/webhooks/webhooks.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';

/** POST /v1/webhooks/{id}/rotate-secret → 200 {id, secret, previous_secret_expires_at}: both sign for 24 h. */
export const handler = userRoute(async (event, deps, userId) =>
  json(200, await rotateWebhookSecret(deps.webhooks, userId, event.pathParameters?.id ?? '')),
);
