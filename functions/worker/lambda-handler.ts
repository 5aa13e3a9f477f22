/**
 * The detector as a Lambda function (CPU mode): an SQS event source delivers S3 event notifications. Each record
 * goes through the same message handler as the container worker (message-handler.ts); Powertools' batch processor
 * turns the results into the partial batch response: a message the handler is done with succeeds (Lambda deletes
 * it), one that must come back is reported in batchItemFailures (its visibility already set to the back-off) and,
 * after maxReceiveCount receives, moves to the dead-letter queue. Records run one after another, like the worker's
 * loop (a Lambda instance has one model and its CPU share). While a job runs, the heartbeat extends its lease and
 * the message's visibility (the short visibility timeout is what lets a crashed invocation's job restart quickly).
 *
 * Nothing is aborted before the function timeout: if a job outlives it, the heartbeat stops with it, and the
 * redelivered message finds the job again once its short lease has expired (after WORKER_MAX_ATTEMPTS, it ends
 * `attempts_exhausted`). Requires the event source mapping setting ReportBatchItemFailures
 * (infra/lib/detector-cpu.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { messageSourceFromConfig } from '../adapters/sqs-message-source.ts';
import { processUpload } from '../core/jobs/process-upload.ts';
import type { QueueMessage } from '../ports/queue.ts';
import { getWorkerConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import { handleJobMessage, type JobMessageContext } from './message-handler.ts';
import { ensureModel } from './model-source.ts';
import { buildProcessDeps } from './process-deps.ts';

const log = getLogger('lambda-worker');

export type SqsJobRuntime = JobMessageContext;

function toMessage(record: SQSRecord): QueueMessage {
  return {
    id: record.messageId,
    body: record.body,
    receiptHandle: record.receiptHandle,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1,
  };
}

/** A record the handler wants back; the batch processor reports it in batchItemFailures. */
class MessageComesBack extends Error {
  constructor(messageId: string) {
    super(`message ${messageId} will be received again`);
  }
}

/** Builds the SQS handler around a runtime that is created on first use (and again after a failed start). */
export function createSqsJobHandler(getRuntime: () => Promise<SqsJobRuntime>) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const runtime = await getRuntime();
    const processor = new BatchProcessor(EventType.SQS);
    const record = async (r: SQSRecord) => {
      if ((await handleJobMessage(runtime, toMessage(r))) === 'retry')
        throw new MessageComesBack(r.messageId);
    };
    // Every record failing is an answer like any other (each already has its back-off), not a function error.
    return processPartialResponse(event, record, processor, {
      ...(context ? { context } : {}),
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
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
    holdOnStart: true,
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
