import { deleteBatch } from '../../core/batches/batches.ts';
import { userRoute } from '../user-route.ts';
import { keyValue } from '../deps/key-value.ts';
import { batchRepository } from '../deps/postgres.ts';
import { objectStore } from '../deps/storage.ts';

/** DELETE /v1/batches/{id} → 204: every item's audio, manifest, results and cache entry are gone (owner only). */
export const handler = userRoute(
  (c) => ({ batches: batchRepository(c), storage: objectStore(c), cache: keyValue(c).cache }),
  async (event, deps, userId) => {
    await deleteBatch(deps, userId, event.pathParameters?.id ?? '');
    return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
  },
);
