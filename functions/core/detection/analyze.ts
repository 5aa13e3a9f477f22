/**
 * The detection core shared by the worker and the CLI: bytes → prepared audio → windows → batched inference →
 * chunk scores and an overall verdict. Knows nothing about S3, SQS or HTTP.
 */
import { SILENCE_RMS, fillWindow, normalizeWindow, planChunks, rms } from '../../audio/chunk.ts';
import { AudioError } from '../../audio/errors.ts';
import type { PreparedAudio } from '../../audio/ingest.ts';
import { ingestIsolated } from '../../audio/isolate.ts';
import type { Detector } from '../../inference/onnx-detector.ts';
import { computeVerdict, type Verdict, type VerdictPolicy } from './verdict.ts';

export interface ChunkScore {
  index: number;
  start_s: number;
  end_s: number;
  /** P(synthetic) in [0, 1], or null when the chunk was not judged (see `reason`). */
  score: number | null;
  reason?: 'silence' | 'too_short';
}

export interface AnalysisResult {
  duration_s: number;
  sample_rate_in: number;
  channels_in: number;
  format: string;
  chunks: ChunkScore[];
  overall: Verdict;
  model: { name: string; version: string; fixture: boolean };
  timings: { decode_ms: number; inference_ms: number };
}

export interface AnalyzeOptions {
  maxDurationS: number;
  maxBytes: number;
  declaredContentType?: string;
  /** Overall policy; thresholds default to the model manifest's. */
  verdict?: Partial<VerdictPolicy>;
  /** Called after each batch with chunks done and total (progress for pollers). */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Aborts between batches (worker drain). */
  signal?: AbortSignal;
  decodeTimeLimitMs?: number;
}

export const DEFAULT_VERDICT_FRACTION = 1 / 3;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export async function analyzeAudio(
  source: AsyncIterable<Uint8Array>,
  detector: Detector,
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const { manifest } = detector;
  const t0 = performance.now();
  const audio: PreparedAudio = await ingestIsolated(source, {
    targetRate: manifest.sample_rate,
    maxDurationS: options.maxDurationS,
    maxBytes: options.maxBytes,
    minSamples: manifest.chunk.min_samples,
    declaredContentType: options.declaredContentType,
    timeLimitMs: options.decodeTimeLimitMs,
  });
  const t1 = performance.now();

  const plan = planChunks(audio.samples.length, manifest.chunk);
  const rate = manifest.sample_rate;
  const window = manifest.chunk.window_samples;
  const chunks: ChunkScore[] = plan.map((c) => ({
    index: c.index,
    start_s: round3(c.start / rate),
    end_s: round3(c.end / rate),
    score: null,
    ...(c.kind === 'too_short' ? { reason: 'too_short' as const } : {}),
  }));

  // Batch the judgeable windows; one reusable buffer of batch_size windows.
  const batchSize = manifest.batch_size;
  const buffer = new Float32Array(batchSize * window);
  const view = (slot: number) => buffer.subarray(slot * window, (slot + 1) * window);
  const judgeable = plan.filter((c) => c.kind !== 'too_short');
  let done = 0;
  for (let i = 0; i < judgeable.length;) {
    options.signal?.throwIfAborted();
    const slots: number[] = [];
    while (i < judgeable.length && slots.length < batchSize) {
      const chunk = judgeable[i++]!;
      const slot = view(slots.length);
      fillWindow(audio.samples, chunk, slot);
      if (rms(slot) < SILENCE_RMS) {
        chunks[chunk.index]!.reason = 'silence';
        continue;
      }
      normalizeWindow(slot, manifest.normalization);
      slots.push(chunk.index);
    }
    if (slots.length) {
      const probs = await detector.score(buffer, slots.length);
      slots.forEach((index, k) => (chunks[index]!.score = Math.round(probs[k]! * 1e6) / 1e6));
    }
    done = i;
    await options.onProgress?.(done, judgeable.length);
  }
  const t2 = performance.now();

  const overall = computeVerdict(
    chunks.map((c) => c.score),
    {
      fraction: options.verdict?.fraction ?? DEFAULT_VERDICT_FRACTION,
      thresholds: options.verdict?.thresholds ?? manifest.thresholds,
    },
  );
  if (!overall) throw new AudioError('empty_audio', 'every chunk is silent; there is no speech to judge');
  return {
    duration_s: round3(audio.durationS),
    sample_rate_in: audio.sampleRateIn,
    channels_in: audio.channelsIn,
    format: audio.format,
    chunks,
    overall,
    model: { name: manifest.name, version: manifest.version, fixture: manifest.fixture },
    timings: { decode_ms: Math.round(t1 - t0), inference_ms: Math.round(t2 - t1) },
  };
}
