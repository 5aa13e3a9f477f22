import type { RateDecision, RateLimiter } from '../ports/rate-limit.ts';

/** In-process fixed-window counters for the local stack without Redis; same semantics as RedisRateLimiter. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly counters = new Map<string, { count: number; resetAt: number }>();

  private current(key: string) {
    const entry = this.counters.get(key);
    if (entry && entry.resetAt <= Date.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return entry;
  }

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const entry = this.current(key) ?? { count: 0, resetAt: Date.now() + windowSeconds * 1000 };
    entry.count++;
    this.counters.set(key, entry);
    return {
      allowed: entry.count <= limit,
      retryAfterSeconds: Math.max(1, Math.ceil((entry.resetAt - Date.now()) / 1000)),
    };
  }

  async peek(key: string, limit: number): Promise<RateDecision> {
    const entry = this.current(key);
    const retry = entry ? Math.max(1, Math.ceil((entry.resetAt - Date.now()) / 1000)) : 1;
    return { allowed: (entry?.count ?? 0) < limit, retryAfterSeconds: retry };
  }

  async reset(key: string): Promise<void> {
    this.counters.delete(key);
  }
}
