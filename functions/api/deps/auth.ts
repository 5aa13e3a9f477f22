/** Browser sessions and login throttling, from the configuration. */
import { LoginThrottle } from '../../core/auth/login-limits.ts';
import type { SessionDeps } from '../../core/auth/sessions.ts';
import type { ApiConfig } from '../../shared/config.ts';
import { keyValue } from './key-value.ts';
import { perProcess } from './process.ts';
import { refreshTokenRepository } from './postgres.ts';
import { tokenConfig } from './tokens.ts';

/** What opening, refreshing and closing a session needs. */
export const sessionDeps = (c: ApiConfig): SessionDeps => ({
  refreshTokens: refreshTokenRepository(c),
  tokens: tokenConfig(c),
  sessions: { refreshTtlSeconds: c.REFRESH_TTL_SECONDS, familyTtlSeconds: c.REFRESH_FAMILY_TTL_SECONDS },
});

export const loginThrottle = (c: ApiConfig) =>
  perProcess(
    'throttle',
    () =>
      new LoginThrottle(keyValue(c).limiter, {
        perSourcePerMinute: c.LOGIN_MAX_PER_SOURCE_PER_MINUTE,
        failuresPerAccount: c.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        failureWindowSeconds: c.LOGIN_FAILURE_WINDOW_SECONDS,
      }),
  );
