/**
 * What bench:cold-start's authenticated route reads: a Postgres schema of its own (migrated, one user and one
 * queued job), a Redis key prefix of its own, and a valid access token. `reset()` empties the prefix, so that every
 * cold start misses the cache and reads Postgres, as the first poll of a job does; `drop()` removes the schema and
 * the keys, and nothing else (the Postgres and Redis are shared).
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { migrate } from '../functions/adapters/postgres/migrations.ts';
import { PostgresJobRepository } from '../functions/adapters/postgres/job-repository.ts';
import { PostgresUserRepository } from '../functions/adapters/postgres/user-repository.ts';
import { issueToken } from '../functions/core/auth/tokens.ts';
import { uploadKey } from '../functions/core/jobs/object-key.ts';
import { createTestSchema } from '../test/support/test-schema.ts';

export interface ColdStartFixture {
  env: Record<string, string>;
  /** GET /v1/jobs/{id} of the job, with the owner's token. */
  event: {
    rawPath: string;
    routeKey: string;
    headers: Record<string, string>;
    pathParameters: { id: string };
  };
  reset(): Promise<void>;
  drop(): Promise<void>;
}

export async function coldStartFixture(options: {
  databaseUrl: string;
  redisUrl: string;
  jwtSecret: string;
}): Promise<ColdStartFixture> {
  const schema = await createTestSchema(options.databaseUrl, 'coldstart', 2);
  const prefix = `rt:coldstart:${randomUUID().slice(0, 8)}:`;
  const redis = createClient({ url: options.redisUrl });
  const reset = async () => {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 }))
      if (keys.length) await redis.del(keys);
  };
  try {
    await redis.connect();
    await migrate(schema.pool);
    const userId = randomUUID();
    const jobId = randomUUID();
    await new PostgresUserRepository(schema.pool).create({
      id: userId,
      email: `${userId}@bench.invalid`,
      passwordHash: 'unused',
    });
    const jobs = new PostgresJobRepository(schema.pool);
    await jobs.create({
      id: jobId,
      userId,
      filename: 'bench.wav',
      contentType: 'audio/wav',
      declaredBytes: 1024,
      objectKey: uploadKey(userId, jobId, 'bench.wav'),
    });
    // Queued: the poll answers from Postgres without asking S3 whether the upload arrived.
    await jobs.markQueued(jobId, 1024);
    const { token } = issueToken(userId, {
      secret: options.jwtSecret,
      ttlSeconds: 3600,
      issuer: 'realtone',
      audience: 'realtone-api',
    });
    return {
      env: { DATABASE_URL: schema.url, REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: prefix },
      event: {
        rawPath: `/v1/jobs/${jobId}`,
        routeKey: 'GET /v1/jobs/{id}',
        headers: { authorization: `Bearer ${token}` },
        pathParameters: { id: jobId },
      },
      reset,
      async drop() {
        await schema.drop();
        await reset().finally(() => redis.destroy());
      },
    };
  } catch (error) {
    await schema.drop();
    redis.destroy();
    throw error;
  }
}
