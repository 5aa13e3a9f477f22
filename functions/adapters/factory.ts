/**
 * Builds the key-value adapters from typed configuration. The local stack and AWS differ only in endpoints and in
 * the cache driver; the code paths are the same. The other adapters' factories sit in their own modules
 * (poolFromConfig in postgres/pool.ts, objectStoreFromConfig in s3-object-store.ts, messageSourceFromConfig in
 * sqs-message-source.ts), so a Lambda bundle that needs only the cache does not load pg or the AWS SDK.
 */
import { CatchUpStatusCache } from './catch-up-cache.ts';
import type { ConfigOf } from '../shared/config.ts';
import type { StatusCache } from '../ports/cache.ts';
import type { RateLimiter } from '../ports/rate-limit.ts';
import type { TicketStore } from '../ports/tickets.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import { MemoryStatusCache } from './memory-status-cache.ts';
import { MemoryTicketStore } from './memory-ticket-store.ts';
import { RedisConnection } from './redis-connection.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';
import { RedisStatusCache } from './redis-status-cache.ts';
import { RedisTicketStore } from './redis-ticket-store.ts';

let memory: { cache: MemoryStatusCache; limiter: MemoryRateLimiter; tickets: MemoryTicketStore } | undefined;

/**
 * Cache, rate limiter and WebSocket tickets share one Redis connection (or, locally, one in-process store for the
 * whole process, so the API that issues a ticket and the stream server that takes it see the same one).
 */
export function keyValueFromConfig(c: ConfigOf<'cache'>): {
  cache: StatusCache;
  limiter: RateLimiter;
  tickets: TicketStore;
  close: () => Promise<void>;
} {
  if (c.CACHE_DRIVER === 'memory') {
    memory ??= {
      cache: new MemoryStatusCache(),
      limiter: new MemoryRateLimiter(),
      tickets: new MemoryTicketStore(),
    };
    return { ...memory, close: async () => undefined };
  }
  const redis = new RedisConnection(c.REDIS_URL!);
  return {
    cache: new CatchUpStatusCache(new RedisStatusCache(redis, c.REDIS_KEY_PREFIX)),
    limiter: new RedisRateLimiter(redis, c.REDIS_KEY_PREFIX),
    tickets: new RedisTicketStore(redis, c.REDIS_KEY_PREFIX),
    close: () => redis.close(),
  };
}
