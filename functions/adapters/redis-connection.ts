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

export type RedisClient = ReturnType<typeof createClient>;

const CONNECT_TIMEOUT_MS = 3000;

export class RedisConnection {
  readonly client: RedisClient;
  private readonly firstReady: Promise<void>;

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
    // Connection errors surface on the commands that fail; the client reconnects by itself.
    this.client.on('error', () => undefined);
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
