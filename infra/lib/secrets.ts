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

export function addAppSecrets(stack: Stack): AppSecrets {
  const jwtSecret = new secretsmanager.Secret(stack, 'JwtSecret', {
    description: 'RealTone JWT signing key (HS256)',
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
  });
  Validations.of(jwtSecret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'Rotating the JWT signing key signs every user out and needs all warm functions to reload it; it is ' +
      'rotated deliberately by redeploying (docs/deploy.md, "Rotating secrets").',
  });
  const webhookSecretKey = new secretsmanager.Secret(stack, 'WebhookSecretKey', {
    description: 'RealTone key that seals webhook signing secrets in the database (HKDF-SHA256, AES-256-GCM)',
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
    // The database is kept as a final snapshot when the stack goes; its webhook secrets open only with this key.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(webhookSecretKey).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'Rotating the webhook secret key is an operation with an order (put the new value, recycle the sender and ' +
      'then the functions that seal, let the sender seal every row again, retire AWSPREVIOUS); a rotation Lambda ' +
      'cannot recycle warm functions. Procedure: docs/webhooks.md, "Rotating the key".',
  });
  return { jwtSecret, webhookSecretKey };
}
