/**
 * The notification sender as a Lambda (AWS). Its SQS event source delivers the notifications queue (job and stream
 * events from the worker and the stream service, and delayed `due` wake-ups for retries within 15 min); an
 * EventBridge schedule invokes it every minute to sweep the deliveries table for later retries. A message that
 * fails is reported in batchItemFailures and comes back (the dead-letter queue after a few receives); a message
 * that is not a notification is logged and dropped. Pushes go to events sockets through @connections. Each scheduled
 * run also seals the webhook secrets not yet under the current key (docs/webhooks.md, "How secrets are stored").
 */
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoConnections } from '../adapters/dynamo-connections.ts';
import { dispatch } from '../core/notifications/dispatch.ts';
import { parseNotification } from '../core/notifications/message.ts';
import { deliverDue, pruneDeliveries } from '../core/webhooks/deliver.ts';
import { getSenderConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import { buildSenderDeps, type Sender } from './sender-deps.ts';

const log = getLogger('notifications');
let sender: Sender | undefined;

function senderDeps(): Sender {
  if (sender) return sender;
  const config = getSenderConfig();
  if (!config.CONNECTIONS_TABLE) throw new Error('CONNECTIONS_TABLE is not set');
  const connections = new DynamoConnections(config.CONNECTIONS_TABLE, {
    region: config.AWS_REGION,
    endpoint: config.DYNAMODB_ENDPOINT,
    callbackUrl: config.EVENTS_CALLBACK_URL,
  });
  return (sender = buildSenderDeps(config, connections));
}

/** Sweeps at most this many due deliveries per scheduled run (each attempt is bounded by WEBHOOK_TIMEOUT_MS). */
const SWEEP_BATCHES = 5;

export async function handler(event: SQSEvent | { source?: string }): Promise<SQSBatchResponse | void> {
  await resolveSecrets();
  const { deps: d, resealSecrets } = senderDeps();
  if (!('Records' in event)) {
    for (let i = 0; i < SWEEP_BATCHES; i++) if ((await deliverDue(d, 20)) < 20) break;
    // The schedule runs every minute; the delivery log is pruned once an hour.
    if (new Date().getUTCMinutes() === 0) await pruneDeliveries(d);
    // Finds nothing to do in one read once everything is sealed under the current key.
    await resealSecrets().catch((error) =>
      log.error('webhook secret sweep failed', { error: (error as Error).message }),
    );
    return;
  }
  const failures: SQSBatchItemFailure[] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      const n = parseNotification(record.body);
      if (!n) {
        log.warn('notification dropped: not a valid message', { messageId: record.messageId });
        return;
      }
      try {
        await dispatch(d, n);
      } catch (error) {
        log.error('notification failed', { messageId: record.messageId, error: (error as Error).message });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}
