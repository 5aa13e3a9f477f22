/**
 * The detector as a Lambda function (CPU mode): an SQS event source delivers S3 event notifications, each record
 * is handed to the domain's `processUpload`, and the outcome becomes a partial batch response. 'completed',
 * 'failed' and 'ignored' succeed (Lambda deletes the message); 'retry', an infrastructure error, or a message that
 * is not an S3 notification are reported in batchItemFailures, so the message comes back after a back-off and, after
 * maxReceiveCount receives, moves to the dead-letter queue. While a job runs, the message's visibility is extended
 * like the container worker does.
 *
 * Nothing is aborted before the function timeout: if a job outlives it, the job keeps its lease and the redelivered
 * message finds it again once the lease has expired (after WORKER_MAX_ATTEMPTS, it ends `attempts_exhausted`).
 * Requires the event source mapping setting ReportBatchItemFailures (infra/lib/detector-cpu.ts).
 */
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { messageSourceFromConfig } from '../adapters/factory.ts';
import { processUpload, type ProcessOutcome } from '../core/jobs/process-upload.ts';
import type { MessageSource, QueueMessage } from '../ports/queue.ts';
import { getWorkerConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import { ensureModel } from './model-source.ts';
import { buildProcessDeps } from './process-deps.ts';
import { parseS3Message } from './s3-event.ts';

const log = getLogger('lambda-worker');

export interface SqsJobRuntime {
  bucket: string;
  visibilityTimeoutSeconds: number;
  source: Pick<MessageSource, 'extend' | 'retry'>;
  process(key: string, options: { heartbeat: () => Promise<void> }): Promise<ProcessOutcome>;
}

function toMessage(record: SQSRecord): QueueMessage {
  return {
    id: record.messageId,
    body: record.body,
    receiptHandle: record.receiptHandle,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1,
  };
}

/** Handles one record; true when the message is done with (Lambda deletes it), false to report it as failed. */
async function handleRecord(runtime: SqsJobRuntime, record: SQSRecord): Promise<boolean> {
  const message = toMessage(record);
  const parsed = parseS3Message(message.body);
  if (parsed.kind === 'test') {
    log.info('S3 test event received');
    return true;
  }
  if (parsed.kind === 'invalid') {
    // Not ours to delete: after maxReceiveCount the redrive policy moves it to the DLQ, where it can be inspected.
    log.error('invalid message left for the dead-letter queue', {
      messageId: message.id,
      reason: parsed.reason,
    });
    await runtime.source.retry(message, Math.min(60, 5 * message.receiveCount)).catch(() => undefined);
    return false;
  }
  let retry = false;
  for (const object of parsed.objects) {
    if (object.bucket !== runtime.bucket || !object.eventName.startsWith('ObjectCreated:')) continue;
    try {
      const outcome = await runtime.process(object.key, {
        heartbeat: () => runtime.source.extend(message, runtime.visibilityTimeoutSeconds),
      });
      if (outcome.outcome === 'retry') retry = true;
      else if (outcome.outcome === 'ignored')
        log.info('object ignored', { key: object.key, reason: outcome.reason });
    } catch (error) {
      // Postgres or S3 unreachable before the job could even be claimed: try the message again later.
      retry = true;
      log.error('processing error; message will be retried', {
        key: object.key,
        error: (error as Error).message,
      });
    }
  }
  if (!retry) return true;
  const delay = Math.min(300, 10 * 2 ** (message.receiveCount - 1));
  await runtime.source
    .retry(message, delay)
    .catch((error) => log.warn('retry visibility failed', { error: (error as Error).message }));
  return false;
}

/** Builds the SQS handler around a runtime that is created on first use (and again after a failed start). */
export function createSqsJobHandler(getRuntime: () => Promise<SqsJobRuntime>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const runtime = await getRuntime();
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of event.Records) {
      if (!(await handleRecord(runtime, record)))
        batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  };
}

async function start(): Promise<SqsJobRuntime> {
  await ensureModel();
  await resolveSecrets();
  const config = getWorkerConfig();
  const { deps, detector } = await buildProcessDeps(config);
  log.info('detector function ready', {
    model: detector.manifest.name,
    version: detector.manifest.version,
    device: detector.device,
  });
  return {
    bucket: config.UPLOAD_BUCKET,
    visibilityTimeoutSeconds: config.WORKER_VISIBILITY_TIMEOUT_SECONDS,
    source: messageSourceFromConfig(config),
    process: (key, options) => processUpload(deps, { key }, options),
  };
}

let runtime: Promise<SqsJobRuntime> | undefined;

// Started inside the first invocation rather than at module load: loading a large model can outlast Lambda's
// 10-second init phase, while the invocation has the whole function timeout.
export const handler = createSqsJobHandler(
  () =>
    (runtime ??= start().catch((error: unknown) => {
      runtime = undefined;
      log.error('detector function failed to start', { error: (error as Error).message });
      throw error;
    })),
);
