/**
 * The S3 → SQS bridge: the only glue the local stack adds. In AWS, S3's bucket notification sends these messages
 * itself; here each object created under `uploads/` becomes exactly the message S3 would send (event notification
 * JSON, URL-encoded key), and one `s3:TestEvent` is sent at start-up, as S3 does when a notification is configured.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UPLOAD_PREFIX } from '../core/jobs/object-key.ts';
import { getLogger } from '../shared/logger.ts';
import { s3EventNotification, s3TestEvent } from './s3-notifications.ts';
import type { S3rverRecord } from './s3.ts';

const log = getLogger('s3-bridge');

export class S3ToSqsBridge {
  private pending = new Set<Promise<unknown>>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly bucket: string,
    private readonly region: string,
  ) {}

  async sendTestEvent(): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: s3TestEvent(this.bucket) }),
    );
  }

  /** Called for each object-created event s3rver emits (keys arrive decoded). */
  onObjectCreated = (record: S3rverRecord): void => {
    const { bucket, object } = record.s3;
    if (bucket.name !== this.bucket || !object.key.startsWith(UPLOAD_PREFIX)) return;
    const sent = this.send(
      object.key,
      object.size ?? 0,
      record.eventName,
      0,
      object.eTag,
      record.requestParameters?.sourceIPAddress,
    )
      .catch((error) =>
        log.error('could not forward S3 event to SQS', { key: object.key, error: (error as Error).message }),
      )
      .finally(() => this.pending.delete(sent));
    this.pending.add(sent);
  };

  /** Sends the notification for one object, optionally delayed (SQS DelaySeconds, at most 900). */
  async send(
    key: string,
    size: number,
    eventName: string,
    delaySeconds = 0,
    eTag?: string,
    sourceIp?: string,
  ): Promise<void> {
    const body = s3EventNotification({
      bucket: this.bucket,
      key,
      size,
      eTag,
      eventName,
      region: this.region,
      sourceIp,
    });
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        DelaySeconds: Math.min(900, Math.max(0, delaySeconds)),
      }),
    );
  }

  /** Waits for events already forwarded (shutdown). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
