import { describeExtractors } from '../../core/extractors/registry.ts';
import { loadManifest } from '../../inference/manifest.ts';
import { resolveProjectPath } from '../../shared/config.ts';
import { json } from '../http.ts';
import { configOnly, publicRoute } from '../handler.ts';

let cached: ReturnType<typeof loadManifest> | undefined;

/** GET /v1/extractors → 200 {available: [{name, version, device, description, outputs}]}; no token needed. */
export const handler = publicRoute(configOnly, async (_event, config) => {
  const { manifest } = await (cached ??= loadManifest(resolveProjectPath(config.MODEL_MANIFEST)));
  return json(200, { available: describeExtractors(manifest) }, { 'cache-control': 'public, max-age=300' });
});
