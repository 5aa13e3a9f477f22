import { parseCredentials, register } from '../../core/auth/accounts.ts';
import { json } from '../http.ts';
import { publicRoute } from '../handler.ts';
import { userRepository } from '../deps/postgres.ts';

/** POST /v1/auth/register {email, password} → 201 {id, email, created_at} */
export const handler = publicRoute(
  userRepository,
  async (event, users) => json(201, await register(users, parseCredentials(event.body))),
  { jsonBody: true },
);
