import type pg from 'pg';
import type { NewRefreshToken, RefreshTokenRecord, RefreshTokenStore } from '../../ports/refresh-tokens.ts';

const toRecord = (r: Record<string, unknown>): RefreshTokenRecord => ({
  id: r.id as string,
  familyId: r.family_id as string,
  userId: r.user_id as string,
  expiresAt: r.expires_at as Date,
  familyExpiresAt: r.family_expires_at as Date,
  usedAt: (r.used_at as Date | null) ?? null,
  revokedAt: (r.revoked_at as Date | null) ?? null,
});

const INSERT = `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at, family_expires_at)
                VALUES ($1, $2, $3, $4, $5, $6)`;
const insertValues = (t: NewRefreshToken) => [
  t.id,
  t.familyId,
  t.userId,
  t.tokenHash,
  t.expiresAt,
  t.familyExpiresAt,
];

export class PostgresRefreshTokenRepository implements RefreshTokenStore {
  constructor(private readonly pool: pg.Pool) {}

  async insert(token: NewRefreshToken): Promise<void> {
    await this.pool.query(INSERT, insertValues(token));
  }

  async findByHash(tokenHash: Buffer): Promise<RefreshTokenRecord | undefined> {
    const { rows } = await this.pool.query(
      `SELECT id, family_id, user_id, expires_at, family_expires_at, used_at, revoked_at
         FROM refresh_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async rotate(usedId: string, successor: NewRefreshToken): Promise<boolean> {
    // One statement: the conditional UPDATE takes the row lock, so of two racing rotations exactly one sees the
    // row still unused; the INSERT runs only for that one.
    const { rowCount } = await this.pool.query(
      `WITH used AS (
         UPDATE refresh_tokens SET used_at = now()
          WHERE id = $7 AND used_at IS NULL AND revoked_at IS NULL
            AND expires_at > now() AND family_expires_at > now()
         RETURNING id)
       INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at, family_expires_at)
       SELECT $1, $2, $3, $4, $5, $6 FROM used`,
      [...insertValues(successor), usedId],
    );
    return rowCount === 1;
  }

  async revokeFamily(familyId: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId],
    );
    return rowCount ?? 0;
  }

  async deleteExpired(userId: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM refresh_tokens WHERE user_id = $1 AND family_expires_at < now()',
      [userId],
    );
    return rowCount ?? 0;
  }
}
