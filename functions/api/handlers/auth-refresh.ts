import { UnauthorizedError } from '../../core/auth/errors.ts';
import { refreshSession } from '../../core/auth/sessions.ts';
import { json, problem } from '../http.ts';
import { publicRoute } from '../handler.ts';
import { clearedRefreshCookie, readRefreshCookie, refreshCookie } from '../session-cookie.ts';
import { sessionDeps } from '../deps/auth.ts';

/**
 * POST /v1/auth/refresh (refresh cookie) → 200 a new access token and a new refresh cookie; the presented token is
 * spent. 401 clears the cookie: no session, an expired one, or a reused token (which also revokes its family).
 */
export const handler = publicRoute(sessionDeps, async (event, deps) => {
  try {
    const session = await refreshSession(deps, readRefreshCookie(event));
    return {
      ...json(200, session.body),
      cookies: [refreshCookie(session.refreshToken, session.refreshMaxAge)],
    };
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    return { ...problem(error, event), cookies: [clearedRefreshCookie()] };
  }
});
