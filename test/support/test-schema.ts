/**
 * A Postgres schema of its own inside this test run's database, so test files' migrations and rows do not
 * interfere: a pool whose search_path is that schema, and a drop that removes it with everything in it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPool } from '../../functions/adapters/postgres/pool.ts';

export interface TestSchema {
  name: string;
  /** The run's database URL with this schema as search_path. */
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export async function createTestSchema(
  databaseUrl: string,
  prefix: string,
  max: number,
): Promise<TestSchema> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  const pool = createPool({ url: url.toString(), max, ssl: 'disable' });
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      await pool.query(`DROP SCHEMA ${name} CASCADE`);
      await pool.end();
    },
  };
}
