import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { MessageSource, QueueMessage } from '../ports/queue.ts';
import type { ConfigOf } from '../shared/config.ts';

export function createSqsClient(options: { region: string; endpoint?: string }): SQSClient {
  return new SQSClient({
    region: options.region,
    // A configured endpoint (emulator, proxy, VPC endpoint) is where requests go, whatever host the queue URL names.
    ...(options.endpoint ? { endpoint: options.endpoint, useQueueUrlAsEndpoint: false } : {}),
  });
}

export class SqsMessageSource implements MessageSource {
  /**
   * Sends the message to the back of the queue, visible after `seconds` (SQS allows up to 900), as a new message:
   * a deferral is not a failed attempt, so it must not count towards the dead-letter queue's maxReceiveCount. The
   * copy is sent before the original is deleted; a crash in between leaves a duplicate, which finds its job claimed
   * or finished and is dropped.
   */
  async defer(message: QueueMessage, seconds: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: message.body,
        DelaySeconds: Math.min(900, Math.max(0, Math.round(seconds))),
      }),
    );
    await this.ack(message);
  }

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<QueueMessage[]> {
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      { abortSignal: signal },
    );
    return (out.Messages ?? []).map((m) => ({
      id: m.MessageId ?? '',
      body: m.Body ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
    }));
  }

  async ack(message: QueueMessage): Promise<void> {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle }),
    );
  }

  async extend(message: QueueMessage, seconds: number): Promise<void> {
    await this.visibility(message, seconds);
  }

  async retry(message: QueueMessage, seconds: number): Promise<void> {
    await this.visibility(message, seconds);
  }

  private async visibility(message: QueueMessage, seconds: number) {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }
}

export function messageSourceFromConfig(c: ConfigOf<'aws' | 'queue'>): SqsMessageSource {
  return new SqsMessageSource(
    createSqsClient({ region: c.AWS_REGION, endpoint: c.SQS_ENDPOINT }),
    c.JOBS_QUEUE_URL,
  );
}
