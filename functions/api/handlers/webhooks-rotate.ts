import { rotateWebhookSecret } from '../../core/webhooks/webhooks.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { webhookRepository } from '../deps/webhooks.ts';

/** POST /v1/webhooks/{id}/rotate-secret → 200 {id, secret, previous_secret_expires_at}: both sign for 24 h. */
export const handler = userRoute(webhookRepository, async (event, webhooks, userId) =>
  json(200, await rotateWebhookSecret({ webhooks }, userId, event.pathParameters?.id ?? '')),
);
