import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { BUNDLED_MANIFEST_PATH } from './bundling.ts';
import {
  streamPublicUrl,
  type GrpcDeployConfig,
  type RealToneConfig,
  type StreamDeployConfig,
} from './config.ts';
import { DATABASE_NAME, type Data } from './data.ts';
import type { StorageAndQueue } from './storage.ts';

/**
 * The runtime contract: the environment variables functions/shared/config.ts and functions/shared/secrets.ts read,
 * per process role, assembled in one place. Secrets travel as ARNs and are resolved at start-up.
 */
export interface EnvironmentRefs {
  storage: Pick<StorageAndQueue, 'bucket' | 'queue'>;
  data: Pick<Data, 'databaseSecret' | 'proxy' | 'redisUrl' | 'cacheAuthSecret' | 'idempotencyTable'>;
  jwtSecret: secretsmanager.ISecret;
  /** Seals webhook signing secrets: only the sender and the API routes that create or rotate one get it. */
  webhookSecretKey: secretsmanager.ISecret;
  /** Where job and stream events go, and the events socket's public address (notifications.ts). */
  notifications?: { queue: Pick<sqs.IQueue, 'queueUrl'>; socketUrl: string };
}

function notificationsOf(refs: EnvironmentRefs): Record<string, string> {
  return refs.notifications ? { NOTIFICATIONS_QUEUE_URL: refs.notifications.queue.queueUrl } : {};
}

/**
 * The notification sender: Postgres (jobs, webhooks, deliveries), the webhook secret key (it opens the secrets it
 * signs with, and seals old rows again) and the bucket (presigned manifest links in job views). No cache and no JWT
 * key: it reads neither.
 */
export function senderEnvironment(config: RealToneConfig, refs: EnvironmentRefs): Record<string, string> {
  const { storage, data } = refs;
  return {
    ...webhookSecretsEnvironment(refs),
    UPLOAD_BUCKET: storage.bucket.bucketName,
    DATABASE_SECRET_ARN: data.databaseSecret.secretArn,
    DATABASE_HOST: data.proxy.endpoint,
    DATABASE_NAME,
    DATABASE_SSL: 'require',
    DATABASE_POOL_MAX: '2',
    LOG_LEVEL: 'INFO',
  };
}

/**
 * What the API routes that seal webhook secrets (create, rotate) have besides the API's environment, and the sender
 * too: the key's ARN, whose current and previous values functions/shared/secrets.ts resolves.
 */
export function webhookSecretsEnvironment({ webhookSecretKey }: EnvironmentRefs): Record<string, string> {
  return { WEBHOOK_SECRET_KEY_ARN: webhookSecretKey.secretArn };
}

/** The events socket's $connect: the ticket store (Valkey) only. */
export function connectEnvironment({ data }: EnvironmentRefs): Record<string, string> {
  return {
    CACHE_DRIVER: 'redis',
    REDIS_URL: data.redisUrl,
    REDIS_AUTH_SECRET_ARN: data.cacheAuthSecret.secretArn,
    REDIS_KEY_PREFIX: 'rt:',
    LOG_LEVEL: 'INFO',
  };
}

/** Container port of the streaming service (STREAM_PORT), the target group's port. */
export const STREAM_PORT = 8080;
/** Port of the gRPC service (GRPC_PORT) on the tasks and on the internal load balancer: the original's 50052. */
export const GRPC_PORT = 50052;

function common(config: RealToneConfig, { storage, data }: EnvironmentRefs): Record<string, string> {
  return {
    UPLOAD_BUCKET: storage.bucket.bucketName,
    JOBS_QUEUE_URL: storage.queue.queueUrl,
    DATABASE_SECRET_ARN: data.databaseSecret.secretArn,
    DATABASE_HOST: data.proxy.endpoint,
    DATABASE_NAME,
    DATABASE_SSL: 'require',
    CACHE_DRIVER: 'redis',
    REDIS_URL: data.redisUrl,
    REDIS_AUTH_SECRET_ARN: data.cacheAuthSecret.secretArn,
    // API, worker and stream share this prefix: a ticket the API stores is the one the stream service takes.
    REDIS_KEY_PREFIX: 'rt:',
    RESULT_TTL_SECONDS: String(config.resultTtlSeconds),
    UPLOAD_URL_TTL_SECONDS: String(config.uploadUrlTtlSeconds),
    MAX_UPLOAD_BYTES: String(config.maxUploadBytes),
    MAX_DURATION_SECONDS: String(config.maxDurationSeconds),
    LOG_LEVEL: 'INFO',
  };
}

