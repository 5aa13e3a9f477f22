/**
 * Composition root of the detector worker: configuration, adapters, model, and the queue consumer. Used by the
 * container entry point (main.ts) and by the local stack, which runs the same worker in-process.
 */
import { processUpload, type ProcessDeps } from '../core/jobs/process-upload.ts';
import type { InferenceQueue } from '../core/pipeline/inference-queue.ts';
import type { Detector } from '../ports/detector.ts';
import { getWorkerConfig, type WorkerConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import { jobSourceFromConfig } from './job-source.ts';
import { buildProcessDeps } from './process-deps.ts';
import { QueueWorker } from './queue-worker.ts';
import { withTaskProtection } from './task-protection.ts';

const log = getLogger('worker');

export interface WorkerRuntime {
  worker: QueueWorker;
  config: WorkerConfig;
  detector: Detector;
  /** The shared inference queue (the stream and gRPC servers in this process use it too). */
  inference: InferenceQueue;
  /** What processUpload runs on (job repository, verdict policy…), for services sharing this process. */
  deps: ProcessDeps;
  /** Drains the consumer, then closes the model, the pool and the cache. */
  stop(): Promise<void>;
}

/**
 * `consume: false` loads the model and everything a job needs but takes nothing from the queue (a local stack whose
 * jobs are run by separately started workers; its stream service still uses the model).
 */
export async function startWorker(
  config?: WorkerConfig,
  options: { consume?: boolean } = {},
): Promise<WorkerRuntime> {
  await resolveSecrets();
  config ??= getWorkerConfig();
  const { deps, detector, inference, close } = await buildProcessDeps(config);
  const jobSource = jobSourceFromConfig(config, deps.jobs);
  const worker = new QueueWorker({
    source: jobSource.source,
    // On ECS a task protects itself from scale-in while a job runs; elsewhere this wrapper does nothing.
    process: withTaskProtection((key, options) => processUpload(deps, { key }, options)),
    bucket: config.UPLOAD_BUCKET,
    visibilityTimeoutSeconds: config.WORKER_VISIBILITY_TIMEOUT_SECONDS,
    waitSeconds: config.WORKER_WAIT_SECONDS,
    concurrency: jobSource.loops,
  });
  if (options.consume !== false) worker.start();
  // From the process's start (performance's origin) to taking jobs with the model loaded: the container's
  // start-to-ready time (a model fetched from S3 first is included).
  const startToReadyMs = Math.round(performance.now());
  deps.metrics?.set('realtone_start_to_ready_seconds', startToReadyMs / 1000, { service: 'worker' });
  log.info(options.consume !== false ? 'worker started' : 'worker ready, not consuming the queue', {
    model: detector.manifest.name,
    version: detector.manifest.version,
    fixture: detector.manifest.fixture,
    device: detector.device,
    concurrency: config.WORKER_CONCURRENCY,
    fairScheduling: config.WORKER_FAIR_SCHEDULING,
    startToReadyMs,
  });
  const drainMs = config.WORKER_DRAIN_SECONDS * 1000;
  return {
    worker,
    config,
    detector,
    inference,
    deps,
    async stop() {
      await worker.drain(drainMs);
      await jobSource.stop();
      await close();
      log.info('worker stopped', { ...worker.stats });
    },
  };
}
