/**
 * File analysis, shared by the worker, the CLI and the RPCs: bytes → decoded 16 kHz blocks (isolated thread) → the
 * chunk pipeline (session.ts) → chunk scores and an overall verdict. Decoding and inference overlap: windows go to
 * the shared inference queue while the rest of the file is still decoding. Knows nothing about S3, SQS or HTTP.
 */
import { AudioError } from '../../audio/errors.ts';
import { planChunks } from '../../audio/chunk.ts';
import { ingestIsolatedBlocks } from '../../audio/isolate.ts';
import type { AudioWarning } from '../../audio/mixdown.ts';
import type { ExtractorCatalog } from '../extractors/catalog.ts';
import { describeExtractors, type ExtractorName } from '../extractors/registry.ts';
import type { InferenceQueue } from '../pipeline/inference-queue.ts';
import { DetectionSession, type ChunkScore, type Features, type WindowStage } from '../pipeline/session.ts';
import type { Verdict, VerdictPolicy } from './verdict.ts';

export type { ChunkScore } from '../pipeline/session.ts';

export interface AnalysisResult {
  duration_s: number;
  sample_rate_in: number;
  channels_in: number;
  format: string;
  chunks: ChunkScore[];
  overall: Verdict;
  model: { name: string; version: string; fixture: boolean };
  /** Files: decode_ms and inference_ms (they overlap); streams: wall_ms. */
  timings: Record<string, number>;
  /** The extractors that ran and their versions (present when the request chose extractors). */
  extractors?: { name: ExtractorName; version: string }[];
  /** Per-file extractor aggregates: `features.<extractor>.<field>` (when a feature extractor ran). */
  features?: Features;
  /** What decoding noticed and worked around (e.g. stereo channels that cancel); absent when nothing was. */
  warnings?: AudioWarning[];
}

/** Names and versions of the extractors a request ran, for results and manifests. */
export function ranExtractors(
  names: readonly ExtractorName[],
  model: { name: string; version: string },
): { name: ExtractorName; version: string }[] {
  const versions = new Map(describeExtractors(model).map((e) => [e.name, e.version]));
  return names.map((name) => ({ name, version: versions.get(name)! }));
}

export interface AnalyzeOptions {
  maxDurationS: number;
  maxBytes: number;
  declaredContentType?: string;
  /** Size of the whole input, when known (S3 object, file): headers that promise more are corrupt at once. */
  sourceBytes?: number;
  /** Overall policy; thresholds default to the model manifest's. */
  verdict?: Partial<VerdictPolicy>;
  /**
   * Chunks done and the expected total, as windows finish (progress for pollers). The total is estimated from the
   * container's declared duration until decoding ends, then exact. Calls are serialised; a rejection stops the
   * analysis with that error.
   */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Aborts the analysis (worker drain): queued windows are withdrawn and decoding stops. */
  signal?: AbortSignal;
  decodeTimeLimitMs?: number;
  /** Stages that see each raw window. */
  stages?: readonly WindowStage[];
  /** Extractors to run (resolved names, deepfake first) and the process's catalog that builds their stage. */
  extractors?: { names: readonly ExtractorName[]; catalog: ExtractorCatalog };
  /** Whose file this is (a user id): the shared inference queue takes turns between users. */
  group?: string;
  /** Told how long each extractor took on each window, ms (stage latency metrics). */
  onExtractorTime?: (name: ExtractorName, ms: number) => void;
}

export const DEFAULT_VERDICT_FRACTION = 1 / 3;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Windows the pipeline will judge for `samples` of audio (too-short tails are not judged). */
function judgeable(samples: number, spec: Parameters<typeof planChunks>[1]): number {
  return planChunks(samples, spec).filter((c) => c.kind !== 'too_short').length;
}

export async function analyzeAudio(
  source: AsyncIterable<Uint8Array>,
  queue: InferenceQueue,
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const { manifest } = queue;
  const spec = manifest.chunk;
  const t0 = performance.now();
  let decodedAt = t0;
  const extractorStage = options.extractors?.catalog.stage(options.extractors.names, options.onExtractorTime);
  const session = new DetectionSession(queue, {
    chunk: spec,
    stages: [...(options.stages ?? []), ...(extractorStage ? [extractorStage] : [])],
    group: options.group,
    verdict: {
      fraction: options.verdict?.fraction ?? DEFAULT_VERDICT_FRACTION,
      thresholds: options.verdict?.thresholds ?? manifest.thresholds,
    },
    onWindow: options.onProgress && (() => progress()),
  });

  let expected: number | undefined; // judgeable windows, estimated then exact
  let reported = Promise.resolve();
  const progress = () => {
    if (expected === undefined || !options.onProgress) return;
    const done = Math.min(session.done, expected);
    const total = expected;
    reported = reported.then(() => options.onProgress!(done, total));
    reported.catch((error: unknown) => stop(error));
  };

  let stopped: unknown;
  const stop = (error: unknown) => {
    stopped ??= error;
    session.cancel();
  };
  const onAbort = () => stop(options.signal!.reason ?? new Error('aborted'));
  options.signal?.throwIfAborted();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const audio = await ingestIsolatedBlocks(
      source,
      {
        targetRate: manifest.sample_rate,
        maxDurationS: options.maxDurationS,
        maxBytes: options.maxBytes,
        minSamples: spec.min_samples,
        declaredContentType: options.declaredContentType,
        timeLimitMs: options.decodeTimeLimitMs,
        ...(options.sourceBytes !== undefined ? { sourceBytes: options.sourceBytes } : {}),
      },
      {
        block: (samples) => {
          if (stopped) throw stopped;
          session.push(samples);
          return session.backpressure();
        },
        declared: (durationS) => {
          expected = judgeable(Math.round(durationS * manifest.sample_rate), spec);
        },
      },
    ).catch((error: unknown) => {
      session.cancel(); // decoding failed: the windows already queued are withdrawn
      throw stopped ?? error;
    });
    decodedAt = performance.now();
    expected = judgeable(audio.outputSamples, spec);
    const { chunks, overall, features } = await session.end();
    progress();
    await reported;
    if (stopped) throw stopped;
    if (!overall) {
      const gated = chunks.some((c) => c.reason === 'no_speech');
      throw new AudioError(
        'empty_audio',
        gated
          ? 'no chunk holds enough speech to judge (every chunk is silent or below the VAD speech threshold)'
          : 'every chunk is silent; there is no speech to judge',
      );
    }
    return {
      duration_s: round3(audio.durationS),
      sample_rate_in: audio.sampleRateIn,
      channels_in: audio.channelsIn,
      format: audio.format,
      chunks,
      overall,
      model: { name: manifest.name, version: manifest.version, fixture: manifest.fixture },
      // The two overlap: inference runs from the first window on, while the rest of the file decodes.
      timings: {
        decode_ms: Math.round(decodedAt - t0),
        inference_ms: Math.round(performance.now() - (session.firstWindowAt ?? decodedAt)),
      },
      ...(options.extractors ? { extractors: ranExtractors(options.extractors.names, manifest) } : {}),
      ...(features ? { features } : {}),
      ...(audio.warnings?.length ? { warnings: audio.warnings } : {}),
    };
  } catch (error) {
    throw stopped ?? error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
