/**
 * Applies the Postgres schema migrations. Runs as a CDK Trigger on deploy (infra/lib/stack.ts), after the database
 * and RDS Proxy exist and before the API and detector code that needs the new schema goes live. Throwing fails the
 * trigger, which fails (and rolls back) the deployment. Safe to run concurrently or repeatedly: `migrate` holds an
 * advisory lock and skips applied versions.
 */
import { migrate } from '../adapters/postgres/migrations.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { loadConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';

const log = getLogger('migrate');

export async function handler(): Promise<{ applied: number[] }> {
  await resolveSecrets();
  const config = loadConfig(['database']);
  const pool = createPool({ url: config.DATABASE_URL, max: 1, ssl: config.DATABASE_SSL });
  try {
    const applied = await migrate(pool);
    log.info('schema migrations applied', { applied, count: applied.length });
    return { applied };
  } catch (error) {
    log.error('schema migration failed', { error: (error as Error).message });
    throw error;
  } finally {
    await pool.end();
  }
}
