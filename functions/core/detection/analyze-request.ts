/**
 * Synchronous analysis for internal callers (the gRPC services): a stored object of the service's own upload
 * bucket, or audio bytes sent with the request, through the same pipeline as jobs (analyze.ts). Knows nothing of
 * gRPC: errors carry codes (`permission_denied`, `not_found`, the audio codes), the edge maps them.
 */
import { AudioError } from '../../audio/errors.ts';
import type { ObjectStore } from '../../ports/storage.ts';
import { RealToneError, NotFoundError, ValidationError } from '../../shared/errors.ts';
import type { ExtractorCatalog } from '../extractors/catalog.ts';
import { resolveExtractors } from '../extractors/registry.ts';
import { UPLOAD_PREFIX } from '../jobs/object-key.ts';
import type { InferenceQueue } from '../pipeline/inference-queue.ts';
import type { VerdictPolicy } from './verdict.ts';
import { analyzeAudio, type AnalysisResult } from './analyze.ts';

/** Largest recording a request may carry inline (8 MiB); larger ones go through the upload bucket. */
export const MAX_INLINE_BYTES = 8 * 1024 * 1024;
const MAX_KEY_BYTES = 1024;

/** The caller may not read what it asked for (another bucket, or outside the uploads). */
export class PermissionDeniedError extends RealToneError {
  readonly code = 'permission_denied';
}

export interface AnalyzeRequestDeps {
  storage: ObjectStore;
  /** The service's own upload bucket: the only one a request may name. */
  bucket: string;
  inference: InferenceQueue;
  limits: { maxUploadBytes: number; maxDurationS: number };
  verdict?: Partial<VerdictPolicy>;
  extractors?: ExtractorCatalog;
}

export interface AnalyzeRequestOptions {
  /** Extractor names as the caller sent them (validated here; default the detector alone). */
  extractors?: readonly string[];
  /** Stops the analysis (the caller went away or its deadline passed): queued windows are withdrawn. */
  signal?: AbortSignal;
  /** Whose request this is, for the inference queue's turns between callers. */
  group?: string;
}

export type AnalysisSource =
  | { kind: 'object'; bucket: string; key: string }
  | { kind: 'inline'; data: Uint8Array; contentType?: string };

/** Analyses one recording; throws PermissionDeniedError, NotFoundError, ValidationError or AudioError. */
export async function analyzeRequest(
  deps: AnalyzeRequestDeps,
  source: AnalysisSource,
  options: AnalyzeRequestOptions = {},
): Promise<AnalysisResult> {
  const names = options.extractors?.length ? resolveExtractors(options.extractors) : undefined;
  const input = source.kind === 'object' ? await openObject(deps, source) : openInline(source);
  return analyzeAudio(input.body, deps.inference, {
    maxDurationS: deps.limits.maxDurationS,
    maxBytes: input.maxBytes,
    declaredContentType: input.contentType,
    verdict: deps.verdict,
    signal: options.signal,
    group: options.group,
    ...(deps.extractors ? { extractors: { names: names ?? ['deepfake'], catalog: deps.extractors } } : {}),
  });
}

interface OpenedInput {
  body: AsyncIterable<Uint8Array>;
  maxBytes: number;
  contentType?: string;
}

async function openObject(
  deps: AnalyzeRequestDeps,
  { bucket, key }: { bucket: string; key: string },
): Promise<OpenedInput> {
  if (!bucket || !key) throw new ValidationError('both the bucket and the object key are required');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new ValidationError(`an object key holds at most ${MAX_KEY_BYTES} bytes`);
  if (bucket !== deps.bucket)
    throw new PermissionDeniedError(`bucket "${bucket}" is not this service's upload bucket`);
  if (!key.startsWith(UPLOAD_PREFIX) || key.split('/').includes('..'))
    throw new PermissionDeniedError(`only objects under ${UPLOAD_PREFIX} may be analysed`);
  const head = await deps.storage.head(key);
  if (!head) throw new NotFoundError(`no object "${key}" in bucket "${bucket}"`);
  if (head.size > deps.limits.maxUploadBytes)
    throw new AudioError(
      'too_large',
      `the object is ${head.size} bytes; at most ${deps.limits.maxUploadBytes} are analysed`,
    );
  return {
    body: await deps.storage.read(key),
    maxBytes: deps.limits.maxUploadBytes,
    contentType: head.contentType,
  };
}

function openInline({ data, contentType }: { data: Uint8Array; contentType?: string }): OpenedInput {
  if (data.length > MAX_INLINE_BYTES)
    throw new AudioError(
      'too_large',
      `inline audio holds at most ${MAX_INLINE_BYTES} bytes (got ${data.length}); upload larger files`,
    );
  return {
    body: (async function* () {
      yield data;
    })(),
    maxBytes: MAX_INLINE_BYTES,
    contentType: contentType || undefined,
  };
}
