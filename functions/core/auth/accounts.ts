import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import type { UserRepository } from '../../ports/users.ts';
import { InvalidCredentialsError } from './errors.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import type { LoginThrottle } from './login-limits.ts';
import { openSession, type Session, type SessionDeps } from './sessions.ts';

export const credentialsSchema = z
  .object({
    email: z.string().trim().max(254).email('must be a valid email address'),
    password: z.string().min(10, 'must be at least 10 characters').max(256, 'must be at most 256 characters'),
  })
  .strict();

export type Credentials = z.infer<typeof credentialsSchema>;

export function parseCredentials(body: unknown): Credentials {
  const parsed = credentialsSchema.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError('invalid credentials payload', {
      details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  return { email: parsed.data.email.toLowerCase(), password: parsed.data.password };
}

export async function register(users: UserRepository, credentials: Credentials) {
  const user = await users.create({
    id: randomUUID(),
    email: credentials.email,
    passwordHash: await hashPassword(credentials.password),
  });
  return { id: user.id, email: user.email, created_at: user.createdAt.toISOString() };
}

/**
 * Checks the credentials (throttled) and opens a session: an access token for the response body and a refresh
 * token for the HttpOnly cookie (sessions.ts).
 */
export async function login(
  deps: { users: UserRepository; throttle: LoginThrottle } & SessionDeps,
  credentials: Credentials,
  sourceIp: string,
): Promise<Session> {
  await deps.throttle.before(credentials.email, sourceIp);
  const user = await deps.users.findByEmail(credentials.email);
  // Always run one scrypt verification so response time does not reveal whether the account exists.
  const ok = await verifyPassword(credentials.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok) {
    await deps.throttle.failed(credentials.email);
    throw new InvalidCredentialsError('email or password is incorrect');
  }
  await deps.throttle.succeeded(credentials.email);
  return openSession(deps, user.id);
}
