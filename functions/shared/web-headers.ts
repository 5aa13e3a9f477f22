/**
 * Response headers of the web app, the same locally (functions/local/web-static.ts) and in AWS (the CloudFront
 * response headers policy in infra/lib/web.ts). The CSP allows scripts and styles from the app's own origin only
 * (no inline script anywhere: Vite emits module files), and network calls to the app's origin plus the given
 * ones: the upload bucket, which the browser POSTs to directly, and the API when it is elsewhere.
 */
export function contentSecurityPolicy(connectSources: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connectSources].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Permissions the app may use: the microphone (live mode), nothing else. */
export const PERMISSIONS_POLICY = 'camera=(), geolocation=(), payment=(), usb=(), microphone=(self)';

export function webSecurityHeaders(connectSources: readonly string[]): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(connectSources),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': PERMISSIONS_POLICY,
  };
}
