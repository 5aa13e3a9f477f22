import { loadManifest } from '../../inference/manifest.ts';
import { resolveProjectPath } from '../../shared/config.ts';
import { json } from '../http.ts';
import { publicRoute } from '../handler.ts';

let cached: ReturnType<typeof loadManifest> | undefined;

/** GET /v1/models → 200 the active model's manifest (what the scores mean, thresholds, chunking). */
export const handler = publicRoute(async (_event, deps) => {
  const { manifest } = await (cached ??= loadManifest(resolveProjectPath(deps.config.MODEL_MANIFEST)));
  const { file: _file, sha256, ...visible } = manifest;
  return json(200, { active: { ...visible, sha256 } }, { 'cache-control': 'public, max-age=300' });
});
