import { createClient } from 'redis';
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
    async (_stack, email) => {
      // After a SIGTERM drain none of this scenario's jobs may be left in `processing`. (Only its own user's: other
      // test files share this run's database, and the drain test has a job in flight on purpose.)
      const client = new pg.Client({ connectionString: inject('databaseUrl') });
      await client.connect();
      const count = async (status: string) =>
        (
          await client.query(
            `SELECT count(*)::int AS n FROM detection_jobs j JOIN users u ON u.id = j.user_id
             WHERE lower(u.email) = lower($1) AND j.status = $2`,
            [email, status],
          )
        ).rows;
      const rows = await count('processing');
      const done = await count('completed');
      await client.end();
      expect(rows[0].n).toBe(0);
      expect(done[0].n).toBeGreaterThanOrEqual(4);
      // Finished jobs were written through to Redis under this run's prefix, with a TTL.
      const redis = await createClient({ url: inject('redisUrl') }).connect();
      const keys = await redis.keys(`${inject('redisPrefix')}e2e:job:*`);
      const ttl = keys.length ? await redis.ttl(keys[0]!) : -2;
      // `{owner} {status}[+m] {view JSON}` (docs/data-model.md); `+m`: the job's result manifest exists.
      const [owner, marked, ...view] = keys.length ? (await redis.get(keys[0]!))!.split(' ') : [];
      const status = marked?.replace(/\+m$/, '');
      await redis.close();
      expect(keys.length).toBeGreaterThanOrEqual(6);
      expect(ttl).toBeGreaterThan(0);
      expect(owner).toMatch(/^[0-9a-f-]{36}$/);
      expect(['completed', 'failed']).toContain(status);
      expect(JSON.parse(view.join(' ')).status).toBe(status);
      // Finished file jobs have their manifest; the cached view leaves its URL for each read to fill in.
      expect(marked).toBe(`${status}+m`);
      expect(JSON.parse(view.join(' ')).manifest_url).toBeNull();
    },
  );
});
