/**
 * Local DynamoDB: dynalite in memory on 127.0.0.1 (for the idempotency table). dynalite has no TTL: expired items
 * stay until the process ends, so the idempotency layer also checks expiry itself, as Powertools does.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:net';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export async function startDynamo(port: number): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
