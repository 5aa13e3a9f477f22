import type { ApiClient } from '../api/client';
import { problemMessage } from '../lib/problems';
import { postToS3, type UploadProgress } from './s3-upload';

/**
 * Starts the analysis of one file: asks the API for an upload slot (with an Idempotency-Key, so a retried request
 * cannot create a second job) and sends the file to S3. Resolves with the job id once S3 has the file; the worker
 * takes it from there.
 */
export async function uploadForAnalysis(
  client: ApiClient,
  file: File,
  contentType: string,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<string> {
  const { data, error, response } = await client.POST('/v1/uploads', {
    params: { header: { 'Idempotency-Key': crypto.randomUUID() } },
    body: { filename: file.name, content_type: contentType, size_bytes: file.size },
    signal,
  });
  if (!data) throw new Error(problemMessage(error, response));
  await postToS3(data, file, contentType, onProgress, signal);
  return data.job_id;
}
