/**
 * The sender as the local stack runs it: configuration read once, the notifications queue as its source, and the
 * in-process events server as its pusher.
 */
import { createSqsClient, SqsMessageSource } from '../adapters/sqs-message-source.ts';
import type { ConnectionPusher } from '../ports/notifications.ts';
import { getSenderConfig } from '../shared/config.ts';
import { startLocalSender } from './local-sender.ts';
import { buildSenderDeps } from './sender-deps.ts';

export function startNotificationSender(connections: ConnectionPusher): { stop(): Promise<void> } {
  const config = getSenderConfig();
  const { deps, close } = buildSenderDeps(config, connections);
  if (!config.NOTIFICATIONS_QUEUE_URL) throw new Error('the local stack sets NOTIFICATIONS_QUEUE_URL');
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  const sender = startLocalSender(deps, new SqsMessageSource(sqs, config.NOTIFICATIONS_QUEUE_URL));
  return {
    async stop() {
      await sender.stop();
      await close();
      sqs.destroy();
    },
  };
}
