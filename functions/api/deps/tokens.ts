/** Access tokens' settings (no adapter: authenticated routes read only the configuration to verify a token). */
import type { TokenConfig } from '../../core/auth/tokens.ts';
import type { ConfigOf } from '../../shared/config.ts';

export const tokenConfig = (c: ConfigOf<'auth'>): TokenConfig => ({
  secret: c.JWT_SECRET,
  ttlSeconds: c.JWT_TTL_SECONDS,
  issuer: c.JWT_ISSUER,
  audience: c.JWT_AUDIENCE,
});
