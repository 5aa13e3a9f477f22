import pg from 'pg';

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
  return pool;
}
