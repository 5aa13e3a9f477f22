/**
 * In AWS, secrets never sit in environment variables: the stack passes their ARNs, and this module resolves them
 * once per process, before configuration is parsed. Locally (and in tests) the plain variables are set instead
 * and nothing is fetched.
 *
 *   DATABASE_SECRET_ARN  RDS-managed JSON secret {username, password, host, port, dbname}; DATABASE_HOST, when set,
 *                        replaces its host (the RDS Proxy endpoint). → DATABASE_URL
 *   JWT_SECRET_ARN       plain string secret → JWT_SECRET
 *   REDIS_AUTH_SECRET_ARN plain string (ElastiCache AUTH token), inserted into REDIS_URL as its password
 *   GRPC_AUTH_TOKEN_ARN  plain string → GRPC_AUTH_TOKEN (the gRPC services' bearer token)
 *   WEBHOOK_SECRET_KEY_ARN plain string → WEBHOOK_SECRET_KEY (its AWSCURRENT version), and its AWSPREVIOUS version,
 *                        if it has one, → WEBHOOK_SECRET_KEY_PREVIOUS: after put-secret-value Secrets Manager keeps
 *                        the value before as AWSPREVIOUS, which still opens what it sealed (docs/webhooks.md)
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from './errors.ts';

let resolved: Promise<void> | undefined;

async function fetchSecret(client: SecretsManagerClient, arn: string): Promise<string>;
async function fetchSecret(
  client: SecretsManagerClient,
  arn: string,
  stage: 'AWSPREVIOUS',
): Promise<string | undefined>;
/** The secret's AWSCURRENT value; with `stage`, that version's, or undefined where the secret has none. */
async function fetchSecret(
  client: SecretsManagerClient,
  arn: string,
  stage?: 'AWSPREVIOUS',
): Promise<string | undefined> {
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
    if (!out.SecretString) throw new Error('secret has no string value');
    return out.SecretString;
  } catch (cause) {
    if (stage && (cause as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw new ConfigError(
      `cannot read secret ${arn}${stage ? ` (${stage})` : ''}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

export async function resolveSecretsInto(env: NodeJS.ProcessEnv): Promise<void> {
  const wanted = [
    'DATABASE_SECRET_ARN',
    'JWT_SECRET_ARN',
    'REDIS_AUTH_SECRET_ARN',
    'GRPC_AUTH_TOKEN_ARN',
    'WEBHOOK_SECRET_KEY_ARN',
  ].filter((k) => env[k]);
  if (!wanted.length) return;
  // Imported only where secrets are to be fetched (AWS): the local stack and tests never load the SDK client.
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ region: env.AWS_REGION });
  try {
    if (env.DATABASE_SECRET_ARN && !env.DATABASE_URL) {
      const secret = JSON.parse(await fetchSecret(client, env.DATABASE_SECRET_ARN)) as Record<
        string,
        unknown
      >;
      const host = env.DATABASE_HOST ?? String(secret.host ?? '');
      const url = new URL(`postgres://${host}:${secret.port ?? 5432}`);
      url.username = encodeURIComponent(String(secret.username ?? ''));
      url.password = encodeURIComponent(String(secret.password ?? ''));
      url.pathname = `/${env.DATABASE_NAME ?? secret.dbname ?? 'realtone'}`;
      env.DATABASE_URL = url.toString();
    }
    if (env.JWT_SECRET_ARN && !env.JWT_SECRET) env.JWT_SECRET = await fetchSecret(client, env.JWT_SECRET_ARN);
    if (env.GRPC_AUTH_TOKEN_ARN && !env.GRPC_AUTH_TOKEN)
      env.GRPC_AUTH_TOKEN = await fetchSecret(client, env.GRPC_AUTH_TOKEN_ARN);
    if (env.WEBHOOK_SECRET_KEY_ARN && !env.WEBHOOK_SECRET_KEY) {
      env.WEBHOOK_SECRET_KEY = await fetchSecret(client, env.WEBHOOK_SECRET_KEY_ARN);
      const previous = await fetchSecret(client, env.WEBHOOK_SECRET_KEY_ARN, 'AWSPREVIOUS');
      if (previous !== undefined && !env.WEBHOOK_SECRET_KEY_PREVIOUS)
        env.WEBHOOK_SECRET_KEY_PREVIOUS = previous;
    }
    if (env.REDIS_AUTH_SECRET_ARN && env.REDIS_URL) {
      const url = new URL(env.REDIS_URL);
      if (!url.password) {
        url.password = encodeURIComponent(await fetchSecret(client, env.REDIS_AUTH_SECRET_ARN));
        env.REDIS_URL = url.toString();
      }
    }
  } finally {
    client.destroy();
  }
}

/** Resolves secret ARNs into process.env once per process (Lambda cold start, worker start). */
export function resolveSecrets(): Promise<void> {
  return (resolved ??= resolveSecretsInto(process.env));
}
