/**
 * Composition root of the detector worker: configuration, adapters, model, and the queue consumer. Used by the
 * container entry point (main.ts) and by the local stack, which runs the same worker in-process.
 */
import {
  keyValueFromConfig,
  messageSourceFromConfig,
  objectStoreFromConfig,
  poolFromConfig,
} from '../adapters/factory.ts';
import { PostgresJobRepository } from '../adapters/postgres/job-repository.ts';
import { processUpload, type ProcessDeps } from '../core/jobs/process-upload.ts';
import { OnnxDetector } from '../inference/onnx-detector.ts';
import { getWorkerConfig, resolveProjectPath, type WorkerConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import { QueueWorker } from './queue-worker.ts';

const log = getLogger('worker');

export interface WorkerRuntime {
  worker: QueueWorker;
  config: WorkerConfig;
  detector: OnnxDetector;
  /** Drains the consumer, then closes the model, the pool and the cache. */
  stop(): Promise<void>;
}

export async function startWorker(config?: WorkerConfig): Promise<WorkerRuntime> {
  await resolveSecrets();
  config ??= getWorkerConfig();
  // Load the model first: a model that disagrees with its manifest stops the worker here, before any message.
  const detector = await OnnxDetector.load(resolveProjectPath(config.MODEL_MANIFEST), {
    threads: config.INFERENCE_THREADS,
    device: config.INFERENCE_DEVICE,
  });
  const pool = poolFromConfig(config);
  const kv = keyValueFromConfig(config);
  const visibility = config.WORKER_VISIBILITY_TIMEOUT_SECONDS;
  const deps: ProcessDeps = {
    jobs: new PostgresJobRepository(pool),
    cache: kv.cache,
    storage: objectStoreFromConfig(config),
    detector,
    limits: { maxUploadBytes: config.MAX_UPLOAD_BYTES, maxDurationS: config.MAX_DURATION_SECONDS },
    // The lease ends a little before the message reappears, so a redelivered message finds the lease expired.
    leaseSeconds: Math.max(5, visibility - 5),
    maxAttempts: config.WORKER_MAX_ATTEMPTS,
    resultTtlSeconds: config.RESULT_TTL_SECONDS,
    verdict: {
      fraction: config.VERDICT_TOP_FRACTION,
      thresholds: {
        likely_fake: config.VERDICT_LIKELY_FAKE ?? detector.manifest.thresholds.likely_fake,
        fake: config.VERDICT_FAKE ?? detector.manifest.thresholds.fake,
      },
    },
  };
  const worker = new QueueWorker({
    source: messageSourceFromConfig(config),
    process: (key, options) => processUpload(deps, { key }, options),
    bucket: config.UPLOAD_BUCKET,
    visibilityTimeoutSeconds: visibility,
    waitSeconds: config.WORKER_WAIT_SECONDS,
    concurrency: config.WORKER_CONCURRENCY,
  });
  worker.start();
  log.info('worker started', {
    model: detector.manifest.name,
    version: detector.manifest.version,
    device: detector.device,
    concurrency: config.WORKER_CONCURRENCY,
  });
  return {
    worker,
    config,
    detector,
    async stop() {
      await worker.drain(config.WORKER_DRAIN_SECONDS * 1000);
      await Promise.allSettled([detector.close(), pool.end(), kv.close()]);
      log.info('worker stopped', worker.stats);
    },
  };
}
