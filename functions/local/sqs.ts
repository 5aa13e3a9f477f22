/**
 * Local SQS: fauxqs 1.9 (its 2.x needs Node 22), listened on 127.0.0.1 by us because its own start helper binds
 * 0.0.0.0; or an SQS emulator already running elsewhere (LOCAL_SQS_ENDPOINT). Creates the jobs queue and the
 * notifications queue, each with a redrive policy to a dead-letter queue, through the SQS API, as the CDK stack does
 * in AWS. `createQueues` is also how the queue watch (queue-watch.ts) puts them back after the emulator restarted
 * empty.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

export interface LocalQueues {
  endpoint: string;
  jobsQueueUrl: string;
  deadLetterQueueUrl: string;
  /** Job and stream events for the notification sender (webhooks, events sockets). */
  notificationsQueueUrl: string;
  /** Creates the queues again (idempotent: same names, same attributes, same URLs). */
  recreate: () => Promise<void>;
  stop: () => Promise<void>;
}

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

/** Creates a queue redriving to its own dead-letter queue; returns both URLs. */
async function queueWithDlq(sqs: SQSClient, name: string, visibility: number, maxReceiveCount: number) {
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(visibility),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  return { url: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
}

/** Creates the jobs and notifications queues with their dead-letter queues; returns their URLs. */
export async function createQueues(sqs: SQSClient, settings: QueueSettings) {
  const jobs = await queueWithDlq(
    sqs,
    'realtone-jobs',
    settings.visibilityTimeoutSeconds,
    settings.maxReceiveCount,
  );
  const notifications = await queueWithDlq(sqs, 'realtone-notifications', 60, 5);
  return {
    jobsQueueUrl: jobs.url,
    deadLetterQueueUrl: jobs.dlqUrl,
    notificationsQueueUrl: notifications.url,
  };
}

export async function startSqs(
  options: QueueSettings & {
    port: number;
    /** An SQS endpoint already running: used as it is, nothing is started. */
    endpoint?: string;
    client: (endpoint: string) => SQSClient;
  },
): Promise<LocalQueues> {
  // No `host` option: queue URLs then carry the request's host (127.0.0.1:port), which is what clients dial.
  const app = options.endpoint ? undefined : buildApp({ logger: false });
  const endpoint =
    options.endpoint ??
    (await app!.listen({ port: options.port, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  const sqs = options.client(endpoint);
  const urls = await createQueues(sqs, options);
  return {
    endpoint,
    ...urls,
    recreate: async () => void (await createQueues(sqs, options)),
    stop: async () => {
      sqs.destroy();
      await app?.close();
    },
  };
}
