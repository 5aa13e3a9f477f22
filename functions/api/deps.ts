/**
 * Composition root of the API handlers: one set of adapters per Lambda execution environment (or per local-stack
 * process), created on first use from the configuration that was read and validated once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type pg from 'pg';
import { keyValueFromConfig, objectStoreFromConfig, poolFromConfig } from '../adapters/factory.ts';
import { idempotentByKey } from '../adapters/idempotency.ts';
import { PostgresBatchRepository } from '../adapters/postgres/batch-repository.ts';
import { PostgresJobRepository } from '../adapters/postgres/job-repository.ts';
import { PostgresRefreshTokenRepository } from '../adapters/postgres/refresh-token-repository.ts';
import { PostgresUserRepository } from '../adapters/postgres/user-repository.ts';
import { PostgresWebhookRepository } from '../adapters/postgres/webhook-repository.ts';
import { resolveHost } from '../adapters/webhook-transport.ts';
import type { WebhookDeps } from '../core/webhooks/webhooks.ts';
import { dynamoCheck, s3Check, sqsCheck } from '../adapters/readiness.ts';
import { createS3Client } from '../adapters/s3-object-store.ts';
import { createSqsClient } from '../adapters/sqs-message-source.ts';
import { LoginThrottle } from '../core/auth/login-limits.ts';
import type { SessionConfig } from '../core/auth/sessions.ts';
import type { TokenConfig } from '../core/auth/tokens.ts';
import type { Check } from '../core/health/readiness.ts';
import { createBatch } from '../core/batches/create-batch.ts';
import { createUpload } from '../core/jobs/create-upload.ts';
import { ManifestLinks } from '../core/jobs/manifest-links.ts';
import type { StatusCache } from '../ports/cache.ts';
import type { TicketStore } from '../ports/tickets.ts';
import type { ObjectStore } from '../ports/storage.ts';
import { processMetrics } from '../adapters/metrics-factory.ts';
import { getApiConfig, type ApiConfig } from '../shared/config.ts';
import { currentCorrelationId } from '../shared/correlation.ts';

export interface ApiDeps {
  config: ApiConfig;
  pool: pg.Pool;
  users: PostgresUserRepository;
  jobs: PostgresJobRepository;
  batches: PostgresBatchRepository;
  cache: StatusCache;
  /** One-time WebSocket tickets (stream and events sockets). */
  tickets: TicketStore;
  storage: ObjectStore;
  /** Presigned manifest URLs for job views (memoised per job for half their life). */
  manifestLinks: ManifestLinks;
  tokens: TokenConfig;
  refreshTokens: PostgresRefreshTokenRepository;
  sessions: SessionConfig;
  throttle: LoginThrottle;
  /** POST /v1/uploads behind the Idempotency-Key layer. */
  createUploadOnce: (
    userId: string,
    body: unknown,
    key: string,
  ) => Promise<Awaited<ReturnType<typeof createUpload>>>;
  createUpload: (userId: string, body: unknown) => ReturnType<typeof createUpload>;
  createBatch: (userId: string, body: unknown) => ReturnType<typeof createBatch>;
  readinessChecks: Record<string, Check>;
  /** Webhook endpoints (per user) and the SSRF policy their URLs are checked against. */
  webhooks: WebhookDeps;
  close(): Promise<void>;
}

let deps: ApiDeps | undefined;

export function apiDeps(): ApiDeps {
  if (deps) return deps;
  const config = getApiConfig();
  const pool = poolFromConfig(config);
  const kv = keyValueFromConfig(config);
  const storage = objectStoreFromConfig(config);
  const jobs = new PostgresJobRepository(pool);
  const { metrics } = processMetrics(config);
  const upload = async (userId: string, body: unknown) => {
    const created = await createUpload(
      {
        jobs,
        storage,
        limits: {
          maxUploadBytes: config.MAX_UPLOAD_BYTES,
          uploadUrlTtlSeconds: config.UPLOAD_URL_TTL_SECONDS,
        },
      },
      userId,
      body,
      currentCorrelationId(),
    );
    metrics.increment('realtone_uploads_created_total', { origin: 'upload' });
    return created;
  };
  const batches = new PostgresBatchRepository(pool);
  const dynamo = new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
  });
  const s3 = createS3Client({ region: config.AWS_REGION, endpoint: config.S3_ENDPOINT });
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  deps = {
    config,
    pool,
    users: new PostgresUserRepository(pool),
    jobs,
    batches,
    cache: kv.cache,
    tickets: kv.tickets,
    storage,
    manifestLinks: new ManifestLinks(storage, config.MANIFEST_URL_TTL_SECONDS),
    tokens: {
      secret: config.JWT_SECRET,
      ttlSeconds: config.JWT_TTL_SECONDS,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    },
    refreshTokens: new PostgresRefreshTokenRepository(pool),
    sessions: {
      refreshTtlSeconds: config.REFRESH_TTL_SECONDS,
      familyTtlSeconds: config.REFRESH_FAMILY_TTL_SECONDS,
    },
    throttle: new LoginThrottle(kv.limiter, {
      perSourcePerMinute: config.LOGIN_MAX_PER_SOURCE_PER_MINUTE,
      failuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      failureWindowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
    }),
    createUpload: upload,
    createBatch: async (userId, body) => {
      const created = await createBatch(
        {
          batches,
          storage,
          limits: {
            maxUploadBytes: config.MAX_UPLOAD_BYTES,
            uploadUrlTtlSeconds: config.UPLOAD_URL_TTL_SECONDS,
            maxPendingJobsPerUser: config.BATCH_MAX_PENDING_JOBS_PER_USER,
          },
        },
        userId,
        body,
        currentCorrelationId(),
      );
      metrics.increment('realtone_uploads_created_total', { origin: 'batch' }, created.items.length);
      return created;
    },
    createUploadOnce: idempotentByKey(upload, {
      table: config.IDEMPOTENCY_TABLE,
      region: config.AWS_REGION,
      endpoint: config.DYNAMODB_ENDPOINT,
      ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    }),
    webhooks: {
      webhooks: new PostgresWebhookRepository(pool),
      policy: config.WEBHOOK_URL_POLICY,
      resolve: resolveHost,
      maxPerUser: config.WEBHOOK_MAX_PER_USER,
    },
    readinessChecks: {
      postgres: () => jobs.ping(),
      cache: () => kv.cache.ping(),
      s3: s3Check(s3, config.UPLOAD_BUCKET),
      sqs: sqsCheck(sqs, config.JOBS_QUEUE_URL),
      dynamodb: dynamoCheck(dynamo, config.IDEMPOTENCY_TABLE),
    },
    async close() {
      await Promise.allSettled([pool.end(), kv.close()]);
      dynamo.destroy();
      s3.destroy();
      sqs.destroy();
    },
  };
  return deps;
}

/** Closes pools and connections (local stack shutdown, tests). */
export async function closeApiDeps(): Promise<void> {
  const d = deps;
  deps = undefined;
  await d?.close();
}
