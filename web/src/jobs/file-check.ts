import type { UploadLimits } from '../api/types';
import { formatBytes } from '../lib/format';

export type FileCheck = { ok: true; contentType: string } | { ok: false; message: string };

const FORMAT_NAMES = 'WAV, MP3, Ogg (Vorbis or Opus), FLAC, M4A/MP4, AAC, WebM or AIFF';

/**
 * Checks a chosen file against the API's limits (GET /v1/models) before anything is sent: the type the browser
 * reports, or the file name's extension when the browser does not know the type, and the size. Returns the content
 * type to declare in POST /v1/uploads. The worker still identifies the format by its bytes.
 */
export function checkFile(
  file: { name: string; type: string; size: number },
  limits: UploadLimits,
): FileCheck {
  const declared = file.type.split(';', 1)[0]!.trim().toLowerCase();
  const dot = file.name.lastIndexOf('.');
  const extension = dot >= 0 ? file.name.slice(dot).toLowerCase() : '';
  const byExtension = limits.extensions[extension];
  let contentType: string | undefined;
  if (limits.content_types.includes(declared)) contentType = declared;
  else if (
    byExtension &&
    (declared === '' || declared === 'application/octet-stream' || /^(audio|video)\//.test(declared))
  )
    contentType = byExtension;
  if (!contentType) {
    const what = declared ? ` (${declared})` : '';
    return {
      ok: false,
      message: `“${file.name}” is not an audio file RealTone can read${what}. Choose a ${FORMAT_NAMES} file.`,
    };
  }
  if (file.size === 0) return { ok: false, message: `“${file.name}” is empty.` };
  if (file.size > limits.max_upload_bytes)
    return {
      ok: false,
      message: `“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(limits.max_upload_bytes)}.`,
    };
  return { ok: true, contentType };
}

/** The `accept` attribute of the file picker: every extension and content type the API takes. */
export const acceptAttribute = (limits: UploadLimits) =>
  [...Object.keys(limits.extensions), ...limits.content_types].join(',');
