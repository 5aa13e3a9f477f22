import type pg from 'pg';
import { EmailTakenError } from '../../core/auth/errors.ts';
import type { UserRecord, UserRepository } from '../../ports/users.ts';

const toUser = (r: Record<string, unknown>): UserRecord => ({
  id: r.id as string,
  email: r.email as string,
  passwordHash: r.password_hash as string,
  createdAt: r.created_at as Date,
});

export class PostgresUserRepository implements UserRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(user: { id: string; email: string; passwordHash: string }): Promise<UserRecord> {
    try {
      const { rows } = await this.pool.query(
        'INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3) RETURNING *',
        [user.id, user.email, user.passwordHash],
      );
      return toUser(rows[0]);
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new EmailTakenError('this email address is already registered');
      throw error;
    }
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM users WHERE lower(email) = lower($1)', [email]);
    return rows[0] ? toUser(rows[0]) : undefined;
  }
}
