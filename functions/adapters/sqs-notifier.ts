import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Notification, Notifier } from '../ports/notifications.ts';

/** Notifications as messages on the notifications queue (delayed up to SQS's 15 min for retry wake-ups). */
export class SqsNotifier implements Notifier {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(notification: Notification, delaySeconds = 0): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(notification),
        DelaySeconds: Math.min(900, Math.max(0, Math.round(delaySeconds))),
      }),
    );
  }
}
