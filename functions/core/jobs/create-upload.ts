import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { AudioError } from '../../audio/errors.ts';
import { contentFamily } from '../../audio/formats.ts';
import { ValidationError } from '../../shared/errors.ts';
import { extractorListSchema, resolveExtractors } from '../extractors/registry.ts';
import type { JobRepository } from '../../ports/jobs.ts';
import type { ObjectStore } from '../../ports/storage.ts';
import { uploadKey } from './object-key.ts';

export const uploadRequestSchema = z
  .object({
    filename: z.string().min(1).max(255),
    content_type: z.string().min(1).max(100),
    size_bytes: z.number().int().positive(),
    /** Extractors to run besides the detector (docs/extractors.md); default ["deepfake"]. */
    extractors: extractorListSchema.optional(),
  })
  .strict();

export interface CreateUploadDeps {
  jobs: JobRepository;
  storage: ObjectStore;
  limits: { maxUploadBytes: number; uploadUrlTtlSeconds: number };
}

export type UploadRequest = z.infer<typeof uploadRequestSchema>;

/**
 * Checks what the client declares, before any URL is issued: 413 `too_large` above the limit, 415
 * `unsupported_format` for a type RealTone does not decode. `label` names the file in the message (batch items).
 */
export function checkDeclaredUpload(item: UploadRequest, maxUploadBytes: number, label = 'the file'): void {
  if (item.size_bytes > maxUploadBytes) {
    throw new AudioError(
      'too_large',
      `${label} is ${item.size_bytes} bytes; the limit is ${maxUploadBytes} bytes`,
    );
  }
  if (!contentFamily(item.content_type)) {
    throw new AudioError(
      'unsupported_format',
      `${label === 'the file' ? 'content type' : `${label}: content type`} ${item.content_type} is not a supported audio type`,
    );
  }
}

/** A presigned POST for one new job's object, limited to the declared size and type. */
export async function presignUpload(
  deps: Pick<CreateUploadDeps, 'storage' | 'limits'>,
  key: string,
  item: UploadRequest,
) {
  const form = await deps.storage.createUploadForm(key, {
    contentType: item.content_type,
    maxBytes: item.size_bytes,
    expiresSeconds: deps.limits.uploadUrlTtlSeconds,
  });
  return {
    url: form.url,
    fields: form.fields,
    expires_at: form.expiresAt.toISOString(),
    max_bytes: item.size_bytes,
  };
}

/**
 * Creates a job and a presigned POST for the browser's direct upload. Size and type are checked here, from what
 * the client declares (413 / 415 before any URL is issued); S3 enforces them again through the POST policy, and the
 * worker checks the stored object once more. `correlationId` (the API request's id) follows the job into the
 * worker's logs.
 */
export async function createUpload(
  deps: CreateUploadDeps,
  userId: string,
  body: unknown,
  correlationId?: string,
) {
  const parsed = uploadRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError('invalid upload request', {
      details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  const item = parsed.data;
  const extractors = resolveExtractors(item.extractors);
  checkDeclaredUpload(item, deps.limits.maxUploadBytes);
  const jobId = randomUUID();
  const key = uploadKey(userId, jobId, item.filename);
  const upload = await presignUpload(deps, key, item);
  const job = await deps.jobs.create({
    id: jobId,
    userId,
    filename: item.filename,
    contentType: item.content_type,
    declaredBytes: item.size_bytes,
    objectKey: key,
    extractors,
    correlationId,
  });
  return { job_id: job.id, status: job.status, extractors: job.extractors, upload };
}
