/**
 * Files through the real analysis path in one warm process (what the worker and a long CLI run do): the default
 * detector loaded once, the shared inference queue, analyzeAudio on a file stream, decoding in the isolated thread.
 * Used by bench:pipeline-warm and bench:vs-pytorch.
 */
import { createReadStream } from 'node:fs';
import { analyzeAudio, type AnalysisResult } from '../functions/core/detection/analyze.ts';
import { InferenceQueue } from '../functions/core/pipeline/inference-queue.ts';
import { detectorOptions, loadDetector, type WorkersSetting } from '../functions/inference/load-detector.ts';
import { loadConfig, resolveProjectPath } from '../functions/shared/config.ts';

export interface WarmRun {
  ms: number;
  /** Share of the run's wall time the model's runners were busy running batches (averaged over the runners). */
  inference_busy: number;
  result: AnalysisResult;
}

/**
 * The detector loads as a server's does (INFERENCE_WORKERS=auto: a pool of threads on a multi-core CPU); `workers`
 * overrides INFERENCE_WORKERS (bench:pipeline-warm measures the pool against one session).
 */
export async function warmAnalyzer(manifestPath?: string, workers?: WorkersSetting) {
  const config = loadConfig(['model', 'limits']);
  const options = detectorOptions(config);
  const detector = await loadDetector(manifestPath ?? resolveProjectPath(config.MODEL_MANIFEST), {
    ...options,
    device: 'cpu',
    workers: workers ?? options.workers,
  });
  const queue = new InferenceQueue(detector, {
    maxBatch: config.INFERENCE_MAX_BATCH,
    maxWaitMs: config.INFERENCE_MAX_WAIT_MS,
  });
  const limits = { maxBytes: config.MAX_UPLOAD_BYTES, maxDurationS: config.MAX_DURATION_SECONDS };
  return {
    queue,
    /** Batches the detector runs at once: 1 for one session, the thread count for a pool. */
    concurrency: queue.concurrency,
    async run(file: string): Promise<WarmRun> {
      const busy0 = queue.stats.busyMs;
      const t0 = performance.now();
      const result = await analyzeAudio(createReadStream(file, { highWaterMark: 1 << 20 }), queue, limits);
      const ms = performance.now() - t0;
      return { ms, inference_busy: (queue.stats.busyMs - busy0) / ms / queue.concurrency, result };
    },
    close: () => detector.close(),
  };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
