import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as z from 'zod';
import { sections } from './config-sections.ts';
import { ConfigError } from './errors.ts';

export { DEFAULT_MODEL_MANIFEST, isLoopback } from './config-sections.ts';

/**
 * Configuration comes only from environment variables, is parsed once per process and fails at start-up with one
 * message naming every bad variable. Each process role (API, worker, CLI) loads only the sections it needs; the
 * sections' schemas are in config-sections.ts.
 */

/**
 * Where the repository root is from this module's directory: `../..` from functions/shared/, replaced at build time
 * in the entry-point bundles (scripts/bundle.mjs), which live elsewhere.
 */
declare const __REALTONE_ROOT_FROM_MODULE__: string | undefined;
const ROOT_FROM_MODULE =
  typeof __REALTONE_ROOT_FROM_MODULE__ === 'string' ? __REALTONE_ROOT_FROM_MODULE__ : '../..';

/** Repository root, so relative paths in config (model manifest) work from any working directory. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), ROOT_FROM_MODULE);

type Sections = typeof sections;
export type SectionName = keyof Sections;
type Infer<K extends SectionName> = z.infer<Sections[K]>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
export type ConfigOf<K extends SectionName> = UnionToIntersection<{ [P in K]: Infer<P> }[K]>;

/** Parses the named sections from `env`; throws one ConfigError that lists every problem. */
export function loadConfig<K extends SectionName>(
  names: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<K> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const result = sections[name].safeParse(env);
    if (result.success) Object.assign(out, result.data);
    else
      for (const issue of result.error.issues)
        problems.push(`${issue.path.join('.') || name}: ${issue.message}`);
  }
  if (problems.length) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return out as ConfigOf<K>;
}

/** Resolves a possibly relative path against the project root (used for the model manifest). */
export function resolveProjectPath(p: string): string {
  return path.isAbsolute(p) ? p : path.join(PROJECT_ROOT, p);
}

const API_SECTIONS = [
  'aws',
  'sockets',
  'storage',
  'queue',
  'database',
  'cache',
  'auth',
  'model',
  'limits',
  'idempotency',
  'rateLimit',
  'verdict',
  'batches',
  'metrics',
  'notifications',
] as const;
const WORKER_SECTIONS = [
  'aws',
  'storage',
  'queue',
  'database',
  'cache',
  'model',
  'limits',
  'worker',
  'verdict',
  'extractors',
  'metrics',
  'notifications',
] as const;
/** Sections the notification sender reads (functions/notifications): it signs with webhook secrets. */
export const SENDER_SECTIONS = [
  'aws',
  'storage',
  'database',
  'notifications',
  'metrics',
  'webhookSecrets',
] as const;
/** Sections of the events socket's $connect and $disconnect Lambdas (AWS). */
export const CONNECT_SECTIONS = ['aws', 'cache', 'notifications'] as const;
export type ConnectConfig = ConfigOf<(typeof CONNECT_SECTIONS)[number]>;
export type SenderConfig = ConfigOf<(typeof SENDER_SECTIONS)[number]>;
let senderConfig: SenderConfig | undefined;
/** The notification sender's configuration, read once per process. */
export function getSenderConfig(): SenderConfig {
  return (senderConfig ??= loadConfig(SENDER_SECTIONS));
}
/**
 * What the API routes that create or rotate a webhook secret read besides the API's sections; no other route has
 * the key (in AWS, no other route's role may read it).
 */
export const WEBHOOK_SECRET_SECTIONS = ['webhookSecrets'] as const;
export type WebhookSecretsConfig = ConfigOf<(typeof WEBHOOK_SECRET_SECTIONS)[number]>;
let webhookSecretsConfig: WebhookSecretsConfig | undefined;
/** The webhook secret key (and the previous one), read once per process. */
export function getWebhookSecretsConfig(): WebhookSecretsConfig {
  return (webhookSecretsConfig ??= loadConfig(WEBHOOK_SECRET_SECTIONS));
}
/** Sections the stream service reads (functions/stream/main.ts); test/infra checks the stack against them. */
export const STREAM_SECTIONS = [...WORKER_SECTIONS, 'auth', 'stream'] as const;
/** Sections of the gRPC service: the stream service's (limits of StreamAnalyze), plus its port and token. */
export const GRPC_SECTIONS = [...STREAM_SECTIONS, 'grpc'] as const;
export type GrpcConfig = ConfigOf<(typeof GRPC_SECTIONS)[number]>;
export type ApiConfig = ConfigOf<(typeof API_SECTIONS)[number]>;
export type StreamConfig = ConfigOf<(typeof STREAM_SECTIONS)[number]>;
export type WorkerConfig = ConfigOf<(typeof WORKER_SECTIONS)[number]>;

let apiConfig: ApiConfig | undefined;
let workerConfig: WorkerConfig | undefined;

/** The API's configuration, read once per process. */
export function getApiConfig(): ApiConfig {
  return (apiConfig ??= loadConfig(API_SECTIONS));
}

let streamConfig: StreamConfig | undefined;

/** The stream service's configuration (the worker's, plus tokens and stream limits), read once per process. */
export function getStreamConfig(): StreamConfig {
  return (streamConfig ??= loadConfig(STREAM_SECTIONS));
}

let grpcConfig: GrpcConfig | undefined;

/** The gRPC service's configuration, read once per process. */
export function getGrpcConfig(): GrpcConfig {
  return (grpcConfig ??= loadConfig(GRPC_SECTIONS));
}

/** The worker's configuration, read once per process. */
export function getWorkerConfig(): WorkerConfig {
  return (workerConfig ??= loadConfig(WORKER_SECTIONS));
}
