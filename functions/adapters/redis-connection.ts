/**
 * One Redis (ElastiCache) connection per process, shared by the status cache and the rate limiter, with node-redis
 * (the `redis` package). Chosen over ioredis by measurement: a GET cost ~4 µs of CPU against ~14 µs (50 concurrent
 * callers, measured ad hoc when switching; docs/api.md), and the warm poll is one GET (`npm run bench:api`).
 *
 * Failure behaviour: the first connection is waited for (up to CONNECT_TIMEOUT_MS), so a cold start does not fail
 * its first commands; after that, while the client reconnects, commands fail at once (no offline queue) instead of
 * hanging a request. Callers treat the cache as optional and fall back to Postgres.
 */
import { createClient } from 'redis';
import { getLogger } from '../shared/logger.ts';

export type RedisClient = ReturnType<typeof createClient>;

const CONNECT_TIMEOUT_MS = 3000;
const log = getLogger('redis');

export class RedisConnection {
  private readonly client: RedisClient;
  private readonly firstReady: Promise<void>;
  /** Set from the first error of an outage until the next `ready`: one warning per outage, not one per retry. */
  private down = false;

  constructor(url: string) {
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        // Back off to at most 2 s between attempts, and never give up: a long-running process (the worker, the
        // local stack) must recover by itself when Redis comes back.
        reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000),
      },
    });
    // The client reconnects by itself and commands fail meanwhile; say so once per outage. (Messages name the host
    // and the cause, never the password.)
    this.client.on('error', (error: Error & { code?: string }) => {
      if (this.down) return;
      this.down = true;
      log.warn('redis unavailable: the cache is skipped and polls read Postgres until it is back', {
        code: 'cache_unavailable',
        error: error.code ?? error.message,
      });
    });
    this.client.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      log.info('redis reachable again');
    });
    this.firstReady = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CONNECT_TIMEOUT_MS);
      timer.unref();
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.client.connect().catch(() => undefined);
  }

  /** Runs one command (or transaction): at once when connected, else after the first connection attempt. */
  run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.client.isReady ? command(this.client) : this.firstReady.then(() => command(this.client));
  }

  async close(): Promise<void> {
    if (!this.client.isOpen) return;
    await this.client.close().catch(() => this.client.destroy());
  }
}
