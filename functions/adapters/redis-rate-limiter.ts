import type { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from '../ports/rate-limit.ts';

/** Fixed-window counters: `{prefix}rl:{key}` incremented atomically, expiring with the window. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const k = `${this.prefix}rl:${key}`;
    const [[, count], [, ttl]] = (await this.redis
      .multi()
      .incr(k)
      .expire(k, windowSeconds, 'NX')
      .ttl(k)
      .exec()) as [[Error | null, number], [Error | null, number], [Error | null, number]];
    return { allowed: count <= limit, retryAfterSeconds: Math.max(1, ttl) };
  }

  async peek(key: string, limit: number): Promise<RateDecision> {
    const k = `${this.prefix}rl:${key}`;
    const [count, ttl] = await Promise.all([this.redis.get(k), this.redis.ttl(k)]);
    return { allowed: Number(count ?? 0) < limit, retryAfterSeconds: Math.max(1, ttl) };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}rl:${key}`);
  }
}
