import { deleteBatch } from '../../core/batches/batches.ts';
import { userRoute } from '../handler.ts';

/** DELETE /v1/batches/{id} → 204: every item's audio, manifest, results and cache entry are gone (owner only). */
export const handler = userRoute(async (event, deps, userId) => {
  await deleteBatch(deps, userId, event.pathParameters?.id ?? '');
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
});
