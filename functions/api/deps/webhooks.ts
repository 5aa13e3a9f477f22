/**
 * Webhook endpoints with their secrets, and the SSRF policy their URLs are checked against. Only the routes that
 * create or rotate a secret use this module: they alone read WEBHOOK_SECRET_KEY (in AWS only their role may read
 * the key's secret; functions/api/routes.ts marks them).
 */
import { PostgresWebhookRepository } from '../../adapters/postgres/webhook-repository.ts';
import { webhookSecretBox } from '../../adapters/postgres/webhook-secrets.ts';
import { resolveHost } from '../../adapters/webhook-transport.ts';
import type { WebhookDeps } from '../../core/webhooks/webhooks.ts';
import { getWebhookSecretsConfig, type ApiConfig, type ConfigOf } from '../../shared/config.ts';
import { pool } from './postgres.ts';
import { perProcess } from './process.ts';

export const webhookRepository = (c: ConfigOf<'database'>) =>
  perProcess(
    'webhooks',
    () => new PostgresWebhookRepository(pool(c), webhookSecretBox(getWebhookSecretsConfig())),
  );

export const webhookDeps = (c: ApiConfig): WebhookDeps => ({
  webhooks: webhookRepository(c),
  policy: c.WEBHOOK_URL_POLICY,
  resolve: resolveHost,
  maxPerUser: c.WEBHOOK_MAX_PER_USER,
});
