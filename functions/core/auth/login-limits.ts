import type { RateLimiter } from '../../ports/rate-limit.ts';
import { TooManyAttemptsError } from './errors.ts';

/**
 * Login throttling, two fixed windows: every attempt counts against the source address (a client hammering many
 * accounts), and failed attempts count against the account (guessing one account's password from many addresses).
 * A success clears the account's failures.
 */
export interface LoginLimits {
  perSourcePerMinute: number;
  failuresPerAccount: number;
  failureWindowSeconds: number;
}

export class LoginThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: LoginLimits,
  ) {}

  private accountKey = (email: string) => `login:account:${email}`;

  async before(email: string, sourceIp: string): Promise<void> {
    const source = await this.limiter.hit(`login:source:${sourceIp}`, this.limits.perSourcePerMinute, 60);
    if (!source.allowed)
      throw new TooManyAttemptsError('too many login attempts from this address', source.retryAfterSeconds);
    const account = await this.limiter.peek(this.accountKey(email), this.limits.failuresPerAccount);
    if (!account.allowed) {
      throw new TooManyAttemptsError(
        'too many failed logins for this account; try again later',
        account.retryAfterSeconds,
      );
    }
  }

  async failed(email: string): Promise<void> {
    await this.limiter.hit(
      this.accountKey(email),
      this.limits.failuresPerAccount,
      this.limits.failureWindowSeconds,
    );
  }

  async succeeded(email: string): Promise<void> {
    await this.limiter.reset(this.accountKey(email));
  }
}
