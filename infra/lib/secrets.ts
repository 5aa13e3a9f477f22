import { RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * The stack's own keys in Secrets Manager, generated at deploy time and never in a template or an environment
 * variable: functions get their ARNs (environment.ts) and read them at start-up (functions/shared/secrets.ts).
 * Created in the stack's scope, so their logical ids do not depend on this module.
 */
export interface AppSecrets {
  /** Signs the API's HS256 tokens. */
  jwtSecret: secretsmanager.Secret;
  /** Seals webhook signing secrets in the database (docs/webhooks.md, "How secrets are stored"). */
  webhookSecretKey: secretsmanager.Secret;
}

/**
 * A secret Secrets Manager generates at deploy time (letters and digits), with the reason it has no rotation
 * schedule: each of the stack's keys is rotated by a procedure that must reach its users in order, which a rotation
 * Lambda cannot do (cdk-nag AwsSolutions-SMG4).
 */
export function generatedSecret(
  stack: Stack,
  id: string,
  props: { description: string; length: number; whyNotRotated: string; removalPolicy?: RemovalPolicy },
): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(stack, id, {
    description: props.description,
    generateSecretString: { passwordLength: props.length, excludePunctuation: true },
    ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
  });
  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: props.whyNotRotated });
  return secret;
}

export function addAppSecrets(stack: Stack): AppSecrets {
  const jwtSecret = generatedSecret(stack, 'JwtSecret', {
    description: 'RealTone JWT signing key (HS256)',
    length: 64,
    whyNotRotated:
      'Rotating the JWT signing key signs every user out and needs all warm functions to reload it; it is ' +
      'rotated deliberately by redeploying (docs/deploy.md, "Rotating secrets").',
  });
  const webhookSecretKey = generatedSecret(stack, 'WebhookSecretKey', {
    description: 'RealTone key that seals webhook signing secrets in the database (HKDF-SHA256, AES-256-GCM)',
    length: 64,
    // The database is kept as a final snapshot when the stack goes; its webhook secrets open only with this key.
    removalPolicy: RemovalPolicy.RETAIN,
    whyNotRotated:
      'Rotating the webhook secret key is an operation with an order (put the new value, recycle the sender and ' +
      'then the functions that seal, let the sender seal every row again, retire AWSPREVIOUS); a rotation Lambda ' +
      'cannot recycle warm functions. Procedure: docs/webhooks.md, "Rotating the key".',
  });
  return { jwtSecret, webhookSecretKey };
}
