/** The Redis adapters against the real server on 127.0.0.1, under this run's key prefix. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisRateLimiter } from '../../functions/adapters/redis-rate-limiter.ts';
import { RedisStatusCache } from '../../functions/adapters/redis-status-cache.ts';
import type { CachedJob } from '../../functions/ports/cache.ts';

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  prefix = `${inject('redisPrefix')}adapters:`;
});
afterAll(async () => {
  await redis.quit();
});

const job = (id: string, status: CachedJob['status']): CachedJob => ({
  id,
  userId: 'u',
  filename: 'a.wav',
  createdAt: new Date(0).toISOString(),
  status,
  progress: { chunks_done: 0, chunks_total: null },
  result: null,
  error: null,
  timings: null,
  updatedAt: new Date(0).toISOString(),
});

describe('RedisStatusCache', () => {
  it('stores jobs under the prefix with a TTL; the NX fill never overwrites', async () => {
    const cache = new RedisStatusCache(redis, prefix);
    await cache.put(job('j1', 'processing'), 60);
    await cache.putIfAbsent(job('j1', 'awaiting_upload'), 60);
    expect((await cache.get('j1'))!.status).toBe('processing');
    expect(await redis.ttl(`${prefix}job:j1`)).toBeGreaterThan(55);
    await cache.delete('j1');
    expect(await cache.get('j1')).toBeUndefined();
    await cache.ping();
  });
});

describe('RedisRateLimiter', () => {
  it('counts per key within a window and resets', async () => {
    const limiter = new RedisRateLimiter(redis, prefix);
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await limiter.hit('k', 3, 60)).allowed);
    expect(results).toEqual([true, true, true, false]);
    expect((await limiter.peek('k', 3)).retryAfterSeconds).toBeGreaterThan(50);
    expect((await limiter.hit('other', 3, 60)).allowed).toBe(true);
    await limiter.reset('k');
    expect((await limiter.peek('k', 3)).allowed).toBe(true);
  });
});
