/**
 * The stage-based chunk pipeline that files, streams, RPCs and the CLI all run, once per request:
 *
 *   16 kHz mono blocks → Windower → per window: analysis stages on the raw samples (extractors) → silence check →
 *   normalisation into the model's input → the shared InferenceQueue (cross-request batching) → Detector
 *
 * Results come out in window order (`onWindow`), each as soon as it and every window before it is done; `end()`
 * applies the file tail rule, waits for the last window and returns the chunks and the overall verdict. The session
 * knows nothing of files, sockets or RPCs.
 */
import { normalizeInto, SILENCE_RMS, windowStats, type ChunkSpec } from '../../audio/chunk.ts';
import { Windower, type Window } from '../../audio/windower.ts';
import { computeVerdict, type Verdict, type VerdictPolicy } from '../detection/verdict.ts';
import { CancelledError } from './errors.ts';
import type { InferenceQueue } from './inference-queue.ts';

/** Why a chunk has no score: digital silence, a tail under `min_samples`, or too little speech (VAD gate). */
export type SkipReason = 'silence' | 'too_short' | 'no_speech';

/** Extractor outputs: `features.<extractor>.<field>` (docs/extractors.md). */
export type FeatureValues = Record<string, number | null>;
export type Features = Record<string, FeatureValues>;

export interface ChunkScore {
  index: number;
  start_s: number;
  end_s: number;
  /** P(synthetic) in [0, 1], or null when the chunk was not judged (see `reason`). */
  score: number | null;
  reason?: SkipReason;
  /** What the chosen extractors measured on this window (absent when only the detector ran). */
  features?: Features;
}

/**
 * A stage that sees every window's raw (un-normalised) samples before the model does, e.g. the extractors.
 * `process` is called once per window, in window order, as the window is cut (a stage may rely on that order); it
 * may write `chunk.features`, and set `chunk.reason` to keep the window from the model (`no_speech`).
 */
export interface WindowStage {
  readonly name: string;
  process(window: Window, chunk: ChunkScore): void | Promise<void>;
  /** After the last window: per-file results (extractor aggregates). */
  finish?(): Features | undefined;
}

export interface SessionOptions {
  /** Windowing: window, hop and minimum length in samples (files: the manifest's; streams: hop from the client). */
  chunk: ChunkSpec;
  verdict: VerdictPolicy;
  stages?: readonly WindowStage[];
  /** Each finished window, in index order. */
  onWindow?: (chunk: ChunkScore) => void;
  /** Windows queued or running before push() asks its caller to wait (default: twice the queue's batch). */
  maxInFlight?: number;
  /** Who the windows are for (a user id): the inference queue shares the model fairly between groups. */
  group?: string;
}

