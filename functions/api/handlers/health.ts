import { json } from '../http.ts';
import { configOnly, publicRoute } from '../handler.ts';

/** GET /v1/health: liveness only, no dependency touched (cheap for load balancers). */
export const handler = publicRoute(configOnly, async () =>
  json(200, { status: 'ok', service: 'realtone', time: new Date().toISOString() }),
);
