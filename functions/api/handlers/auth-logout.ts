import { closeSession } from '../../core/auth/sessions.ts';
import { publicRoute } from '../handler.ts';
import { clearedRefreshCookie, readRefreshCookie } from '../session-cookie.ts';
import { sessionDeps } from '../deps/auth.ts';

/** DELETE /v1/auth/refresh (refresh cookie) → 204: logs out, revoking the session's refresh tokens; idempotent. */
export const handler = publicRoute(sessionDeps, async (event, deps) => {
  await closeSession(deps, readRefreshCookie(event));
  return { statusCode: 204, headers: { 'cache-control': 'no-store' }, cookies: [clearedRefreshCookie()] };
});
