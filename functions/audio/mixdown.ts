/**
 * Preparation after decoding, block by block: downmix to mono (mean of the channels), reject non-finite samples,
 * enforce the maximum duration, resample to the model's rate and collect the result. Nothing here holds more than
 * one decoded block at the input rate; the only whole-file array is the output at the model's rate, held once.
 */
import { AudioError, corrupt, unsupported } from './errors.ts';
import { StreamingResampler } from './resample.ts';

export const MIN_RATE = 1000;
export const MAX_RATE = 384000;
export const MAX_CHANNELS = 64;

/** Something the service noticed about the audio and worked around; it goes into the result. */
export interface AudioWarning {
  code: 'stereo_channels_cancel';
  message: string;
}

/**
 * Cancelling channels (right ≈ −left: a miswired balanced microphone, a phase-inverted lead) average to near
 * silence. The first block whose left channel carries signal decides: when the mean keeps less than this fraction
 * of the left channel's energy (−30 dB), the left channel alone is analysed for the whole file.
 */
const CANCEL_ENERGY_RATIO = 1e-3;
/** Left-channel RMS below which a block is too quiet to decide on (−80 dBFS). */
const DECIDE_RMS = 1e-4;

/** ES2024 resizable ArrayBuffer (Node ≥ 20); the project's TypeScript lib (ES2023) does not declare it yet. */
type Resizable = ArrayBuffer & { resize(byteLength: number): void; readonly maxByteLength: number };
const ResizableBuffer = ArrayBuffer as unknown as new (
  length: number,
  options: { maxByteLength: number },
) => Resizable;
const GROW_BYTES = 4 << 20;

/**
 * Collects output samples in one resizable ArrayBuffer: its maximum size (the longest output the limits allow) is
 * only reserved address space; pages become memory as samples are written. Growing never copies and finishing
 * only trims, so a 60-minute file needs its 16 kHz signal once, not twice (a list of blocks joined at the end
 * would peak at double). The buffer transfers to the parent thread like any other.
 */
export class OutputCollector {
  private readonly buffer: Resizable;
  private view: Float32Array;
  length = 0;

  constructor(maxSamples: number) {
    this.buffer = new ResizableBuffer(0, { maxByteLength: 4 * Math.ceil(maxSamples) });
    this.view = new Float32Array(this.buffer);
  }

  push(block: Float32Array): void {
    const need = 4 * (this.length + block.length);
    if (need > this.buffer.byteLength) {
      if (need > this.buffer.maxByteLength) throw new RangeError('output exceeds its maximum length');
      this.buffer.resize(
        Math.min(this.buffer.maxByteLength, Math.max(need, this.buffer.byteLength + GROW_BYTES)),
      );
      this.view = new Float32Array(this.buffer);
    }
    this.view.set(block, this.length);
    this.length += block.length;
  }

  finish(): Float32Array {
    this.buffer.resize(4 * this.length);
    return new Float32Array(this.buffer, 0, this.length);
  }
}

export class Mixdown {
  /** Input frames (per channel) seen so far, at `sampleRate`. */
  frames = 0;
  sampleRate = 0;
  channels = 0;
  /** Largest absolute mono sample: 0 means digital silence. */
  peak = 0;
  /** Output samples at the target rate passed on so far. */
  outputSamples = 0;
  private readonly output: OutputCollector | undefined;
  private resampler: StreamingResampler | undefined;
  private scratch = new Float32Array(0);
  private maxFrames = Infinity;
  /** Stereo only: undecided until a block with signal; then the mean, or the left channel when they cancel. */
  private stereoMode: 'undecided' | 'mean' | 'left' = 'undecided';
  readonly warnings: AudioWarning[] = [];
  private readonly sink: (block: Float32Array) => void;
  private readonly collect = (block: Float32Array) => {
    this.outputSamples += block.length;
    this.sink(block);
  };

  /**
   * With a `sink`, each block at the target rate goes to it as soon as it exists (a view, valid only during the
   * call) and nothing is kept; without one, the whole output is collected for `finish`.
   */
  constructor(
    private readonly targetRate: number,
    private readonly maxDurationS: number,
    sink?: (block: Float32Array) => void,
  ) {
    if (sink) this.sink = sink;
    else {
      // Room for the longest accepted input plus a second for the resampler's rounding.
      const output = new OutputCollector((maxDurationS + 1) * targetRate);
      this.output = output;
      this.sink = (block) => output.push(block);
    }
  }

