import { login, parseCredentials } from '../../core/auth/accounts.ts';
import { json } from '../http.ts';
import { publicRoute } from '../handler.ts';
import { refreshCookie } from '../session-cookie.ts';
import { loginThrottle, sessionDeps } from '../deps/auth.ts';
import { userRepository } from '../deps/postgres.ts';

/**
 * POST /v1/auth/login {email, password} → 200 {access_token, token_type, expires_in} and the refresh token as an
 * HttpOnly cookie; 429 when throttled.
 */
export const handler = publicRoute(
  (c) => ({ users: userRepository(c), throttle: loginThrottle(c), ...sessionDeps(c) }),
  async (event, deps) => {
    const session = await login(deps, parseCredentials(event.body), event.requestContext.http.sourceIp);
    return {
      ...json(200, session.body),
      cookies: [refreshCookie(session.refreshToken, session.refreshMaxAge)],
    };
  },
  { jsonBody: true },
);
