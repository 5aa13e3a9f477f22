/**
 * One live stream, independent of its transport (the WebSocket service and the gRPC StreamAnalyze RPC both drive
 * it): a validated start, PCM bytes in, window verdicts out as soon as each window's last sample has arrived, and
 * at the end the file tail rule, a summary with the overall verdict, and a record in the user's history.
 *
 * Pace: a stream may send faster than real time (the CLI streams files as fast as the server takes them); a
 * token bucket of audio seconds caps the input rate at `maxRateX` × real time by asking the transport to wait
 * (it stops reading the socket), never by refusing the client.
 */
import { randomUUID } from 'node:crypto';
import { AudioError } from '../../audio/errors.ts';
import { PcmStream } from '../../audio/pcm-stream.ts';
import type { FinishedStream, JobRecord } from '../../ports/jobs.ts';
import type { Metrics } from '../../ports/metrics.ts';
import { getLogger } from '../../shared/logger.ts';
import { ranExtractors } from '../detection/analyze.ts';
import { persist } from '../jobs/persist.ts';
import { labelFor, type VerdictPolicy } from '../detection/verdict.ts';
import type { ExtractorCatalog } from '../extractors/catalog.ts';
import { resolveExtractors, type ExtractorName } from '../extractors/registry.ts';
import type { InferenceQueue } from '../pipeline/inference-queue.ts';
import { DetectionSession, type ChunkScore } from '../pipeline/session.ts';
import { StreamProtocolError } from './errors.ts';
import {
  startSchema,
  type ReadyMessage,
  type ServerMessage,
  type StartMessage,
  type SummaryMessage,
  type WindowMessage,
} from './protocol.ts';

export interface StreamLimits {
  /** Longest stream, in seconds of audio. */
  maxSeconds: number;
  /** Input rate cap, as a multiple of real time. */
  maxRateX: number;
  /** Audio seconds a client may send at once before the rate cap applies. */
  burstSeconds: number;
}

export interface LiveStreamDeps {
  queue: InferenceQueue;
  verdict: VerdictPolicy;
  limits: StreamLimits;
  /** Records the finished stream in the user's history (JobRepository.recordStream). */
  recordStream?: (stream: FinishedStream) => Promise<JobRecord>;
  /** Told about every recorded stream (stream.completed notifications). */
  onRecorded?: (job: JobRecord) => void | Promise<void>;
  /** Builds the stage of the extractors a stream chose (and the VAD gate); without it only the detector runs. */
  extractors?: ExtractorCatalog;
  /** Sessions and window latency (the stream service's /metrics). */
  metrics?: Metrics;
}

const log = getLogger('live-stream');
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Parses the client's first message; StreamProtocolError `bad_start` names what is wrong. */
export function parseStart(raw: unknown): StartMessage {
  const parsed = startSchema.safeParse(raw);
  if (parsed.success) {
    try {
      resolveExtractors(parsed.data.extractors);
    } catch (error) {
      throw new StreamProtocolError('bad_start', `invalid start message: ${(error as Error).message}`);
    }
    return parsed.data;
  }
  const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
  throw new StreamProtocolError('bad_start', `invalid start message: ${detail}`);
}

export class LiveStream {
  readonly id = randomUUID();
  readonly ready: ReadyMessage;
  private readonly session: DetectionSession;
  private readonly pcm: PcmStream;
  private readonly startedAt = new Date();
  private readonly startedAtMs = performance.now();
  private tokens: number; // audio seconds the client may still send without waiting
  private refilledAt = performance.now();
  private ended = false;
  private readonly extractors: ExtractorName[];
  /** When each window's last sample arrived, until its verdict is sent (window latency). */
  private readonly cutAt = new Map<number, number>();

  constructor(
    private readonly deps: LiveStreamDeps,
    readonly userId: string,
    readonly start: StartMessage,
    private readonly send: (message: ServerMessage) => void,
  ) {
    const { manifest } = deps.queue;
    const rate = manifest.sample_rate;
    const hop = Math.round(start.hop_s * rate);
    const thresholds = deps.verdict.thresholds;
    this.extractors = resolveExtractors(start.extractors);
    const stage = deps.extractors?.stage(this.extractors);
    this.session = new DetectionSession(deps.queue, {
      chunk: { ...manifest.chunk, hop_samples: hop },
      verdict: deps.verdict,
      stages: stage ? [stage] : [],
      group: userId,
      onWindow: (chunk) => {
        this.send(windowMessage(chunk, thresholds));
        const cut = this.cutAt.get(chunk.index);
        this.cutAt.delete(chunk.index);
        if (cut !== undefined)
          deps.metrics?.observe('realtone_stream_window_latency_seconds', (performance.now() - cut) / 1000);
      },
    });
    this.pcm = new PcmStream(
      { encoding: start.encoding, sampleRate: start.sample_rate, channels: start.channels },
      rate,
      deps.limits.maxSeconds,
      (block) => this.session.push(block),
    );
    this.tokens = deps.limits.burstSeconds;
    this.ready = {
      type: 'ready',
      session_id: this.id,
      window_s: manifest.chunk.window_samples / rate,
      hop_s: hop / rate,
      extractors: this.extractors,
    };
  }

  /** Windows cut so far. */
  get windows(): number {
    return this.session.windows;
  }

  /** Windows of this stream waiting in the shared inference queue. */
  queued(): number {
    return this.deps.queue.queuedFor(this.session);
  }

