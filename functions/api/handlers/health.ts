import { json } from '../http.ts';
import { publicRoute } from '../handler.ts';

/** GET /v1/health: liveness only, no dependency touched (cheap for load balancers). */
export const handler = publicRoute(async () =>
  json(200, { status: 'ok', service: 'realtone', time: new Date().toISOString() }),
);
