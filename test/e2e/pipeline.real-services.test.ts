import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, inject } from 'vitest';
import { pipelineScenario } from './pipeline-scenario.ts';

describe('end to end on the local stack with the real Postgres and Redis', () => {
  pipelineScenario(
    () => ({
      DATABASE_URL: inject('databaseUrl'),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `${inject('redisPrefix')}e2e:`,
    }),
    async () => {
      // After a SIGTERM drain no job may be left in `processing`.
      const client = new pg.Client({ connectionString: inject('databaseUrl') });
      await client.connect();
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM detection_jobs WHERE status = 'processing'",
      );
      const { rows: done } = await client.query(
        "SELECT count(*)::int AS n FROM detection_jobs WHERE status = 'completed'",
      );
      await client.end();
      expect(rows[0].n).toBe(0);
      expect(done[0].n).toBeGreaterThanOrEqual(4);
      // Finished jobs were written through to Redis under this run's prefix, with a TTL.
      const redis = new Redis(inject('redisUrl'));
      const keys = await redis.keys(`${inject('redisPrefix')}e2e:job:*`);
      const ttl = keys.length ? await redis.ttl(keys[0]!) : -2;
      const cached = keys.length ? JSON.parse((await redis.get(keys[0]!))!) : undefined;
      await redis.quit();
      expect(keys.length).toBeGreaterThanOrEqual(6);
      expect(ttl).toBeGreaterThan(0);
      expect(['completed', 'failed']).toContain(cached.status);
    },
  );
});
