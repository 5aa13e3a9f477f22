/**
 * Object keys: `uploads/{userId}/{jobId}/{safeName}`. The user and job ids come from the server, never the client;
 * the file name is reduced to a safe, readable form (no path separators, no control or exotic characters, no
 * leading dots, at most 100 characters) so a name cannot traverse prefixes or break tools that list the bucket.
 */
export const UPLOAD_PREFIX = 'uploads/';

const clean = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // strip combining accents: "é" → "e"
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._-]+|[._-]+$/g, '');

export function sanitizeFilename(name: string): string {
  const base = name.normalize('NFKC').split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? clean(base.slice(dot + 1)).slice(0, 10) : '';
  const stem = clean(dot > 0 ? base.slice(0, dot) : base).slice(0, 100 - ext.length - 1) || 'audio';
  return ext ? `${stem}.${ext}` : stem;
}

/**
 * Where a finished job's result manifest (audio_manifest_v1) lives: `results/{userId}/{jobId}.json`. Outside
 * `uploads/`, so writing it raises no S3 event; it expires with the uploads (the same lifecycle days).
 */
export const RESULT_PREFIX = 'results/';

export function resultKey(userId: string, jobId: string): string {
  return `${RESULT_PREFIX}${userId}/${jobId}.json`;
}

export function uploadKey(userId: string, jobId: string, filename: string): string {
  return `${UPLOAD_PREFIX}${userId}/${jobId}/${sanitizeFilename(filename)}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY = new RegExp(`^${UPLOAD_PREFIX}(${UUID})/(${UUID})/[A-Za-z0-9._-]{1,100}$`);

/** Parses a key the API issued; undefined for anything else. */
export function parseUploadKey(key: string): { userId: string; jobId: string } | undefined {
  const m = KEY.exec(key);
  return m ? { userId: m[1]!, jobId: m[2]! } : undefined;
}
