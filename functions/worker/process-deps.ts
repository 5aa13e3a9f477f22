/**
 * Builds what `processUpload` needs from the worker configuration: the model, Postgres, the status cache and S3.
 * The same wiring as runtime.ts (which the container worker and the local stack use), shared with the Lambda
 * handler; runtime.ts can switch to it without changing its exported API.
 */
import { keyValueFromConfig } from '../adapters/factory.ts';
import { processMetrics } from '../adapters/metrics-factory.ts';
import { PostgresJobRepository } from '../adapters/postgres/job-repository.ts';
import { poolFromConfig } from '../adapters/postgres/pool.ts';
import { objectStoreFromConfig } from '../adapters/s3-object-store.ts';
import { createSqsClient } from '../adapters/sqs-message-source.ts';
import { SqsNotifier } from '../adapters/sqs-notifier.ts';
import type { ProcessDeps } from '../core/jobs/process-upload.ts';
import { InferenceQueue } from '../core/pipeline/inference-queue.ts';
import { detectorOptions, loadDetector } from '../inference/load-detector.ts';
import type { Detector } from '../ports/detector.ts';
import { extractorCatalogFromConfig } from './extractor-catalog.ts';
import type { VerdictPolicy } from '../core/detection/verdict.ts';
import type { ModelManifest } from '../inference/manifest.ts';
import { resolveProjectPath, type ConfigOf, type WorkerConfig } from '../shared/config.ts';

export interface WorkerDeps {
  deps: ProcessDeps;
  detector: Detector;
  /** The process's one inference queue: the stream and gRPC servers in the same process share it. */
  inference: InferenceQueue;
  /** Closes the model, the pool and the cache. */
  close(): Promise<void>;
}

/** The overall policy: configured fraction and thresholds, else the model manifest's thresholds. */
export function verdictFromConfig(config: ConfigOf<'verdict'>, manifest: ModelManifest): VerdictPolicy {
  return {
    fraction: config.VERDICT_TOP_FRACTION,
    thresholds: {
      likely_fake: config.VERDICT_LIKELY_FAKE ?? manifest.thresholds.likely_fake,
      fake: config.VERDICT_FAKE ?? manifest.thresholds.fake,
    },
  };
}

export { extractorCatalogFromConfig };

export async function buildProcessDeps(config: WorkerConfig): Promise<WorkerDeps> {
  // The model first: a model that disagrees with its manifest stops start-up before any message is taken.
  const detector = await loadDetector(resolveProjectPath(config.MODEL_MANIFEST), detectorOptions(config));
  const { metrics } = await processMetrics(config);
  const inference = new InferenceQueue(detector, {
    maxBatch: config.INFERENCE_MAX_BATCH,
    maxWaitMs: config.INFERENCE_MAX_WAIT_MS,
    onBatch: (windows, ms) => {
      metrics.increment('realtone_windows_total', {}, windows);
      metrics.observe('realtone_inference_batch_windows', windows);
      metrics.increment('realtone_inference_busy_seconds_total', {}, ms / 1000);
    },
  });
  metrics.set('realtone_inference_runners', inference.concurrency);
  const extractors = await extractorCatalogFromConfig(config);
  const pool = poolFromConfig(config);
  const kv = keyValueFromConfig(config);
  const sqs = config.NOTIFICATIONS_QUEUE_URL
    ? createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT })
    : undefined;
  const deps: ProcessDeps = {
    jobs: new PostgresJobRepository(pool),
    cache: kv.cache,
    storage: objectStoreFromConfig(config),
    inference,
    limits: { maxUploadBytes: config.MAX_UPLOAD_BYTES, maxDurationS: config.MAX_DURATION_SECONDS },
    // The lease ends a little before the message reappears, so a redelivered message finds the lease expired.
    leaseSeconds: Math.max(5, config.WORKER_VISIBILITY_TIMEOUT_SECONDS - 5),
    maxAttempts: config.WORKER_MAX_ATTEMPTS,
    resultTtlSeconds: config.RESULT_TTL_SECONDS,
    verdict: verdictFromConfig(config, detector.manifest),
    extractors,
    metrics,
    ...(sqs ? { notifier: new SqsNotifier(sqs, config.NOTIFICATIONS_QUEUE_URL!) } : {}),
  };
  return {
    deps,
    detector,
    inference,
    async close() {
      await Promise.allSettled([detector.close(), extractors.close(), pool.end(), kv.close()]);
      sqs?.destroy();
    },
  };
}
