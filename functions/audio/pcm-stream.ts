/**
 * Raw PCM from a live stream (interleaved little-endian s16 or f32, any rate and channel count the protocol allows),
 * prepared exactly as file audio is: downmixed to mono by the mean of the channels and resampled to the model's
 * rate, block by block. Frames may end anywhere, even inside a sample: the partial frame waits for the next bytes.
 * Reuses the WAV sample decoder and the mixdown, so a 16 kHz stream and the same 16 kHz WAV give identical samples.
 */
import { Mixdown } from './mixdown.ts';
import { WavDecoder } from './wav-decoder.ts';

export type PcmEncoding = 's16le' | 'f32le';

export interface PcmFormat {
  encoding: PcmEncoding;
  sampleRate: number;
  channels: number;
}

export class PcmStream {
  private readonly decoder: WavDecoder;
  private readonly mix: Mixdown;
  private readonly emit = (mono: Float32Array) => this.mix.pushMono(mono);
  /** Bytes received. */
  bytes = 0;

  /**
   * @param maxDurationS longest stream accepted: passing it raises AudioError `too_long`
   * @param sink receives each block at `targetRate` (a view, valid only during the call)
   */
  constructor(
    readonly format: PcmFormat,
    targetRate: number,
    maxDurationS: number,
    sink: (block: Float32Array) => void,
  ) {
    const bits = format.encoding === 's16le' ? 16 : 32;
    const blockAlign = (bits / 8) * format.channels;
    this.decoder = new WavDecoder({
      codec: format.encoding === 's16le' ? 'pcm' : 'float',
      channels: format.channels,
      sampleRate: format.sampleRate,
      bitsPerSample: bits,
      blockAlign,
      dataOffset: 0,
      dataBytes: undefined,
    });
    this.mix = new Mixdown(targetRate, maxDurationS, sink);
    this.mix.start(format.sampleRate, format.channels);
  }

  /** Input frames (per channel) decoded so far. */
  get frames(): number {
    return this.mix.frames;
  }

  /** Duration received, in seconds of the stream's own timeline. */
  get durationS(): number {
    return this.mix.frames / this.format.sampleRate;
  }

  /** Decodes `data`; throws AudioError on non-finite samples (`corrupt_audio`) or past the maximum (`too_long`). */
  push(data: Uint8Array): void {
    this.bytes += data.length;
    this.decoder.push(data, this.emit);
  }

  /** Ends the stream: the resampler's last samples go to the sink. */
  end(): void {
    this.mix.finish();
  }
}
