/** Rows for integration tests: a new user (unique e-mail) owning one pending job, through the real repositories. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { PostgresJobRepository } from '../../functions/adapters/postgres/job-repository.ts';
import { PostgresUserRepository } from '../../functions/adapters/postgres/user-repository.ts';

export async function createUserWithJob(pool: pg.Pool) {
  const user = await new PostgresUserRepository(pool).create({
    id: randomUUID(),
    email: `${randomUUID()}@example.com`,
    passwordHash: 'x',
  });
  const id = randomUUID();
  const job = await new PostgresJobRepository(pool).create({
    id,
    userId: user.id,
    filename: 'a.wav',
    contentType: 'audio/wav',
    declaredBytes: 100,
    objectKey: `uploads/${user.id}/${id}/a.wav`,
  });
  return { user, job };
}