export interface SessionResult {
  chunks: ChunkScore[];
  /** Undefined when no chunk could be judged (all silent). */
  overall: Verdict | undefined;
  /** Samples received at the model's rate. */
  samples: number;
  /** Per-file extractor aggregates, when a stage produced any. */
  features?: Features;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export class DetectionSession {
  /** Windows finished (scored or skipped), for progress. */
  done = 0;
  /** When the first window was cut (performance.now()), for timings. */
  firstWindowAt: number | undefined;
  private readonly windower: Windower;
  private readonly rate: number;
  private readonly results: (ChunkScore | undefined)[] = [];
  private drained: (() => void) | undefined;
  private emitted = 0;
  private inFlight = 0;
  private readonly maxInFlight: number;
  private wakeWriter: (() => void) | undefined;
  private failure: unknown;
  private cancelled = false;

  constructor(
    private readonly queue: InferenceQueue,
    private readonly options: SessionOptions,
  ) {
    this.windower = new Windower(options.chunk);
    this.rate = queue.manifest.sample_rate;
    // Enough for every runner's batch and one more waiting, so that no runner idles while audio is decoded.
    this.maxInFlight = options.maxInFlight ?? (queue.concurrency + 1) * queue.maxBatch;
  }

  /** Samples received so far at the model's rate. */
  get samples(): number {
    return this.windower.total;
  }

  /** Windows cut so far (finished or not). */
  get windows(): number {
    return this.windower.windows;
  }

  /**
   * Feeds 16 kHz mono samples (copied; the caller may reuse `block`). Callers that can wait should then await
   * backpressure() before pushing more.
   */
  push(block: Float32Array): void {
    this.check();
    this.windower.push(block, (w) => this.start(w));
  }

  /** A promise to wait on while too many windows are in flight (it settles when one finishes), else undefined. */
  backpressure(): Promise<void> | undefined {
    if (this.inFlight < this.maxInFlight) return undefined;
    return new Promise<void>((resolve) => {
      const previous = this.wakeWriter;
      this.wakeWriter = () => {
        previous?.();
        resolve();
      };
    }).then(() => this.check());
  }

  /** No more audio: cuts the tail (file rule), waits for every window and returns chunks and verdict. */
  async end(): Promise<SessionResult> {
    this.check();
    this.windower.end((w) => this.start(w));
    if (this.inFlight) await new Promise<void>((resolve) => (this.drained = resolve));
    this.check();
    const chunks = this.results as ChunkScore[];
    let features: Features | undefined;
    for (const stage of this.options.stages ?? []) {
      const produced = stage.finish?.();
      if (produced) features = { ...features, ...produced };
    }
    return {
      chunks,
      overall: computeVerdict(
        chunks.map((c) => c.score),
        this.options.verdict,
      ),
      samples: this.windower.total,
      ...(features ? { features } : {}),
    };
  }

  /** Withdraws queued windows; nothing more is reported. Safe to call at any time, more than once. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.failure ??= new CancelledError('the session was cancelled');
    this.queue.cancel(this);
    this.wakeWriter?.();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private start(window: Window): void {
    this.firstWindowAt ??= performance.now();
    const chunk: ChunkScore = {
      index: window.index,
      start_s: round3(window.start / this.rate),
      end_s: round3(window.end / this.rate),
      score: null,
    };
    this.inFlight++;
    void this.judge(window, chunk).then(
      () => this.finish(chunk),
      (error: unknown) => {
        this.failure ??= error;
        this.settled();
      },
    );
  }

  /** One window less in flight: wakes a waiting writer, and end() once nothing is left. */
  private settled(): void {
    this.inFlight--;
    if (this.inFlight < this.maxInFlight && this.wakeWriter) {
      const wake = this.wakeWriter;
      this.wakeWriter = undefined;
      wake();
    }
    if (!this.inFlight) this.drained?.();
  }

  private async judge(window: Window, chunk: ChunkScore): Promise<void> {
    if (window.kind === 'too_short') {
      chunk.reason = 'too_short';
      return;
    }
    // Every stage is handed the window now, in window order; their work may finish later.
    const pending = (this.options.stages ?? []).map((stage) => stage.process(window, chunk));
    if (pending.some((p) => p)) await Promise.all(pending);
    const stats = windowStats(window.samples);
    if (stats.rms < SILENCE_RMS) {
      chunk.reason = 'silence';
      return;
    }
    if (chunk.reason) return; // a stage kept it from the model (no_speech)
    // A new buffer: a stage may still hold the raw window, and the queue hands this one to the model.
    const { samples } = window;
    const input = normalizeInto(
      samples,
      new Float32Array(samples.length),
      this.queue.manifest.normalization,
      stats,
    );
    chunk.score = round6(await this.queue.submit(this, input, this.options.group ?? this));
  }

  private finish(chunk: ChunkScore): void {
    this.done++;
    this.results[chunk.index] = chunk;
    // Report in order: this chunk and any later ones that finished before it.
    while (this.results[this.emitted]) {
      const next = this.results[this.emitted++]!;
      if (this.cancelled) continue;
      try {
        this.options.onWindow?.(next);
      } catch (error) {
        this.failure ??= error; // a listener that fails ends the session, not the process
      }
    }
    this.settled();
  }
}
