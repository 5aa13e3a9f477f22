/**
 * Composition root of the API handlers: one set of adapters per Lambda execution environment (or per local-stack
 * process), created on first use from the configuration that was read and validated once.
 */
import type pg from 'pg';
import { cacheFromConfig, objectStoreFromConfig, poolFromConfig } from '../adapters/factory.ts';
import { PostgresJobRepository } from '../adapters/postgres/job-repository.ts';
import { PostgresUserRepository } from '../adapters/postgres/user-repository.ts';
import type { TokenConfig } from '../core/auth/tokens.ts';
import type { StatusCache } from '../ports/cache.ts';
import type { ObjectStore } from '../ports/storage.ts';
import { getApiConfig, type ApiConfig } from '../shared/config.ts';

export interface ApiDeps {
  config: ApiConfig;
  pool: pg.Pool;
  users: PostgresUserRepository;
  jobs: PostgresJobRepository;
  cache: StatusCache;
  storage: ObjectStore;
  tokens: TokenConfig;
}

let deps: ApiDeps | undefined;

export function apiDeps(): ApiDeps {
  if (deps) return deps;
  const config = getApiConfig();
  const pool = poolFromConfig(config);
  deps = {
    config,
    pool,
    users: new PostgresUserRepository(pool),
    jobs: new PostgresJobRepository(pool),
    cache: cacheFromConfig(config),
    storage: objectStoreFromConfig(config),
    tokens: {
      secret: config.JWT_SECRET,
      ttlSeconds: config.JWT_TTL_SECONDS,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    },
  };
  return deps;
}

/** Closes pools and connections (local stack shutdown, tests). */
export async function closeApiDeps(): Promise<void> {
  if (!deps) return;
  const d = deps;
  deps = undefined;
  await Promise.allSettled([d.pool.end(), d.cache.close()]);
}
