import { createSecretKey, type KeyObject } from 'node:crypto';
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

const keys = new Map<string, KeyObject>();
/**
 * jsonwebtoken turns a string secret into a key on every call, first trying (and failing) to parse it as a public
 * key: ~2 ms of CPU per request. A KeyObject made once per secret skips that.
 */
function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}

export function issueToken(userId: string, config: TokenConfig): { token: string; expiresIn: number } {
  const token = jwt.sign({}, keyFor(config.secret), {
    algorithm: 'HS256',
    subject: userId,
    expiresIn: config.ttlSeconds,
    issuer: config.issuer,
    audience: config.audience,
  });
  return { token, expiresIn: config.ttlSeconds };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Tokens already verified, until they expire: a polling client sends the same token every second or two, and a
 * signature check per poll is most of the CPU a poll costs. A token is immutable, so the cached verdict holds
 * until its `exp`; the map is bounded and simply cleared when full.
 */
const verified = new Map<string, { sub: string; exp: number; key: string }>();
const MAX_VERIFIED = 10_000;

/** Returns the user id of a valid `Bearer` token; throws UnauthorizedError otherwise. */
export function verifyAuthorization(header: string | undefined, config: TokenConfig): string {
  const match = header?.match(/^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/);
  if (!match) throw new UnauthorizedError('a Bearer token is required');
  const token = match[1]!;
  const hit = verified.get(token);
  if (hit && hit.key === config.secret && hit.exp * 1000 > Date.now()) return hit.sub;
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, keyFor(config.secret), {
      algorithms: ['HS256'],
      issuer: config.issuer,
      audience: config.audience,
    });
  } catch (cause) {
    const reason = cause instanceof jwt.TokenExpiredError ? 'the token has expired' : 'the token is invalid';
    throw new UnauthorizedError(reason, { cause });
  }
  const sub = typeof payload === 'object' ? payload.sub : undefined;
  const exp = typeof payload === 'object' ? payload.exp : undefined;
  if (!sub || !UUID.test(sub) || !exp) throw new UnauthorizedError('the token is invalid');
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.set(token, { sub, exp, key: config.secret });
  return sub;
}
