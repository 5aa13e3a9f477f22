/**
 * Builds adapters from typed configuration. The local stack and AWS differ only in endpoints and in the cache
 * driver; the code paths are the same.
 */
import { CatchUpStatusCache } from './catch-up-cache.ts';
import type pg from 'pg';
import type { ConfigOf } from '../shared/config.ts';
import type { StatusCache } from '../ports/cache.ts';
import type { RateLimiter } from '../ports/rate-limit.ts';
import type { TicketStore } from '../ports/tickets.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import { MemoryStatusCache } from './memory-status-cache.ts';
import { MemoryTicketStore } from './memory-ticket-store.ts';
import { createPool } from './postgres/pool.ts';
import { RedisConnection } from './redis-connection.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';
import { RedisStatusCache } from './redis-status-cache.ts';
import { RedisTicketStore } from './redis-ticket-store.ts';
import { S3ObjectStore, createS3Client } from './s3-object-store.ts';
import { SqsMessageSource, createSqsClient } from './sqs-message-source.ts';

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

export function poolFromConfig(c: ConfigOf<'database'>): pg.Pool {
  return createPool({ url: c.DATABASE_URL, max: c.DATABASE_POOL_MAX, ssl: c.DATABASE_SSL });
}

export function objectStoreFromConfig(c: ConfigOf<'aws' | 'storage'>): S3ObjectStore {
  return new S3ObjectStore(
    createS3Client({ region: c.AWS_REGION, endpoint: c.S3_ENDPOINT }),
    c.UPLOAD_BUCKET,
  );
}

export function messageSourceFromConfig(c: ConfigOf<'aws' | 'queue'>): SqsMessageSource {
  return new SqsMessageSource(
    createSqsClient({ region: c.AWS_REGION, endpoint: c.SQS_ENDPOINT }),
    c.JOBS_QUEUE_URL,
  );
}
