/**
 * Composition of the notification sender from typed configuration: Postgres (jobs, webhooks, deliveries), S3 (the
 * presigned manifest link in job views), the notifications queue (retry wake-ups), the outbound HTTP transport and
 * the events-socket pusher, which the caller provides (in-process locally, @connections in AWS).
 */
import { PostgresJobRepository } from '../adapters/postgres/job-repository.ts';
import { PostgresWebhookRepository } from '../adapters/postgres/webhook-repository.ts';
import { poolFromConfig } from '../adapters/postgres/pool.ts';
import { objectStoreFromConfig } from '../adapters/s3-object-store.ts';
import { createSqsClient } from '../adapters/sqs-message-source.ts';
import { SqsNotifier } from '../adapters/sqs-notifier.ts';
import { HttpWebhookTransport, resolveHost } from '../adapters/webhook-transport.ts';
import type { DispatchDeps } from '../core/notifications/dispatch.ts';
import { ManifestLinks } from '../core/jobs/manifest-links.ts';
import { NO_NOTIFIER, type ConnectionPusher } from '../ports/notifications.ts';
import type { SenderConfig } from '../shared/config.ts';

export function buildSenderDeps(
  config: SenderConfig,
  connections: ConnectionPusher,
): { deps: DispatchDeps; close(): Promise<void> } {
  const pool = poolFromConfig(config);
  const storage = objectStoreFromConfig(config);
  const sqs = config.NOTIFICATIONS_QUEUE_URL
    ? createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT })
    : undefined;
  const deps: DispatchDeps = {
    jobs: new PostgresJobRepository(pool),
    webhooks: new PostgresWebhookRepository(pool),
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
    async close() {
      await pool.end().catch(() => undefined);
      sqs?.destroy();
    },
  };
}
