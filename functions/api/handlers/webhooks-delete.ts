import { deleteWebhook } from '../../core/webhooks/webhooks.ts';
import { userRoute } from '../handler.ts';

/** DELETE /v1/webhooks/{id} → 204: the endpoint and its pending deliveries are gone (owner only). */
export const handler = userRoute(async (event, deps, userId) => {
  await deleteWebhook(deps.webhooks, userId, event.pathParameters?.id ?? '');
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
});
