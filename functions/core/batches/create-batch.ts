import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { AudioError } from '../../audio/errors.ts';
import type { BatchRepository } from '../../ports/batches.ts';
import type { ObjectStore } from '../../ports/storage.ts';
import { ValidationError } from '../../shared/errors.ts';
import { extractorListSchema, resolveExtractors } from '../extractors/registry.ts';
import { checkDeclaredUpload, presignUpload, uploadRequestSchema } from '../jobs/create-upload.ts';
import { uploadKey } from '../jobs/object-key.ts';
import { TooManyPendingJobsError } from './errors.ts';

/** The issue's contract: 1 to 100 files per batch. */
export const MAX_BATCH_ITEMS = 100;

export const batchRequestSchema = z
  .object({
    // Extractors are chosen once for the whole batch.
    items: z
      .array(uploadRequestSchema.omit({ extractors: true }))
      .min(1)
      .max(MAX_BATCH_ITEMS),
    extractors: extractorListSchema.optional(),
  })
  .strict();

export interface CreateBatchDeps {
  batches: BatchRepository;
  storage: ObjectStore;
  limits: { maxUploadBytes: number; uploadUrlTtlSeconds: number; maxPendingJobsPerUser: number };
}

const issues = (error: z.ZodError) =>
  error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));

/**
 * POST /v1/batches: validates every item before anything is created (one bad item refuses the whole batch, with
 * the item's index in `errors`), checks the user's unfinished-job allowance, then creates the batch and one job per
 * item in one transaction and returns a presigned POST per item. Items are the same jobs single uploads create.
 */
export async function createBatch(
  deps: CreateBatchDeps,
  userId: string,
  body: unknown,
  correlationId?: string,
) {
  const parsed = batchRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError('invalid batch request', { details: issues(parsed.error) });
  const { items } = parsed.data;
  const extractors = resolveExtractors(parsed.data.extractors);
  items.forEach((item, i) => {
    try {
      checkDeclaredUpload(item, deps.limits.maxUploadBytes, `item ${i} (${item.filename})`);
    } catch (error) {
      if (!(error instanceof AudioError)) throw error;
      const field = error.code === 'too_large' ? 'size_bytes' : 'content_type';
      throw new ValidationError(error.message, {
        code: error.code,
        details: [{ field: `items.${i}.${field}`, message: error.message }],
      });
    }
  });
  const pending = await deps.batches.countUnfinished(userId);
  if (pending + items.length > deps.limits.maxPendingJobsPerUser) {
    throw new TooManyPendingJobsError(
      `you have ${pending} unfinished jobs; a batch of ${items.length} would exceed the limit of ` +
        `${deps.limits.maxPendingJobsPerUser}. Upload or delete pending ones, or wait for them to finish`,
      30,
    );
  }
  const batchId = randomUUID();
  const jobs = items.map((item, index) => {
    const id = randomUUID();
    return {
      id,
      userId,
      filename: item.filename,
      contentType: item.content_type,
      declaredBytes: item.size_bytes,
      objectKey: uploadKey(userId, id, item.filename),
      extractors,
      correlationId,
      batch: { id: batchId, index },
    };
  });
  const uploads = await Promise.all(jobs.map((job, i) => presignUpload(deps, job.objectKey, items[i]!)));
  const batch = await deps.batches.create(
    { id: batchId, userId, extractors, itemCount: items.length, correlationId },
    jobs,
  );
  return {
    batch_id: batch.id,
    status: 'awaiting_upload' as const,
    created_at: batch.createdAt.toISOString(),
    extractors: batch.extractors,
    items: jobs.map((job, i) => ({
      index: i,
      job_id: job.id,
      filename: job.filename,
      status: 'awaiting_upload' as const,
      upload: uploads[i]!,
    })),
  };
}
