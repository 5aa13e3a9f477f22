/** The Postgres adapters against the real server on 127.0.0.1 (this run's database). */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../functions/adapters/postgres/migrations.ts';
import { MIGRATIONS } from '../../functions/adapters/postgres/schema.ts';
import { PostgresJobRepository } from '../../functions/adapters/postgres/job-repository.ts';
import { PostgresUserRepository } from '../../functions/adapters/postgres/user-repository.ts';
import { EmailTakenError } from '../../functions/core/auth/errors.ts';
import { createUserWithJob } from '../support/test-jobs.ts';
import { createTestSchema, type TestSchema } from '../support/test-schema.ts';

let pool: pg.Pool;
let jobs: PostgresJobRepository;
let users: PostgresUserRepository;
let schema: TestSchema;

beforeAll(async () => {
  // A schema of its own inside this run's database, so other test files' migrations do not interfere.
  schema = await createTestSchema(inject('databaseUrl'), 'repo', 12);
  pool = schema.pool;
  jobs = new PostgresJobRepository(pool);
  users = new PostgresUserRepository(pool);
});

afterAll(async () => {
  await schema.drop();
});

const newJob = async () => (await createUserWithJob(pool)).job;

describe('migrations', () => {
  it('apply once, are idempotent, and refuse an edited migration', async () => {
    expect(await migrate(pool)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(pool)).toEqual([]);
    const edited = MIGRATIONS.map((m) => ({ ...m, sql: `${m.sql}\n-- edited` }));
    await expect(migrate(pool, edited)).rejects.toThrow(/changed after it was applied/);
  });
});

describe('users', () => {
  it('treats emails case-insensitively as unique', async () => {
    await users.create({ id: randomUUID(), email: 'Case@Example.com', passwordHash: 'x' });
    await expect(
      users.create({ id: randomUUID(), email: 'case@example.COM', passwordHash: 'y' }),
    ).rejects.toBeInstanceOf(EmailTakenError);
    expect((await users.findByEmail('CASE@example.com'))?.email).toBe('Case@Example.com');
  });
});

describe('jobs', () => {
  it('lets exactly one of many concurrent claims win', async () => {
    const job = await newJob();
    const claims = await Promise.all(Array.from({ length: 10 }, () => jobs.claim(job.id, 30, 3)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await jobs.find(job.id))!.attempts).toBe(1);
  });

  it('reclaims an expired lease, and stops at the attempt limit', async () => {
    const job = await newJob();
    expect(await jobs.claim(job.id, 0.05, 2)).toBeDefined();
    expect(await jobs.claim(job.id, 30, 2)).toBeUndefined(); // lease still live
    await new Promise((r) => setTimeout(r, 100));
    expect((await jobs.claim(job.id, 0.05, 2))!.attempts).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(await jobs.claim(job.id, 30, 2)).toBeUndefined(); // attempts exhausted
  });

  it('records failure with its code, and release puts a job back in the queue', async () => {
    const a = await newJob();
    await jobs.claim(a.id, 30, 3);
    await jobs.release(a.id);
    expect((await jobs.find(a.id))!.status).toBe('queued');
    await jobs.claim(a.id, 30, 3);
    const failed = await jobs.fail(a.id, 'corrupt_audio', 'truncated', 42);
    expect(failed).toMatchObject({
      status: 'failed',
      errorCode: 'corrupt_audio',
      errorMessage: 'truncated',
      storedBytes: 42,
    });
  });

  it('pages history by (created_at, id) and filters by status', async () => {
    const first = await newJob();
    const userId = first.userId;
    const more = [];
    for (let i = 0; i < 4; i++) {
      const id = randomUUID();
      more.push(
        await jobs.create({
          id,
          userId,
          filename: `${i}.wav`,
          contentType: 'audio/wav',
          declaredBytes: 1,
          objectKey: `uploads/${userId}/${id}/x.wav`,
        }),
      );
    }
    const all = [first, ...more].reverse().map((j) => j.id);
    const page1 = await jobs.listForUser(userId, { limit: 3 });
    const last = page1[page1.length - 1]!;
    const page2 = await jobs.listForUser(userId, {
      limit: 3,
      before: { createdAt: last.createdAt, id: last.id },
    });
    expect([...page1, ...page2].map((j) => j.id)).toEqual(all);
    await jobs.markQueued(first.id, 1);
    expect((await jobs.listForUser(userId, { limit: 10, status: 'queued' })).map((j) => j.id)).toEqual([
      first.id,
    ]);
  });

  it('deletes only the owner’s job, with its audio-file row', async () => {
    const job = await newJob();
    expect(await jobs.deleteForUser(randomUUID(), job.id)).toBeUndefined();
    expect((await jobs.deleteForUser(job.userId, job.id))?.id).toBe(job.id);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM audio_files WHERE object_key = $1', [
      job.objectKey,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('records a finished stream once, however often the write is retried', async () => {
    const user = await users.create({
      id: randomUUID(),
      email: `${randomUUID()}@example.com`,
      passwordHash: 'x',
    });
    const stream = {
      id: randomUUID(),
      userId: user.id,
      name: 'live stream',
      objectKey: `streams/${user.id}/x.wav`,
      bytes: 32000,
      startedAt: new Date(),
      outcome: { code: 'too_short', message: 'the stream lasted 0.5 s' },
    };
    const first = await jobs.recordStream(stream);
    const again = await jobs.recordStream(stream);
    expect(again).toMatchObject({ id: first.id, status: 'failed', errorCode: 'too_short' });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM detection_jobs WHERE user_id = $1', [
      user.id,
    ]);
    expect(rows[0].n).toBe(1);
  });
});
