/**
 * Local SQS: fauxqs 1.9 (its 2.x needs Node 22), listened on 127.0.0.1 by us because its own start helper binds
 * 0.0.0.0. Creates the jobs queue with a redrive policy to a dead-letter queue, through the SQS API, as the CDK
 * stack does in AWS.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

export interface LocalQueues {
  endpoint: string;
  jobsQueueUrl: string;
  deadLetterQueueUrl: string;
  /** Job and stream events for the notification sender (webhooks, events sockets). */
  notificationsQueueUrl: string;
  stop: () => Promise<void>;
}

export async function startSqs(options: {
  port: number;
  client: (endpoint: string) => SQSClient;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}): Promise<LocalQueues> {
  // No `host` option: queue URLs then carry the request's host (127.0.0.1:port), which is what clients dial.
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: options.port, host: '127.0.0.1' });
  const endpoint = address.replace('localhost', '127.0.0.1');
  const sqs = options.client(endpoint);
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'realtone-jobs-dlq',
      Attributes: { MessageRetentionPeriod: '1209600' },
    }),
  );
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  const jobs = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'realtone-jobs',
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount,
        }),
      },
    }),
  );
  const notificationsDlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'realtone-notifications-dlq',
      Attributes: { MessageRetentionPeriod: '1209600' },
    }),
  );
  const notificationsDlqArn = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: notificationsDlq.QueueUrl!, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes!.QueueArn!;
  const notifications = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'realtone-notifications',
      Attributes: {
        VisibilityTimeout: '60',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: notificationsDlqArn, maxReceiveCount: 5 }),
      },
    }),
  );
  return {
    endpoint,
    jobsQueueUrl: jobs.QueueUrl!,
    notificationsQueueUrl: notifications.QueueUrl!,
    deadLetterQueueUrl: dlq.QueueUrl!,
    stop: async () => {
      sqs.destroy();
      await app.close();
    },
  };
}
