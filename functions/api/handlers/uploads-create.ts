import { createUpload } from '../../core/jobs/create-upload.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';

/** POST /v1/uploads {filename, content_type, size_bytes} → 201 {job_id, status, upload: {url, fields, …}} */
export const handler = userRoute(
  async (event, deps, userId) => {
    const created = await createUpload(
      {
        jobs: deps.jobs,
        storage: deps.storage,
        limits: {
          maxUploadBytes: deps.config.MAX_UPLOAD_BYTES,
          uploadUrlTtlSeconds: deps.config.UPLOAD_URL_TTL_SECONDS,
        },
      },
      userId,
      event.body,
    );
    return json(201, created, { location: `/v1/jobs/${created.job_id}` });
  },
  { jsonBody: true },
);
