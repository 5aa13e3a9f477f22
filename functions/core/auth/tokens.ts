import jwt from 'jsonwebtoken';
import { UnauthorizedError } from './errors.ts';

/**
 * Access tokens: HS256 JWTs with the algorithm pinned on verify (so `alg: none` and RS/HS confusion are rejected),
 * issuer, audience and expiry checked. `sub` is the user id.
 */
export interface TokenConfig {
  secret: string;
  ttlSeconds: number;
  issuer: string;
  audience: string;
}

export function issueToken(userId: string, config: TokenConfig): { token: string; expiresIn: number } {
  const token = jwt.sign({}, config.secret, {
    algorithm: 'HS256',
    subject: userId,
    expiresIn: config.ttlSeconds,
    issuer: config.issuer,
    audience: config.audience,
  });
  return { token, expiresIn: config.ttlSeconds };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Returns the user id of a valid `Bearer` token; throws UnauthorizedError otherwise. */
export function verifyAuthorization(header: string | undefined, config: TokenConfig): string {
  const match = header?.match(/^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/);
  if (!match) throw new UnauthorizedError('a Bearer token is required');
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(match[1]!, config.secret, {
      algorithms: ['HS256'],
      issuer: config.issuer,
      audience: config.audience,
    });
  } catch (cause) {
    const reason = cause instanceof jwt.TokenExpiredError ? 'the token has expired' : 'the token is invalid';
    throw new UnauthorizedError(reason, { cause });
  }
  const sub = typeof payload === 'object' ? payload.sub : undefined;
  if (!sub || !UUID.test(sub)) throw new UnauthorizedError('the token is invalid');
  return sub;
}
