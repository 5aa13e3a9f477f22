/**
 * Local Postgres: DATABASE_URL when set (a real server), otherwise embedded PGlite persisted under .local/pglite
 * and served on 127.0.0.1 over the Postgres wire protocol, so the very same `pg` code talks to it.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface LocalDatabase {
  url: string;
  embedded: boolean;
  /** Pool size that suits the server (PGlite multiplexes one session). */
  poolMax: number;
  stop: () => Promise<void>;
}

export async function startDatabase(options: {
  url?: string;
  dataDir: string;
  port: number;
}): Promise<LocalDatabase> {
  if (options.url) return { url: options.url, embedded: false, poolMax: 5, stop: async () => undefined };
  await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port, maxConnections: 8 });
  await server.start();
  const port =
    (server as unknown as { server?: { address(): { port: number } } }).server?.address().port ??
    options.port;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    embedded: true,
    poolMax: 4,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
