/** Webhook endpoints (per user) and the SSRF policy their URLs are checked against. */
import { resolveHost } from '../../adapters/webhook-transport.ts';
import type { WebhookDeps } from '../../core/webhooks/webhooks.ts';
import type { ApiConfig } from '../../shared/config.ts';
import { webhookRepository } from './postgres.ts';

export const webhookDeps = (c: ApiConfig): WebhookDeps => ({
  webhooks: webhookRepository(c),
  policy: c.WEBHOOK_URL_POLICY,
  resolve: resolveHost,
  maxPerUser: c.WEBHOOK_MAX_PER_USER,
});
