import pg from 'pg';
import type { ConfigOf } from '../../shared/config.ts';
import { RealToneError } from '../../shared/errors.ts';

/** Postgres cannot be reached (down, restarting, out of connections): the API answers 503, the worker retries. */
export class DatabaseUnavailableError extends RealToneError {
  readonly code = 'database_unavailable';
  readonly retryAfterSeconds = 5;
}

/**
 * The database's disk is full (SQLSTATE 53100, disk_full: PostgreSQL and the embedded PGlite raise it when a file
 * cannot grow). Nothing was written; reads still work, and writes succeed again once space is freed. The API
 * answers 507 with a message that says so (it reveals nothing about the system), the worker retries.
 */
export class StorageFullError extends RealToneError {
  readonly code = 'storage_full';
  readonly retryAfterSeconds = 30;
  override get expose(): boolean {
    return true;
  }
}

/** SQLSTATE classes of a server that is going away or cannot take the session (08: connection, 57P0x: shutdown). */
const UNAVAILABLE_STATES = /^(08|57P0[123]|53300)/;

/**
 * A SQL error (a DatabaseError with a SQLSTATE) is the query's own problem and stays as it is, except a full disk
 * and the states above; anything else pg raises (refused or reset connections, "connection terminated", connect
 * timeouts) means the server could not be reached.
 */
export function asUnavailable(error: unknown): unknown {
  if (error instanceof RealToneError) return error;
  if (error instanceof pg.DatabaseError && error.code === '53100')
    return new StorageFullError('the database has no disk space left; try again once space is freed', {
      cause: error,
    });
  if (error instanceof pg.DatabaseError && !UNAVAILABLE_STATES.test(error.code ?? '')) return error;
  return new DatabaseUnavailableError('the database cannot be reached', { cause: error });
}

/**
 * One pg pool per process. bigint and numeric come back as numbers (sizes stay far below 2^53). SSL is required in
 * AWS (RDS Proxy) and off for the local servers.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(options: { url: string; max: number; ssl: 'disable' | 'require' }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    ssl: options.ssl === 'require' ? { rejectUnauthorized: true } : undefined,
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Every repository query goes through pool.query: an unreachable server becomes one typed error here.
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  pool.query = ((...args: unknown[]) =>
    query(...args).catch((error: unknown) => {
      throw asUnavailable(error);
    })) as typeof pool.query;
  return pool;
}

export function poolFromConfig(c: ConfigOf<'database'>): pg.Pool {
  return createPool({ url: c.DATABASE_URL, max: c.DATABASE_POOL_MAX, ssl: c.DATABASE_SSL });
}