  /** Fixes the input format; the first call wins, later blocks must match it. */
  start(sampleRate: number, channels: number): void {
    if (this.sampleRate) {
      if (sampleRate !== this.sampleRate)
        throw unsupported(`sample rate changes mid-stream (${this.sampleRate} → ${sampleRate} Hz)`);
      return;
    }
    if (!(sampleRate >= MIN_RATE && sampleRate <= MAX_RATE))
      throw corrupt(`decoded sample rate ${sampleRate} Hz is out of range`);
    if (!(channels >= 1 && channels <= MAX_CHANNELS)) throw corrupt(`decoded audio has ${channels} channels`);
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.maxFrames = Math.ceil(this.maxDurationS * sampleRate);
    if (sampleRate !== this.targetRate) this.resampler = new StreamingResampler(sampleRate, this.targetRate);
  }

  /** A decoded block as separate channels (library decoders). */
  pushChannels(channelData: readonly Float32Array[], sampleRate: number): void {
    const n = channelData[0]?.length ?? 0;
    if (!n) return;
    this.start(sampleRate, channelData.length);
    if (channelData.length === 1) return this.pushMono(channelData[0]!);
    if (this.scratch.length < n) this.scratch = new Float32Array(Math.max(n, 2 * this.scratch.length));
    const mono = this.scratch.subarray(0, n);
    if (channelData.some((c) => c.length !== n))
      throw corrupt('decoder returned channels of different lengths');
    if (channelData.length === 2) {
      const [l, r] = channelData as [Float32Array, Float32Array];
      for (let i = 0; i < n; i++) mono[i] = (l[i]! + r[i]!) * 0.5;
      return this.pushStereo(mono, l);
    } else {
      mono.set(channelData[0]!);
      for (let ch = 1; ch < channelData.length; ch++) {
        const data = channelData[ch]!;
        for (let i = 0; i < n; i++) mono[i]! += data[i]!;
      }
      const k = 1 / channelData.length;
      for (let i = 0; i < n; i++) mono[i]! *= k;
    }
    this.pushMono(mono);
  }

  /**
   * A stereo block as its mean and its left channel (both at the started rate). Until a block carries signal the
   * mean goes on; the first that does fixes the choice for the file (one choice, so no seam mid-file).
   */
  pushStereo(mean: Float32Array, left: Float32Array): void {
    if (this.stereoMode === 'undecided') {
      let meanEnergy = 0;
      let leftEnergy = 0;
      for (let i = 0; i < left.length; i++) {
        meanEnergy += mean[i]! * mean[i]!;
        leftEnergy += left[i]! * left[i]!;
      }
      // NaN energy (a corrupt sample) leaves the choice open; pushMono rejects the block.
      if (leftEnergy > DECIDE_RMS * DECIDE_RMS * left.length) {
        const cancels = meanEnergy < CANCEL_ENERGY_RATIO * leftEnergy;
        this.stereoMode = cancels ? 'left' : 'mean';
        if (cancels) {
          this.warnings.push({
            code: 'stereo_channels_cancel',
            message:
              'the two channels cancel each other (one is the other inverted, e.g. a miswired balanced microphone); the left channel was analysed alone',
          });
        }
      }
    }
    this.pushMono(this.stereoMode === 'left' ? left : mean);
  }

  /** A mono block at the started rate (already downmixed). */
  pushMono(mono: Float32Array): void {
    // NaN/∞ are rejected here, where every sample passes once; the peak finds all-zero (digitally silent) input.
    // v − v is 0 for every finite sample and NaN otherwise: one branch-free sum checks the whole block.
    let peak = this.peak;
    let bad = 0;
    for (let i = 0; i < mono.length; i++) {
      const v = mono[i]!;
      bad += v - v;
      const a = Math.abs(v);
      peak = a > peak ? a : peak;
    }
    if (bad !== 0) {
      const at = mono.findIndex((v) => !Number.isFinite(v));
      throw corrupt(`sample ${this.frames + at} is not a finite number (${mono[at]})`);
    }
    this.peak = peak;
    this.frames += mono.length;
    if (this.frames > this.maxFrames) {
      throw new AudioError(
        'too_long',
        `audio is longer than the maximum of ${this.maxDurationS} s (stopped decoding at ${(this.frames / this.sampleRate).toFixed(1)} s)`,
      );
    }
    if (this.resampler) this.resampler.process(mono, this.collect);
    else this.collect(mono);
  }

  /** Ends the stream: the resampler's last samples go out; returns the whole signal when collecting (else empty). */
  finish(): Float32Array {
    this.resampler?.finish(this.collect);
    return this.output?.finish() ?? new Float32Array(0);
  }
}
