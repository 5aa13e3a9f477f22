export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
}

/** Fixed-window counters (Redis INCR/EXPIRE in AWS; in-process locally). */
export interface RateLimiter {
  /** Counts one event under `key` and says whether it is within `limit` per `windowSeconds`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision>;
  /** Reads without counting. */
  peek(key: string, limit: number): Promise<RateDecision>;
  reset(key: string): Promise<void>;
}
