import { parseCredentials, register } from '../../core/auth/accounts.ts';
import { json } from '../http.ts';
import { publicRoute } from '../handler.ts';

/** POST /v1/auth/register {email, password} → 201 {id, email, created_at} */
export const handler = publicRoute(
  async (event, deps) => json(201, await register(deps.users, parseCredentials(event.body))),
  { jsonBody: true },
);
