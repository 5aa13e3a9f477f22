/**
 * The sender as the local stack runs it: configuration read once, the notifications queue as its source, and the
 * in-process events server as its pusher. At start it seals the webhook secrets not yet under the current key:
 * rows from before sealing, or from before a change of WEBHOOK_SECRET_KEY (which takes a restart).
 */
import { createSqsClient, SqsMessageSource } from '../adapters/sqs-message-source.ts';
import { dispatch } from '../core/notifications/dispatch.ts';
import type { ConnectionPusher, Notification } from '../ports/notifications.ts';
import { getSenderConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { startLocalSender } from './local-sender.ts';
import { buildSenderDeps } from './sender-deps.ts';

export function startNotificationSender(connections: ConnectionPusher): {
  /** Handles a notification now, as if it had come from the queue (start-up recovery). */
  announce(notification: Notification): Promise<void>;
  stop(): Promise<void>;
} {
  const config = getSenderConfig();
  const { deps, close, resealSecrets } = buildSenderDeps(config, connections);
  if (!config.NOTIFICATIONS_QUEUE_URL) throw new Error('the local stack sets NOTIFICATIONS_QUEUE_URL');
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  const sender = startLocalSender(deps, new SqsMessageSource(sqs, config.NOTIFICATIONS_QUEUE_URL));
  // Locally nothing sweeps again until the next start: go on while a pass stops at its limit having sealed some.
  const sealing = (async () => {
    let report = await resealSecrets();
    while (report.more && report.updated > 0) report = await resealSecrets();
  })().catch((error) =>
    getLogger('notifications').error('webhook secret sweep failed', { error: (error as Error).message }),
  );
  return {
    announce: (notification) => dispatch(deps, notification),
    async stop() {
      await sealing;
      await sender.stop();
      await close();
      sqs.destroy();
    },
  };
}
