import { login, parseCredentials } from '../../core/auth/accounts.ts';
import { json } from '../http.ts';
import { publicRoute } from '../handler.ts';

/** POST /v1/auth/login {email, password} → 200 {access_token, token_type, expires_in}; 429 when throttled. */
export const handler = publicRoute(
  async (event, deps) =>
    json(200, await login(deps, parseCredentials(event.body), event.requestContext.http.sourceIp)),
  { jsonBody: true },
);
