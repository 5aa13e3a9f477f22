import { deleteWebhook } from '../../core/webhooks/webhooks.ts';
import { userRoute } from '../user-route.ts';
import { webhookDirectory } from '../deps/postgres.ts';

/** DELETE /v1/webhooks/{id} → 204: the endpoint and its pending deliveries are gone (owner only). */
export const handler = userRoute(webhookDirectory, async (event, webhooks, userId) => {
  await deleteWebhook({ webhooks }, userId, event.pathParameters?.id ?? '');
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
});
