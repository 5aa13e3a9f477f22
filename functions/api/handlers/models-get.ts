import { CONTENT_TYPES, FILE_EXTENSIONS } from '../../audio/formats.ts';
import { loadManifest } from '../../inference/manifest.ts';
import { resolveProjectPath } from '../../shared/config.ts';
import { json } from '../http.ts';
import { configOnly, publicRoute } from '../handler.ts';

let cached: ReturnType<typeof loadManifest> | undefined;

/**
 * GET /v1/models → 200 the active model's manifest (what the scores mean, thresholds, chunking) and the upload
 * limits a client checks before it sends anything (size, duration, accepted types and file extensions).
 */
export const handler = publicRoute(configOnly, async (_event, config) => {
  const { manifest } = await (cached ??= loadManifest(resolveProjectPath(config.MODEL_MANIFEST)));
  const { file: _file, sha256, ...visible } = manifest;
  const limits = {
    max_upload_bytes: config.MAX_UPLOAD_BYTES,
    max_duration_seconds: config.MAX_DURATION_SECONDS,
    content_types: Object.keys(CONTENT_TYPES),
    extensions: FILE_EXTENSIONS,
  };
  return json(200, { active: { ...visible, sha256 }, limits }, { 'cache-control': 'public, max-age=300' });
});
