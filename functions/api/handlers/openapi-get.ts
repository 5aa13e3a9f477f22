import spec from '../../../proto/openapi.json' with { type: 'json' };
import { json } from '../http.ts';
import { configOnly, publicRoute } from '../handler.ts';

/** GET /v1/openapi.json → the OpenAPI 3.1 contract of this API (proto/openapi.json). */
export const handler = publicRoute(configOnly, async () =>
  json(200, spec, { 'cache-control': 'public, max-age=300' }),
);
