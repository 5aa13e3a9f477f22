/**
 * An unreachable Postgres becomes one typed error (database_unavailable, 503) at the pool; a SQL error stays the
 * query's own.
 */
import net from 'node:net';
import pg from 'pg';
import { httpStatusFor } from '../../functions/shared/error-table.ts';
import { describe, expect, inject, it } from 'vitest';
import {
  asUnavailable,
  createPool,
  DatabaseUnavailableError,
  StorageFullError,
} from '../../functions/adapters/postgres/pool.ts';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('Postgres pool errors', () => {
  it('turns a refused connection into database_unavailable (503, retry after 5 s)', async () => {
    const pool = createPool({
      url: `postgres://postgres@127.0.0.1:${await closedPort()}/x`,
      max: 1,
      ssl: 'disable',
    });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    await pool.end();
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ code: 'database_unavailable', retryAfterSeconds: 5 });
    expect(httpStatusFor('database_unavailable')).toBe(503);
  });

  it('keeps SQL errors as they are', async () => {
    const pool = createPool({ url: inject('databaseUrl'), max: 1, ssl: 'disable' });
    const error = await pool.query('SELEC 1').catch((e: unknown) => e);
    await pool.end();
    expect(error).toBeInstanceOf(pg.DatabaseError);
    expect((error as pg.DatabaseError).code).toBe('42601');
  });

  it('turns a full disk (SQLSTATE 53100) into storage_full (507, retry after 30 s, a message for the caller)', () => {
    const full = Object.assign(
      new pg.DatabaseError('could not extend file "base/5/16385": No space left on device', 0, 'error'),
      {
        code: '53100',
      },
    );
    const error = asUnavailable(full);
    expect(error).toBeInstanceOf(StorageFullError);
    expect(error).toMatchObject({ code: 'storage_full', retryAfterSeconds: 30, expose: true });
    expect(httpStatusFor('storage_full')).toBe(507);
    expect((error as Error).cause).toBe(full);
  });
});
