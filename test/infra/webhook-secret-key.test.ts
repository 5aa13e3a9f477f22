/**
 * The key that seals webhook signing secrets in the database (docs/webhooks.md, "How secrets are stored"): a
 * generated Secrets Manager secret, kept when the stack goes (the final database snapshot needs it), whose ARN only
 * the functions that seal or open a webhook secret get (the API's create and rotate routes, the notification
 * sender) and which only their roles may read. Checked by behaviour, with the streaming service on, so that every
 * role of the stack is there to be refused.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/api/routes.ts';
import { loadConfig, SENDER_SECTIONS } from '../../functions/shared/config.ts';
import {
  actionsOf,
  BASE_CONTEXT,
  ecsEnvironment,
  logicalId,
  removeSynthOutputs,
  resourcesOf,
  statementsOfRole,
  STREAM_CONTEXT,
  synth,
  unacknowledgedFindings,
  type Synthesized,
} from './synth.ts';

afterAll(removeSynthOutputs);

let s: Synthesized;
beforeAll(() => {
  s = synth({ ...BASE_CONTEXT, ...STREAM_CONTEXT });
}, 180_000);

const keyRef = () => ({ Ref: logicalId(s, s.stack.webhookSecretKey) });
const SEALING_PATHS = ['POST /v1/webhooks', 'POST /v1/webhooks/{id}/rotate-secret'];

/** Every Lambda function of the stack by its description, with its environment and role. */
function lambdas() {
  return Object.values(s.template.findResources('AWS::Lambda::Function')).map((fn) => ({
    description: String(fn.Properties.Description ?? ''),
    env: (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
    role: fn.Properties.Role as unknown,
  }));
}

const roleArn = (role: Parameters<typeof logicalId>[1]) => ({ 'Fn::GetAtt': [logicalId(s, role), 'Arn'] });

/** The logical ids of the roles with a policy statement naming the key. */
function rolesGrantedTheKey(): string[] {
  const policies = Object.values(s.template.findResources('AWS::IAM::Policy'));
  return policies
    .filter((p) =>
      (p.Properties.PolicyDocument.Statement as { Resource: unknown }[]).some((st) =>
        JSON.stringify(st.Resource).includes(JSON.stringify(keyRef())),
      ),
    )
    .flatMap((p) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref))
    .sort();
}

describe('webhook secret key', () => {
  it('is a generated secret, retained when the stack is deleted', () => {
    const id = logicalId(s, s.stack.webhookSecretKey);
    s.template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({
        Description: Match.stringLikeRegexp('webhook signing secrets'),
        GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(s.template.toJSON().Resources[id].Type).toBe('AWS::SecretsManager::Secret');
    // Never a value in the template: only generated.
    expect(s.template.toJSON().Resources[id].Properties).not.toHaveProperty('SecretString');
  });

  it('goes, as an ARN, to the API functions that create or rotate a webhook and to the sender only', () => {
    const all = lambdas();
    const holders = all.filter((fn) => 'WEBHOOK_SECRET_KEY_ARN' in fn.env);
    for (const fn of holders) {
      expect(fn.env.WEBHOOK_SECRET_KEY_ARN).toEqual(keyRef());
      expect(fn.env).not.toHaveProperty('WEBHOOK_SECRET_KEY');
    }
    expect(holders.map((fn) => fn.description).sort()).toEqual(
      [
        ...SEALING_PATHS.map((p) => `RealTone API ${p}`),
        expect.stringMatching(/^RealTone notification sender/),
      ].sort(),
    );
    // The routes marked in functions/api/routes.ts are exactly those two.
    expect(ROUTES.filter((r) => r.webhookSecrets).map((r) => `${r.method} ${r.path}`)).toEqual(SEALING_PATHS);
    // Nor does any container: the detector (worker) and the stream service never touch a webhook secret.
    expect(ecsEnvironment(s.template)).not.toHaveProperty('WEBHOOK_SECRET_KEY_ARN');
    expect(
      ecsEnvironment(s.template, logicalId(s, s.stack.stream!.service.taskDefinition)),
    ).not.toHaveProperty('WEBHOOK_SECRET_KEY_ARN');
  });

  it('runs the sealing routes under their own role, which alone of the API roles may read the key', () => {
    const api = s.stack.api;
    for (const fn of lambdas().filter((f) => f.description.startsWith('RealTone API ')))
      expect(fn.role, fn.description).toEqual(
        SEALING_PATHS.some((p) => fn.description === `RealTone API ${p}`)
          ? roleArn(api.webhookSecretsRole)
          : roleArn(api.role),
      );
    expect(rolesGrantedTheKey()).toEqual(
      [logicalId(s, api.webhookSecretsRole), logicalId(s, s.stack.notifications.senderRole)].sort(),
    );
    for (const role of [api.webhookSecretsRole, s.stack.notifications.senderRole]) {
      const read = statementsOfRole(s.template, logicalId(s, role)).filter((st) =>
        resourcesOf(st).some((r) => JSON.stringify(r) === JSON.stringify(keyRef())),
      );
      expect(read.flatMap(actionsOf).sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
    }
    // Not the worker, the stream service, $connect, the migration or the other API functions.
    for (const role of [
      api.role,
      s.stack.gpu!.taskRole,
      s.stack.stream!.taskRole,
      s.stack.notifications.connectRole,
      s.stack.migrateFunction.role!,
    ])
      expect(JSON.stringify(statementsOfRole(s.template, logicalId(s, role)))).not.toContain(
        logicalId(s, s.stack.webhookSecretKey),
      );
  });

  it('gives the sealing role every other right of the API role, and nothing more but the key', () => {
    const api = s.stack.api;
    // Log groups are per function; everything else must match.
    const rights = (role: typeof api.role) =>
      statementsOfRole(s.template, logicalId(s, role))
        .filter((st) => !actionsOf(st).some((a) => a.startsWith('logs:')))
        .flatMap((st) =>
          actionsOf(st).flatMap((a) => resourcesOf(st).map((r) => `${a} ${JSON.stringify(r)}`)),
        )
        .filter((right) => !right.includes(logicalId(s, s.stack.webhookSecretKey)))
        .sort();
    expect(rights(api.webhookSecretsRole)).toEqual(rights(api.role));
    expect(rights(api.role).length).toBeGreaterThan(5);
  });

  it('gives the sender an environment its own configuration accepts', () => {
    const env = lambdas().find((fn) => fn.description.startsWith('RealTone notification sender'))!.env;
    // What functions/shared/secrets.ts resolves at start-up stands in for the ARNs.
    const plain = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : 'placeholder']),
    );
    const config = loadConfig(SENDER_SECTIONS, {
      ...plain,
      UPLOAD_BUCKET: 'realtone-uploads',
      NOTIFICATIONS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/notifications',
      DATABASE_URL: 'postgres://realtone:pw@proxy.internal:5432/realtone',
      EVENTS_CALLBACK_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com/v1',
      WEBHOOK_SECRET_KEY: 'k'.repeat(64),
    });
    expect(config.WEBHOOK_SECRET_KEY).toHaveLength(64);
    expect(config.WEBHOOK_URL_POLICY).toBe('public');
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(
      unacknowledgedFindings(s.app).filter((f) => /WebhookSecret|\/Api\/|Notifications/.test(f)),
    ).toEqual([]);
  });
});
