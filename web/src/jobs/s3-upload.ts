import type { UploadSlot } from '../api/types';

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * POSTs the file to the presigned S3 form: every returned field in order, then the file. This is S3, not the
 * RealTone API, so it is not in the OpenAPI client; XMLHttpRequest because fetch reports no upload progress.
 */
export function postToS3(
  slot: UploadSlot,
  file: Blob,
  contentType: string,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(slot.upload.fields)) form.append(name, value);
    form.append('file', new Blob([file], { type: contentType }));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', slot.upload.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress({ loaded: event.loaded, total: event.total });
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: file.size, total: file.size });
        resolve();
      } else reject(new Error(s3Message(xhr.status, xhr.responseText)));
    };
    xhr.onerror = () => reject(new Error('The upload failed: the storage service could not be reached.'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** S3 answers errors as XML: <Error><Code>…</Code><Message>…</Message></Error>. */
function s3Message(status: number, body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (code === 'EntityTooLarge') return 'The upload was refused: the file is larger than declared.';
  if (code === 'AccessDenied' && /expired/i.test(message ?? ''))
    return 'The upload link expired before the file was sent. Try again.';
  return `The upload was refused (${status}${code ? ` ${code}` : ''})${message ? `: ${message}` : ''}.`;
}
