import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { uploadDeps } from '../deps/uploads.ts';

/**
 * POST /v1/uploads {filename, content_type, size_bytes} → 201 {job_id, status, upload: {url, fields, …}}.
 * With an `Idempotency-Key` header, a retried request returns the same job.
 */
export const handler = userRoute(
  uploadDeps,
  async (event, deps, userId) => {
    const key = event.headers?.['idempotency-key'];
    const created =
      key !== undefined
        ? await deps.createUploadOnce(userId, event.body, key)
        : await deps.createUpload(userId, event.body);
    return json(201, created, { location: `/v1/jobs/${created.job_id}` });
  },
  { jsonBody: true },
);
