import { randomUUID } from 'node:crypto';
import { z } from 'zod';
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

/**
 * Creates a job and a presigned POST for the browser's direct upload. Size and type are checked here, from what
 * the client declares (413 / 415 before any URL is issued); S3 enforces them again through the POST policy, and the
 * worker checks the stored object once more.
 */
export async function createUpload(deps: CreateUploadDeps, userId: string, body: unknown) {
  const parsed = uploadRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError('invalid upload request', {
      details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  const { filename, content_type: contentType, size_bytes: size } = parsed.data;
  const extractors = resolveExtractors(parsed.data.extractors);
  if (size > deps.limits.maxUploadBytes) {
    throw new AudioError(
      'too_large',
      `the file is ${size} bytes; the limit is ${deps.limits.maxUploadBytes} bytes`,
    );
  }
  if (!contentFamily(contentType)) {
    throw new AudioError('unsupported_format', `content type ${contentType} is not a supported audio type`);
  }
  const jobId = randomUUID();
  const key = uploadKey(userId, jobId, filename);
  const form = await deps.storage.createUploadForm(key, {
    contentType,
    maxBytes: size,
    expiresSeconds: deps.limits.uploadUrlTtlSeconds,
  });
  const job = await deps.jobs.create({
    id: jobId,
    userId,
    filename,
    contentType,
    declaredBytes: size,
    objectKey: key,
    extractors,
  });
  return {
    job_id: job.id,
    status: job.status,
    extractors: job.extractors,
    upload: { url: form.url, fields: form.fields, expires_at: form.expiresAt.toISOString(), max_bytes: size },
  };
}
