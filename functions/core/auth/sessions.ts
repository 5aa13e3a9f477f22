import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { NewRefreshToken, RefreshTokenStore } from '../../ports/refresh-tokens.ts';
import { UnauthorizedError } from './errors.ts';
import { issueToken, type TokenConfig } from './tokens.ts';

/**
 * Browser sessions: a short-lived access token (JWT, kept in the page's memory) and a refresh token (256 random
 * bits, sent only as an HttpOnly cookie) that buys the next access token. Refresh tokens rotate on every use and are
 * stored as SHA-256 hashes (they are random, so a slow hash adds nothing). A login starts a family; presenting a
 * token that was already used or revoked means it leaked or was replayed, so the whole family is revoked and both
 * the thief and the user must log in again. Logging out revokes the family.
 */
export interface SessionConfig {
  /** Lifetime of one refresh token: a session unused this long ends. */
  refreshTtlSeconds: number;
  /** Absolute lifetime of a family: after this the user logs in again, however active. */
  familyTtlSeconds: number;
}

export interface SessionDeps {
  refreshTokens: RefreshTokenStore;
  tokens: TokenConfig;
  sessions: SessionConfig;
}

export interface Session {
  body: { access_token: string; token_type: 'Bearer'; expires_in: number };
  refreshToken: string;
  /** Seconds until the refresh token expires (the cookie's Max-Age). */
  refreshMaxAge: number;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest();

function mint(
  userId: string,
  familyId: string,
  familyExpiresAt: Date,
  config: SessionConfig,
): { raw: string; row: NewRefreshToken } {
  const raw = randomBytes(32).toString('base64url');
  const expiresAt = new Date(
    Math.min(Date.now() + config.refreshTtlSeconds * 1000, familyExpiresAt.getTime()),
  );
  return {
    raw,
    row: { id: randomUUID(), familyId, userId, tokenHash: hash(raw), expiresAt, familyExpiresAt },
  };
}

function session(deps: SessionDeps, userId: string, raw: string, expiresAt: Date): Session {
  const { token, expiresIn } = issueToken(userId, deps.tokens);
  return {
    body: { access_token: token, token_type: 'Bearer', expires_in: expiresIn },
    refreshToken: raw,
    refreshMaxAge: Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  };
}

/** Starts a new family for a user who has just proved who they are. */
export async function openSession(deps: SessionDeps, userId: string): Promise<Session> {
  await deps.refreshTokens.deleteExpired(userId);
  const familyExpiresAt = new Date(Date.now() + deps.sessions.familyTtlSeconds * 1000);
  const { raw, row } = mint(userId, randomUUID(), familyExpiresAt, deps.sessions);
  await deps.refreshTokens.insert(row);
  return session(deps, userId, raw, row.expiresAt);
}

/** Exchanges a refresh token for a new access token and a new refresh token; the old one is spent. */
export async function refreshSession(deps: SessionDeps, presented: string | undefined): Promise<Session> {
  if (!presented || !TOKEN_SHAPE.test(presented)) throw new UnauthorizedError('no valid session');
  const record = await deps.refreshTokens.findByHash(hash(presented));
  if (!record) throw new UnauthorizedError('no valid session');
  if (record.usedAt || record.revokedAt) {
    await deps.refreshTokens.revokeFamily(record.familyId);
    throw new UnauthorizedError('this session was ended because its refresh token was used twice');
  }
  const now = Date.now();
  if (record.expiresAt.getTime() <= now || record.familyExpiresAt.getTime() <= now)
    throw new UnauthorizedError('the session has expired');
  const next = mint(record.userId, record.familyId, record.familyExpiresAt, deps.sessions);
  if (!(await deps.refreshTokens.rotate(record.id, next.row))) {
    // Another request spent or revoked it between the read and the rotation: the same reuse as above.
    await deps.refreshTokens.revokeFamily(record.familyId);
    throw new UnauthorizedError('this session was ended because its refresh token was used twice');
  }
  return session(deps, record.userId, next.raw, next.row.expiresAt);
}

/** Logs out: revokes the family of the presented token. Unknown or missing tokens are ignored (idempotent). */
export async function closeSession(deps: SessionDeps, presented: string | undefined): Promise<void> {
  if (!presented || !TOKEN_SHAPE.test(presented)) return;
  const record = await deps.refreshTokens.findByHash(hash(presented));
  if (record) await deps.refreshTokens.revokeFamily(record.familyId);
}
