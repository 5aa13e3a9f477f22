import type { HttpEvent } from './http.ts';

/**
 * The public address of a WebSocket path: the configured one in AWS (its own domain, behind its load balancer);
 * locally the host the client called, since the local stack serves the sockets on the API's port.
 */
export function socketUrl(event: HttpEvent, configured: string | undefined, path: string): string {
  if (configured) return configured;
  const host = event.headers?.host ?? event.requestContext.domainName;
  const secure = event.headers?.['x-forwarded-proto'] === 'https';
  return `${secure ? 'wss' : 'ws'}://${host}${path}`;
}