function model(config: RealToneConfig): Record<string, string> {
  return {
    MODEL_MANIFEST: config.modelManifest,
    ...(config.modelS3Uri ? { MODEL_S3_URI: config.modelS3Uri } : {}),
    INFERENCE_DEVICE: config.detectorMode === 'cpu' ? 'cpu' : 'auto',
  };
}

export function apiEnvironment(config: RealToneConfig, refs: EnvironmentRefs): Record<string, string> {
  return {
    ...common(config, refs),
    JWT_SECRET_ARN: refs.jwtSecret.secretArn,
    JWT_TTL_SECONDS: String(config.jwtTtlSeconds),
    IDEMPOTENCY_TABLE: refs.data.idempotencyTable.tableName,
    MODEL_MANIFEST: BUNDLED_MANIFEST_PATH,
    // One request at a time per execution environment; RDS Proxy multiplexes the connections.
    DATABASE_POOL_MAX: '2',
    // The ticket route hands this address out; without a stream service the route is not deployed.
    ...(config.stream ? { STREAM_PUBLIC_URL: streamPublicUrl(config.stream) } : {}),
    ...(refs.notifications
      ? { EVENTS_PUBLIC_URL: refs.notifications.socketUrl, WEBHOOK_URL_POLICY: 'public' }
      : {}),
  };
}

export function workerEnvironment(config: RealToneConfig, refs: EnvironmentRefs): Record<string, string> {
  return {
    ...common(config, refs),
    ...model(config),
    // Two jobs at once share the GPU through the inference queue; fair scheduling keeps one more slot for a user
    // with nothing running (functions/worker/fair-source.ts).
    WORKER_CONCURRENCY: '2',
    WORKER_MAX_ATTEMPTS: String(config.workerMaxAttempts),
    WORKER_VISIBILITY_TIMEOUT_SECONDS: String(config.visibilityTimeoutSeconds),
    WORKER_DRAIN_SECONDS: String(config.workerDrainSeconds),
    DATABASE_POOL_MAX: config.detectorMode === 'cpu' ? '2' : '5',
    POWERTOOLS_SERVICE_NAME: 'realtone-worker',
    ...notificationsOf(refs),
  };
}

/**
 * The streaming service (functions/stream/main.ts): the worker's sections (database for the history, Redis for
 * tickets, the model), the JWT key for Bearer upgrades, and the stream limits. UPLOAD_BUCKET and JOBS_QUEUE_URL
 * are names the shared configuration requires; the service is granted nothing on either.
 */
export function streamEnvironment(
  config: RealToneConfig,
  stream: StreamDeployConfig,
  refs: EnvironmentRefs,
): Record<string, string> {
  return {
    ...common(config, refs),
    ...model(config),
    JWT_SECRET_ARN: refs.jwtSecret.secretArn,
    JWT_TTL_SECONDS: String(config.jwtTtlSeconds),
    DATABASE_POOL_MAX: '5',
    STREAM_PORT: String(STREAM_PORT),
    STREAM_MAX_SESSIONS: String(stream.maxSessionsPerTask),
    STREAM_DRAIN_SECONDS: String(stream.drainSeconds),
    POWERTOOLS_SERVICE_NAME: 'realtone-stream',
    ...notificationsOf(refs),
    // Sessions and window latency: Prometheus inside the VPC, and EMF for the CloudWatch dashboard.
    METRICS_PORT: '9464',
    METRICS_HOST: '0.0.0.0',
    METRICS_EMF: 'true',
  };
}

/**
 * The gRPC service (functions/grpc/main.ts): the stream service's sections (StreamAnalyze shares its limits), the
 * port on every interface of the task, and the bearer token as a secret ARN: a token is always required in AWS.
 */
export function grpcEnvironment(
  config: RealToneConfig,
  grpc: GrpcDeployConfig,
  refs: EnvironmentRefs,
  authToken: secretsmanager.ISecret,
): Record<string, string> {
  return {
    ...common(config, refs),
    ...model(config),
    JWT_SECRET_ARN: refs.jwtSecret.secretArn,
    DATABASE_POOL_MAX: '2',
    GRPC_PORT: String(GRPC_PORT),
    GRPC_HOST: '0.0.0.0',
    GRPC_AUTH_TOKEN_ARN: authToken.secretArn,
    STREAM_DRAIN_SECONDS: String(grpc.drainSeconds),
    POWERTOOLS_SERVICE_NAME: 'realtone-grpc',
    METRICS_PORT: '9464',
    METRICS_HOST: '0.0.0.0',
    METRICS_EMF: 'true',
  };
}
