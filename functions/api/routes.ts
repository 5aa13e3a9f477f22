/**
 * The HTTP API's routes: one Lambda handler module per route under functions/api/handlers/. CDK creates one
 * function and one HTTP API route per entry; the local adapter serves the same table with the same handlers.
 */
export interface RouteDef {
  method: 'GET' | 'POST' | 'DELETE';
  /** API Gateway route path; `{name}` segments become pathParameters. */
  path: string;
  /** Module name in functions/api/handlers/ exporting `handler`. */
  handler: string;
  /** Whether the route needs a Bearer token (documentation and CDK; the handler enforces it). */
  auth: boolean;
  /**
   * The route seals webhook signing secrets, so it reads WEBHOOK_SECRET_KEY (functions/api/deps/webhooks.ts); in AWS
   * its function gets its own role, the only API role allowed to read the key (infra/lib/api.ts).
   */
  webhookSecrets?: true;
}

export const ROUTES: readonly RouteDef[] = [
  { method: 'GET', path: '/v1/health', handler: 'health', auth: false },
  { method: 'GET', path: '/v1/ready', handler: 'ready', auth: false },
  { method: 'GET', path: '/v1/openapi.json', handler: 'openapi-get', auth: false },
  { method: 'GET', path: '/v1/models', handler: 'models-get', auth: false },
  { method: 'POST', path: '/v1/auth/register', handler: 'auth-register', auth: false },
  { method: 'POST', path: '/v1/auth/login', handler: 'auth-login', auth: false },
  { method: 'POST', path: '/v1/uploads', handler: 'uploads-create', auth: true },
  { method: 'GET', path: '/v1/jobs', handler: 'jobs-list', auth: true },
  { method: 'GET', path: '/v1/jobs/{id}', handler: 'jobs-get', auth: true },
  { method: 'DELETE', path: '/v1/jobs/{id}', handler: 'jobs-delete', auth: true },
  { method: 'POST', path: '/v1/stream/tickets', handler: 'stream-tickets-create', auth: true },
  { method: 'GET', path: '/v1/extractors', handler: 'extractors-get', auth: false },
  // The refresh cookie is the credential of these two (docs/web.md).
  { method: 'POST', path: '/v1/auth/refresh', handler: 'auth-refresh', auth: false },
  { method: 'DELETE', path: '/v1/auth/refresh', handler: 'auth-logout', auth: false },
  { method: 'POST', path: '/v1/batches', handler: 'batches-create', auth: true },
  { method: 'GET', path: '/v1/batches', handler: 'batches-list', auth: true },
  { method: 'GET', path: '/v1/batches/{id}', handler: 'batches-get', auth: true },
  { method: 'DELETE', path: '/v1/batches/{id}', handler: 'batches-delete', auth: true },
  { method: 'POST', path: '/v1/webhooks', handler: 'webhooks-create', auth: true, webhookSecrets: true },
  { method: 'GET', path: '/v1/webhooks', handler: 'webhooks-list', auth: true },
  { method: 'DELETE', path: '/v1/webhooks/{id}', handler: 'webhooks-delete', auth: true },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/rotate-secret',
    handler: 'webhooks-rotate',
    auth: true,
    webhookSecrets: true,
  },
  { method: 'GET', path: '/v1/webhooks/{id}/deliveries', handler: 'webhooks-deliveries', auth: true },
  { method: 'POST', path: '/v1/events/tickets', handler: 'events-tickets-create', auth: true },
];
