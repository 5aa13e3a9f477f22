/**
 * POST /v1/uploads and POST /v1/batches: jobs with their presigned POSTs, counted. The Idempotency-Key layer
 * (Powertools idempotency on DynamoDB) is imported on the first request that carries a key, so an upload without
 * one, and every cold start, skips it.
 */
import { processMetrics } from '../../adapters/metrics-factory.ts';
import { createBatch } from '../../core/batches/create-batch.ts';
import { createUpload } from '../../core/jobs/create-upload.ts';
import type { ApiConfig } from '../../shared/config.ts';
import { currentCorrelationId } from '../../shared/correlation.ts';
import { batchRepository, jobRepository } from './postgres.ts';
import { perProcess } from './process.ts';
import { objectStore } from './storage.ts';

type Created = Awaited<ReturnType<typeof createUpload>>;

export interface UploadDeps {
  createUpload: (userId: string, body: unknown) => Promise<Created>;
  /** The same behind the Idempotency-Key layer: a retry with the same key and body returns the same job. */
  createUploadOnce: (userId: string, body: unknown, key: string) => Promise<Created>;
}

export const uploadDeps = (c: ApiConfig): UploadDeps =>
  perProcess('uploads', () => {
    const jobs = jobRepository(c);
    const storage = objectStore(c);
    const limits = { maxUploadBytes: c.MAX_UPLOAD_BYTES, uploadUrlTtlSeconds: c.UPLOAD_URL_TTL_SECONDS };
    const upload = async (userId: string, body: unknown) => {
      const created = await createUpload({ jobs, storage, limits }, userId, body, currentCorrelationId());
      (await processMetrics(c)).metrics.increment('realtone_uploads_created_total', { origin: 'upload' });
      return created;
    };
    let once: Promise<(userId: string, body: unknown, key: string) => Promise<Created>> | undefined;
    const idempotent = async () => {
      const { idempotentByKey } = await import('../../adapters/idempotency.ts');
      return idempotentByKey(upload, {
        table: c.IDEMPOTENCY_TABLE,
        region: c.AWS_REGION,
        endpoint: c.DYNAMODB_ENDPOINT,
        ttlSeconds: c.IDEMPOTENCY_TTL_SECONDS,
      });
    };
    return {
      createUpload: upload,
      createUploadOnce: async (userId, body, key) => (await (once ??= idempotent()))(userId, body, key),
    };
  });

export const batchCreation = (c: ApiConfig) =>
  perProcess('createBatch', () => {
    const deps = {
      batches: batchRepository(c),
      storage: objectStore(c),
      limits: {
        maxUploadBytes: c.MAX_UPLOAD_BYTES,
        uploadUrlTtlSeconds: c.UPLOAD_URL_TTL_SECONDS,
        maxPendingJobsPerUser: c.BATCH_MAX_PENDING_JOBS_PER_USER,
      },
    };
    return async (userId: string, body: unknown) => {
      const created = await createBatch(deps, userId, body, currentCorrelationId());
      (await processMetrics(c)).metrics.increment(
        'realtone_uploads_created_total',
        { origin: 'batch' },
        created.items.length,
      );
      return created;
    };
  });
