/**
 * Secret ARNs resolved at start-up (functions/shared/secrets.ts) through the real Secrets Manager client, against a
 * stand-in of its JSON API on 127.0.0.1 (AWS_ENDPOINT_URL_SECRETS_MANAGER) that keeps versions by stage as Secrets
 * Manager does: the webhook secret key's AWSCURRENT value becomes WEBHOOK_SECRET_KEY and, once a new value was put,
 * the one before it (AWSPREVIOUS) WEBHOOK_SECRET_KEY_PREVIOUS.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/shared/errors.ts';
import { resolveSecretsInto } from '../../functions/shared/secrets.ts';

const ARN = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}`;
const versions = new Map<string, { AWSCURRENT: string; AWSPREVIOUS?: string }>();
const asked: { id: string; stage: string }[] = [];
let server: http.Server;

/** What put-secret-value does: the current value becomes AWSPREVIOUS. */
function put(arn: string, value: string) {
  const before = versions.get(arn)?.AWSCURRENT;
  versions.set(
    arn,
    before === undefined ? { AWSCURRENT: value } : { AWSCURRENT: value, AWSPREVIOUS: before },
  );
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const fail = (type: string, message: string) => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
        res.end(JSON.stringify({ __type: type, message }));
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue')
        return fail('InvalidRequestException', 'only GetSecretValue');
      const { SecretId, VersionStage = 'AWSCURRENT' } = JSON.parse(body) as {
        SecretId: string;
        VersionStage?: 'AWSCURRENT' | 'AWSPREVIOUS';
      };
      asked.push({ id: SecretId, stage: VersionStage });
      if (SecretId.endsWith(':forbidden')) return fail('AccessDeniedException', 'not allowed');
      const value = versions.get(SecretId)?.[VersionStage];
      if (value === undefined)
        return fail('ResourceNotFoundException', `no secret value for staging label: ${VersionStage}`);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({ ARN: SecretId, Name: 'x', SecretString: value, VersionStages: [VersionStage] }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  await new Promise((r) => server.close(r));
});

describe('resolving secret ARNs', () => {
  it('reads the webhook key, and the key before it once a new value was put', async () => {
    const webhookKey = ARN('WebhookSecretKey-a');
    const jwt = ARN('JwtSecret-a');
    put(webhookKey, 'first-key-'.padEnd(40, 'x'));
    put(jwt, 'jwt-'.padEnd(40, 'j'));
    const fresh: NodeJS.ProcessEnv = {
      AWS_REGION: 'us-east-1',
      WEBHOOK_SECRET_KEY_ARN: webhookKey,
      JWT_SECRET_ARN: jwt,
    };
    await resolveSecretsInto(fresh);
    expect(fresh.WEBHOOK_SECRET_KEY).toBe('first-key-'.padEnd(40, 'x'));
    expect(fresh).not.toHaveProperty('WEBHOOK_SECRET_KEY_PREVIOUS');
    expect(fresh.JWT_SECRET).toBe('jwt-'.padEnd(40, 'j'));

    put(webhookKey, 'second-key-'.padEnd(40, 'y'));
    const rotated: NodeJS.ProcessEnv = { AWS_REGION: 'us-east-1', WEBHOOK_SECRET_KEY_ARN: webhookKey };
    await resolveSecretsInto(rotated);
    expect(rotated.WEBHOOK_SECRET_KEY).toBe('second-key-'.padEnd(40, 'y'));
    expect(rotated.WEBHOOK_SECRET_KEY_PREVIOUS).toBe('first-key-'.padEnd(40, 'x'));
    expect(asked.filter((a) => a.id === webhookKey).map((a) => a.stage)).toEqual([
      'AWSCURRENT',
      'AWSPREVIOUS',
      'AWSCURRENT',
      'AWSPREVIOUS',
    ]);
  });

  it('leaves a key set in the environment as it is', async () => {
    const webhookKey = ARN('WebhookSecretKey-b');
    put(webhookKey, 'stored-'.padEnd(40, 's'));
    const env: NodeJS.ProcessEnv = {
      AWS_REGION: 'us-east-1',
      WEBHOOK_SECRET_KEY_ARN: webhookKey,
      WEBHOOK_SECRET_KEY: 'given-'.padEnd(40, 'g'),
    };
    await resolveSecretsInto(env);
    expect(env.WEBHOOK_SECRET_KEY).toBe('given-'.padEnd(40, 'g'));
    expect(asked.some((a) => a.id === webhookKey)).toBe(false);
  });

  it('stops the start-up when the key cannot be read, naming the ARN but no value', async () => {
    for (const arn of [ARN('missing'), ARN('forbidden')]) {
      const error = await resolveSecretsInto({ AWS_REGION: 'us-east-1', WEBHOOK_SECRET_KEY_ARN: arn }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('config_invalid');
      expect((error as Error).message).toContain(arn);
    }
  });
});
