import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { batchCreation } from '../deps/uploads.ts';

/**
 * POST /v1/batches {items: [{filename, content_type, size_bytes}] (1–100), extractors?} → 201 {batch_id, items:
 * [{index, job_id, upload}]}: one job and one presigned POST per item, created together or not at all.
 */
export const handler = userRoute(
  batchCreation,
  async (event, createBatch, userId) => {
    const created = await createBatch(userId, event.body);
    return json(201, created, { location: `/v1/batches/${created.batch_id}` });
  },
  { jsonBody: true },
);
