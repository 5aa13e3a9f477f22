/** Postgres: one pool per process and the repositories over it. */
import type pg from 'pg';
import { PostgresBatchRepository } from '../../adapters/postgres/batch-repository.ts';
import { PostgresJobRepository } from '../../adapters/postgres/job-repository.ts';
import { poolFromConfig } from '../../adapters/postgres/pool.ts';
import { PostgresRefreshTokenRepository } from '../../adapters/postgres/refresh-token-repository.ts';
import { PostgresUserRepository } from '../../adapters/postgres/user-repository.ts';
import { PostgresWebhookDirectory } from '../../adapters/postgres/webhook-repository.ts';
import type { ConfigOf } from '../../shared/config.ts';
import { perProcess } from './process.ts';

type Config = ConfigOf<'database'>;

export const pool = (c: Config): pg.Pool =>
  perProcess(
    'pool',
    () => poolFromConfig(c),
    (p) => p.end(),
  );

export const jobRepository = (c: Config) => perProcess('jobs', () => new PostgresJobRepository(pool(c)));
export const userRepository = (c: Config) => perProcess('users', () => new PostgresUserRepository(pool(c)));
export const batchRepository = (c: Config) =>
  perProcess('batches', () => new PostgresBatchRepository(pool(c)));
export const refreshTokenRepository = (c: Config) =>
  perProcess('refreshTokens', () => new PostgresRefreshTokenRepository(pool(c)));
/** Webhook endpoints and deliveries without their secrets (functions/api/deps/webhooks.ts has the secrets). */
export const webhookDirectory = (c: Config) =>
  perProcess('webhookDirectory', () => new PostgresWebhookDirectory(pool(c)));
