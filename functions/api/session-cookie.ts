import type { HttpEvent } from './http.ts';

/**
 * The refresh token travels only in this cookie: HttpOnly (page scripts never see it), Secure (browsers treat
 * http://127.0.0.1 and localhost as secure contexts, so the local stack works too), SameSite=Strict (never sent on a
 * request another site starts) and scoped to the one path that reads it, so no other request carries it.
 */
export const REFRESH_COOKIE = 'rt_refresh';
export const REFRESH_PATH = '/v1/auth/refresh';
const ATTRIBUTES = `Path=${REFRESH_PATH}; HttpOnly; Secure; SameSite=Strict`;

export const refreshCookie = (token: string, maxAgeSeconds: number) =>
  `${REFRESH_COOKIE}=${token}; Max-Age=${maxAgeSeconds}; ${ATTRIBUTES}`;

export const clearedRefreshCookie = () => `${REFRESH_COOKIE}=; Max-Age=0; ${ATTRIBUTES}`;

/** The refresh token from the request's cookies (payload 2.0 puts them in `event.cookies`), if any. */
export function readRefreshCookie(event: HttpEvent): string | undefined {
  const prefix = `${REFRESH_COOKIE}=`;
  for (const cookie of event.cookies ?? []) {
    for (const part of cookie.split(';')) {
      const trimmed = part.trim();
      if (trimmed.startsWith(prefix)) return trimmed.slice(prefix.length) || undefined;
    }
  }
  return undefined;
}
