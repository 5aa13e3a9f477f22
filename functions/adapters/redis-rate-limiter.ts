import type { RateDecision, RateLimiter } from '../ports/rate-limit.ts';
import type { RedisConnection } from './redis-connection.ts';

/** Fixed-window counters: `{prefix}rl:{key}` incremented atomically, expiring with the window. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const k = `${this.prefix}rl:${key}`;
    const [count, , ttl] = await this.redis.run((c) =>
      c.multi().incr(k).expire(k, windowSeconds, 'NX').ttl(k).execTyped(),
    );
    return { allowed: count <= limit, retryAfterSeconds: Math.max(1, ttl) };
  }

  async peek(key: string, limit: number): Promise<RateDecision> {
    const k = `${this.prefix}rl:${key}`;
    const [count, ttl] = await this.redis.run((c) => Promise.all([c.get(k), c.ttl(k)]));
    return { allowed: Number(count ?? 0) < limit, retryAfterSeconds: Math.max(1, ttl) };
  }

  async reset(key: string): Promise<void> {
    const k = `${this.prefix}rl:${key}`;
    await this.redis.run((c) => c.del(k));
  }
}
