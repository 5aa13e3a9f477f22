/**
 * Composition of the notification sender from typed configuration: Postgres (jobs, webhooks, deliveries; webhook
 * secrets sealed under WEBHOOK_SECRET_KEY), S3 (the presigned manifest link in job views), the notifications queue
 * (retry wake-ups), the outbound HTTP transport and the events-socket pusher, which the caller provides (in-process
 * locally, @connections in AWS).
 */
import { PostgresJobRepository } from '../adapters/postgres/job-repository.ts';
import { PostgresWebhookRepository } from '../adapters/postgres/webhook-repository.ts';
import { webhookSecretBox, type ResealReport } from '../adapters/postgres/webhook-secrets.ts';
import { poolFromConfig } from '../adapters/postgres/pool.ts';
import { objectStoreFromConfig } from '../adapters/s3-object-store.ts';
import { createSqsClient } from '../adapters/sqs-message-source.ts';
import { SqsNotifier } from '../adapters/sqs-notifier.ts';
import { HttpWebhookTransport, resolveHost } from '../adapters/webhook-transport.ts';
import type { DispatchDeps } from '../core/notifications/dispatch.ts';
import { ManifestLinks } from '../core/jobs/manifest-links.ts';
import { NO_NOTIFIER, type ConnectionPusher } from '../ports/notifications.ts';
import type { SenderConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';

const log = getLogger('notifications');

export interface Sender {
  deps: DispatchDeps;
  /**
   * Seals, under the current key, the webhook secrets stored in plaintext (from before sealing) or under the
   * previous key, and logs what it did; run at start (local stack) or on the schedule (AWS).
   */
  resealSecrets(): Promise<ResealReport>;
  close(): Promise<void>;
}

export function buildSenderDeps(config: SenderConfig, connections: ConnectionPusher): Sender {
  const pool = poolFromConfig(config);
  const storage = objectStoreFromConfig(config);
  const sqs = config.NOTIFICATIONS_QUEUE_URL
    ? createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT })
    : undefined;
  const webhooks = new PostgresWebhookRepository(pool, webhookSecretBox(config));
  const deps: DispatchDeps = {
    jobs: new PostgresJobRepository(pool),
    webhooks,
    manifestLinks: new ManifestLinks(storage, config.MANIFEST_URL_TTL_SECONDS),
    connections,
    transport: new HttpWebhookTransport(),
    resolve: resolveHost,
    policy: config.WEBHOOK_URL_POLICY,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    notifier: sqs ? new SqsNotifier(sqs, config.NOTIFICATIONS_QUEUE_URL!) : NO_NOTIFIER,
  };
  return {
    deps,
    async resealSecrets() {
      const report = await webhooks.resealStale();
      // Which rows and why, never a value: the operator restores the key that sealed them (docs/webhooks.md).
      for (const { id, reason } of report.unreadable)
        log.error('webhook secret unreadable', { code: 'secret_unreadable', webhookId: id, reason });
      if (report.updated || report.unreadable.length || report.more)
        log.info('webhook secrets sealed under the current key', {
          keyId: report.keyId,
          updated: report.updated,
          unreadable: report.unreadable.length,
          more: report.more,
        });
      return report;
    },
    async close() {
      await pool.end().catch(() => undefined);
      sqs?.destroy();
    },
  };
}
