/**
 * The sender as the local stack runs it: configuration read once, the notifications queue as its source, and the
 * in-process events server as its pusher.
 */
import { createSqsClient, SqsMessageSource } from '../adapters/sqs-message-source.ts';
import { dispatch } from '../core/notifications/dispatch.ts';
import type { ConnectionPusher, Notification } from '../ports/notifications.ts';
import { getSenderConfig } from '../shared/config.ts';
import { startLocalSender } from './local-sender.ts';
import { buildSenderDeps } from './sender-deps.ts';

export function startNotificationSender(connections: ConnectionPusher): {
  /** Handles a notification now, as if it had come from the queue (start-up recovery). */
  announce(notification: Notification): Promise<void>;
  stop(): Promise<void>;
} {
  const config = getSenderConfig();
  const { deps, close } = buildSenderDeps(config, connections);
  if (!config.NOTIFICATIONS_QUEUE_URL) throw new Error('the local stack sets NOTIFICATIONS_QUEUE_URL');
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  const sender = startLocalSender(deps, new SqsMessageSource(sqs, config.NOTIFICATIONS_QUEUE_URL));
  return {
    announce: (notification) => dispatch(deps, notification),
    async stop() {
      await sender.stop();
      await close();
      sqs.destroy();
    },
  };
}
