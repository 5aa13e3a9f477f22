/**
 * Picks how a process runs the model: a DetectorPool of single-session threads, or one OnnxDetector in this
 * thread. INFERENCE_WORKERS=auto chooses, for a server (worker, stream, gRPC), the pool of two on a CPU with at
 * least two cores: more windows per second, and an event loop that is not blocked while a batch runs. It chooses
 * one session in this thread on a GPU (one CUDA session keeps the device busy), on a single core, and for a CLI run
 * of less than POOL_MIN_INPUT_BYTES: starting two threads that each load onnxruntime and the model costs a short
 * file more than they save (docs/performance.md). Neither module is loaded before it is needed: the pool's thread
 * never loads onnxruntime.
 */
import { availableParallelism } from 'node:os';
import type { Detector } from '../ports/detector.ts';
import { resolveProjectPath, type ConfigOf } from '../shared/config.ts';
import { cudaProviderInstalled } from './cuda-provider.ts';
import type { DetectorOptions } from './onnx-detector.ts';

export type WorkersSetting = number | 'auto';

/**
 * From this much input on (16 MiB: 8.7 min of 16 kHz mono PCM, 95 s of 44.1 kHz stereo, 17 min of 128 kbit/s MP3)
 * a CLI run uses the pool: on 2 cores the threads' start cost about 0.3 s and saved 0.7 s on 600 s of audio.
 */
export const POOL_MIN_INPUT_BYTES = 16 * 2 ** 20;

export interface WorkersContext {
  device?: DetectorOptions['device'];
  /** A process that analyses some files and exits (the CLI), where start-up time counts most. */
  shortLived?: boolean;
  /** What a short-lived process will read, in bytes (at least POOL_MIN_INPUT_BYTES when it is that much or more). */
  inputBytes?: number;
  cores?: number;
}

/** Threads with one session each; 0 means one session in the calling thread. */
export function inferenceWorkers(
  setting: WorkersSetting,
  {
    device = 'auto',
    shortLived = false,
    inputBytes = 0,
    cores = availableParallelism(),
  }: WorkersContext = {},
): number {
  if (setting !== 'auto') return setting;
  if ((shortLived && inputBytes < POOL_MIN_INPUT_BYTES) || cores < 2) return 0;
  if (device === 'cuda' || (device === 'auto' && cudaProviderInstalled())) return 0;
  return 2;
}

/**
 * Intra-op threads per session: the configured number, or (0, automatic) the cores shared evenly among the pool's
 * sessions; onnxruntime's own choice for a session in the calling thread.
 */
export function threadsPerSession(threads: number, workers: number, cores = availableParallelism()): number {
  if (threads > 0 || workers === 0) return threads;
  return Math.max(1, Math.floor(cores / workers));
}

export async function loadDetector(
  manifestPath: string,
  options: DetectorOptions & { workers: WorkersSetting; shortLived?: boolean; inputBytes?: number },
): Promise<Detector> {
  const { workers: setting, shortLived, inputBytes, ...detector } = options;
  const workers = inferenceWorkers(setting, { device: detector.device, shortLived, inputBytes });
  const threads = threadsPerSession(detector.threads ?? 0, workers);
  if (workers === 0) {
    const { OnnxDetector } = await import('./onnx-detector.ts');
    return OnnxDetector.load(manifestPath, { ...detector, threads });
  }
  const { DetectorPool } = await import('./detector-pool.ts');
  return DetectorPool.load(manifestPath, { ...detector, threads, workers });
}

/** The detector options the `model` settings give (INFERENCE_*), for loadDetector. */
export function detectorOptions(config: ConfigOf<'model'>) {
  const cache = config.INFERENCE_GRAPH_CACHE;
  return {
    threads: config.INFERENCE_THREADS,
    device: config.INFERENCE_DEVICE,
    spinning: config.INFERENCE_SPIN,
    workers: config.INFERENCE_WORKERS,
    graphCacheDir: cache === 'off' ? undefined : resolveProjectPath(cache),
  };
}
