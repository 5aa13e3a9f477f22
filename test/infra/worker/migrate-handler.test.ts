/**
 * The CDK trigger's migration handler against this run's real Postgres: it applies every migration, is idempotent,
 * and fails loudly (which fails the deployment) when the database cannot be reached.
 */
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS } from '../../../functions/adapters/postgres/schema.ts';
import { handler } from '../../../functions/worker/migrate-handler.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const key of ['DATABASE_URL', 'DATABASE_SSL']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('migrate handler (CDK trigger)', () => {
  it('brings the schema to the latest version and is a no-op the second time', async () => {
    process.env.DATABASE_URL = inject('databaseUrl');
    process.env.DATABASE_SSL = 'disable';
    await handler();
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY 1',
    );
    await client.end();
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect(await handler()).toEqual({ applied: [] });
  });

  it('throws when the database is unreachable', async () => {
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';
    process.env.DATABASE_SSL = 'disable';
    await expect(handler()).rejects.toThrow();
  });
});
