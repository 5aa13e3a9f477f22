/**
 * Versioned schema migrations, applied in order, each in its own transaction, under an advisory lock so that
 * concurrent starters (several Lambdas, worker tasks) never race. SQL lives in TypeScript modules so it bundles into
 * Lambda and the worker image with no file-system lookups. Never edit an applied migration: add a new one.
 */
import type pg from 'pg';
import { createHash } from 'node:crypto';
import { MIGRATIONS } from './schema.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const LOCK_KEY = 0x5265616c; // "Real"

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex').slice(0, 16);

/** Applies pending migrations; returns the versions applied now. Refuses to run if an applied one was edited. */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      const sum = checksum(m.sql);
      const previous = applied.get(m.version);
      if (previous !== undefined) {
        if (previous !== sum)
          throw new Error(`migration ${m.version} (${m.name}) changed after it was applied`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          sum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
