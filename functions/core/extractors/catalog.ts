/**
 * Turns a request's chosen extractors into one pipeline stage (ExtractorStage) per request. The catalog is built
 * once per process by the composition roots (worker, stream service, CLI), which hand it the VAD model loader from
 * the inference module; the core never touches onnxruntime.
 */
import type { Window } from '../../audio/windower.ts';
import type { SpeechActivityModel } from '../../ports/speech.ts';
import type { ChunkScore, Features, FeatureValues, WindowStage } from '../pipeline/session.ts';
import { CPU_EXTRACTORS, type ExtractorName } from './registry.ts';
import type { ExtractorRun } from './types.ts';
import { VadRun } from './vad.ts';

export interface ExtractorSettings {
  /** Windows whose VAD speech fraction is below this are not judged (`no_speech`); 0 turns the gate off. */
  minSpeechFraction: number;
  /** P(speech) from which a 32 ms frame counts as speech. */
  speechThreshold: number;
}

export const DEFAULT_EXTRACTOR_SETTINGS: ExtractorSettings = { minSpeechFraction: 0, speechThreshold: 0.5 };

export class ExtractorCatalog {
  private speech: Promise<SpeechActivityModel> | undefined;

  constructor(
    private readonly loadSpeech: (() => Promise<SpeechActivityModel>) | undefined,
    readonly settings: ExtractorSettings = DEFAULT_EXTRACTOR_SETTINGS,
  ) {}

  /** Whether the deepfake verdict is gated by speech activity (VAD runs on every request then). */
  get gating(): boolean {
    return this.settings.minSpeechFraction > 0;
  }

  /** The VAD model, loaded once on first use (or at start-up through warm()). */
  speechModel(): Promise<SpeechActivityModel> {
    if (!this.loadSpeech) return Promise.reject(new Error('this process has no VAD model'));
    this.speech ??= this.loadSpeech();
    return this.speech;
  }

  /** Loads what the default requests need now, so a broken model stops start-up rather than a request. */
  async warm(): Promise<void> {
    if (this.gating) await this.speechModel();
  }

  /** Releases the VAD model if it was loaded. */
  async close(): Promise<void> {
    const speech = this.speech;
    this.speech = undefined;
    await (await speech?.catch(() => undefined))?.close();
  }

  /** The stage for one request, or undefined when it needs none (the detector alone, no gate). */
  stage(names: readonly ExtractorName[], onTime?: ExtractorTiming): ExtractorStage | undefined {
    const runs: [ExtractorName, ExtractorRun, boolean][] = [];
    for (const name of names) {
      if (name === 'pitch' || name === 'tempo') runs.push([name, CPU_EXTRACTORS[name].open(), true]);
    }
    if (names.includes('vad') || this.gating) {
      runs.push([
        'vad',
        new VadRun(this.speechModel(), this.settings.speechThreshold),
        names.includes('vad'),
      ]);
    }
    if (!runs.length) return undefined;
    return new ExtractorStage(runs, this.gating ? this.settings.minSpeechFraction : 0, onTime);
  }
}

/**
 * The extractors of one request as one pipeline stage. Windows arrive in order; each extractor is fed only the
 * samples it has not seen (stream windows overlap), so its cost follows the audio, not the hop.
 */
/** Told how long one extractor took on one window, ms (stage latency metrics). */
export type ExtractorTiming = (name: ExtractorName, ms: number) => void;

export class ExtractorStage implements WindowStage {
  readonly name = 'extractors';
  /** Absolute samples fed so far. */
  private seen = 0;

  constructor(
    /** name, run, and whether its values are reported (vad may run only for the gate). */
    private readonly runs: readonly [ExtractorName, ExtractorRun, boolean][],
    private readonly minSpeechFraction: number,
    private readonly onTime?: ExtractorTiming,
  ) {}

  process(window: Window, chunk: ChunkScore): void | Promise<void> {
    // A padded window holds the audio tiled: its real samples are the first end − start.
    const real = window.samples.subarray(0, window.end - window.start);
    const from = Math.max(this.seen, window.start);
    const fresh = from < window.end ? real.subarray(from - window.start) : undefined;
    this.seen = Math.max(this.seen, window.end);
    const values: Partial<Record<ExtractorName, FeatureValues>> = {};
    const pending: Promise<void>[] = [];
    for (const [name, run] of this.runs) {
      const started = performance.now();
      const pushed = fresh ? run.push(fresh, from) : undefined;
      const measured = () => {
        values[name] = run.window(window.start, window.end);
        this.onTime?.(name, performance.now() - started);
      };
      if (pushed) pending.push(pushed.then(measured));
      else measured();
    }
    const done = () => this.report(chunk, values);
    return pending.length ? Promise.all(pending).then(done) : done();
  }

  private report(chunk: ChunkScore, values: Partial<Record<ExtractorName, FeatureValues>>): void {
    const features: Features = {};
    for (const [name, , reported] of this.runs) if (reported) features[name] = values[name]!;
    if (Object.keys(features).length) chunk.features = features;
    const speech = values.vad?.speech_fraction;
    if (this.minSpeechFraction > 0 && typeof speech === 'number' && speech < this.minSpeechFraction) {
      chunk.reason = 'no_speech';
    }
  }

  finish(): Features | undefined {
    const features: Features = {};
    for (const [name, run, reported] of this.runs) if (reported) features[name] = run.file();
    return Object.keys(features).length ? features : undefined;
  }
}