  /** How long this stream's oldest waiting window has waited, ms. */
  oldestWaitMs(now = performance.now()): number {
    return this.deps.queue.oldestWaitMs(now, this.session);
  }

  /**
   * Whether the client sends faster than real time (more than 1.25× the wall time since it started, plus 2 s):
   * such a stream's windows wait in the queue by its own doing, which is not a sign that the server is behind.
   */
  aheadOfClock(now = performance.now()): boolean {
    return this.pcm.durationS > ((now - this.startedAtMs) / 1000) * 1.25 + 2;
  }

  /**
   * Takes one binary frame. Returns a promise when the transport should wait before reading more (the rate cap,
   * or, for a stream sent faster than real time, too many of its windows waiting for the model), else undefined. Throws AudioError on bad samples
   * (`corrupt_audio`) or past the longest stream (`too_long`).
   */
  push(frame: Uint8Array): Promise<void> | undefined {
    if (this.ended) throw new StreamProtocolError('bad_message', 'audio after the end message');
    const cutBefore = this.session.windows;
    this.pcm.push(frame);
    if (this.deps.metrics)
      for (let i = cutBefore, now = performance.now(); i < this.session.windows; i++) this.cutAt.set(i, now);
    const { format } = this.pcm;
    const seconds =
      frame.length / ((format.encoding === 's16le' ? 2 : 4) * format.channels * format.sampleRate);
    const delayMs = this.spend(seconds);
    // Only a stream ahead of the clock waits for its windows: holding back one that keeps to real time would hide
    // its lag in TCP buffers, where latency grows without bound; in the queue, the overload policy sees it.
    const backlog = this.aheadOfClock() ? this.session.backpressure() : undefined;
    if (!delayMs && !backlog) return undefined;
    return Promise.all([backlog, delayMs && new Promise((r) => setTimeout(r, delayMs))]).then(
      () => undefined,
    );
  }

  /** Token bucket: refills at maxRateX audio seconds per second, up to the burst; returns the wait in ms. */
  private spend(seconds: number): number {
    const { maxRateX, burstSeconds } = this.deps.limits;
    const now = performance.now();
    this.tokens = Math.min(burstSeconds, this.tokens + ((now - this.refilledAt) / 1000) * maxRateX);
    this.refilledAt = now;
    this.tokens -= seconds;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / maxRateX) * 1000);
  }

  /**
   * No more audio: scores the tail (file rule), records the stream in the history and returns the summary.
   * The summary is returned even when recording fails (the client's result does not depend on the database).
   */
  async finish(): Promise<SummaryMessage> {
    this.ended = true;
    this.pcm.end();
    const { chunks, overall, features } = await this.session.end();
    const durationS = round3(this.pcm.durationS);
    const reason = overall ? undefined : chunks.length ? 'empty_audio' : 'too_short';
    const summary: SummaryMessage = {
      type: 'summary',
      session_id: this.id,
      duration_s: durationS,
      windows: chunks.length,
      overall: overall ?? null,
      ...(reason ? { reason } : {}),
      ...(features ? { features } : {}),
    };
    await this.record(chunks, summary);
    return summary;
  }

  /** The transport went away or is closing: queued windows are withdrawn, nothing more is sent. */
  cancel(): void {
    this.ended = true;
    this.session.cancel();
  }

  private async record(chunks: ChunkScore[], summary: SummaryMessage): Promise<void> {
    if (!this.deps.recordStream || this.pcm.bytes === 0) return;
    const { manifest } = this.deps.queue;
    const outcome = summary.overall
      ? {
          result: {
            duration_s: summary.duration_s,
            sample_rate_in: this.start.sample_rate,
            channels_in: this.start.channels,
            format: `pcm_${this.start.encoding}`,
            chunks,
            overall: summary.overall,
            model: { name: manifest.name, version: manifest.version, fixture: manifest.fixture },
            timings: { wall_ms: Date.now() - this.startedAt.getTime() },
            extractors: ranExtractors(this.extractors, manifest),
            ...(summary.features ? { features: summary.features } : {}),
          },
        }
      : summary.reason === 'too_short'
        ? new AudioError('too_short', `the stream lasted ${summary.duration_s} s; at least 1 s is needed`)
        : new AudioError('empty_audio', 'every window of the stream is silent; there is no speech to judge');
    try {
      const record = this.deps.recordStream;
      const job = await persist(() =>
        record({
          id: this.id,
          userId: this.userId,
          name: this.start.name ?? 'live stream',
          objectKey: `streams/${this.userId}/${this.id}.wav`,
          bytes: this.pcm.bytes,
          startedAt: this.startedAt,
          extractors: this.extractors,
          outcome: outcome instanceof AudioError ? { code: outcome.code, message: outcome.message } : outcome,
        }),
      );
      await this.deps.onRecorded?.(job);
    } catch (error) {
      log.error('could not record the finished stream', {
        sessionId: this.id,
        error: (error as Error).message,
      });
    }
  }
}

function windowMessage(chunk: ChunkScore, thresholds: VerdictPolicy['thresholds']): WindowMessage {
  const base = { type: 'window' as const, index: chunk.index, start_s: chunk.start_s, end_s: chunk.end_s };
  const features = chunk.features ? { features: chunk.features } : {};
  return chunk.score === null
    ? { ...base, score: null, reason: chunk.reason, ...features }
    : { ...base, score: chunk.score, label: labelFor(chunk.score, thresholds), ...features };
}
