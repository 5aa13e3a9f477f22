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
}

export const ROUTES: readonly RouteDef[] = [
  { method: 'GET', path: '/v1/health', handler: 'health' },
  { method: 'POST', path: '/v1/auth/register', handler: 'auth-register' },
  { method: 'POST', path: '/v1/auth/login', handler: 'auth-login' },
  { method: 'POST', path: '/v1/uploads', handler: 'uploads-create' },
  { method: 'GET', path: '/v1/jobs/{id}', handler: 'jobs-get' },
];
