/**
 * Each test run gets its own Postgres database and Redis key prefix on the servers at 127.0.0.1, and removes them
 * when it ends: CI runs against the same servers a developer session left behind, so no test may depend on their
 * state. Tests read the values with `inject('databaseUrl')` and `inject('redisUrl')`, `inject('redisPrefix')`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import type { TestProject } from 'vitest/node';

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string;
    redisUrl: string;
    redisPrefix: string;
  }
}

export default async function setup(project: TestProject) {
  const id = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const database = `rt_test_${id}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect().catch((error) => {
    throw new Error(`tests need PostgreSQL at ${ADMIN_URL}: ${(error as Error).message}`);
  });
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const redisPrefix = `rt:test:${id}:`;
  const redis = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 3000 } });
  redis.on('error', () => undefined);
  await redis.connect().catch((error: Error) => {
    throw new Error(`tests need Redis at ${REDIS_URL}: ${error.message}`);
  });
  await redis.close();

  project.provide('databaseUrl', url.toString());
  project.provide('adminDatabaseUrl', ADMIN_URL);
  project.provide('redisUrl', REDIS_URL);
  project.provide('redisPrefix', redisPrefix);

  return async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.end();
    const r = await createClient({ url: REDIS_URL }).connect();
    let cursor = '0';
    do {
      const { cursor: next, keys } = await r.scan(cursor, { MATCH: `${redisPrefix}*`, COUNT: 500 });
      cursor = next;
      if (keys.length) await r.del(keys);
    } while (cursor !== '0');
    await r.close();
  };
}
