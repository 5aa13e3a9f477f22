/**
 * AudioWorklet processor of the live microphone mode: turns the microphone's float samples into 16 kHz mono
 * s16le frames of 100 ms and posts them to the page, which sends them over the streaming WebSocket. The audio
 * context normally runs at 16 kHz already (the browser resamples the microphone); at any other rate this
 * processor resamples itself (a box filter over each output period, then linear interpolation).
 */

// The AudioWorkletGlobalScope is not in TypeScript's DOM library.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

const OUT_RATE = 16_000;
const FRAME_SAMPLES = 1600; // 100 ms

class PcmSender extends AudioWorkletProcessor {
  private frame = new DataView(new ArrayBuffer(FRAME_SAMPLES * 2));
  private filled = 0;
  private readonly step = sampleRate / OUT_RATE;
  /** Position of the next output sample on the input timeline, relative to the current block. */
  private position = 0;
  private previous = 0;
  /** The last input samples of the previous block, so the box filter runs on across blocks. */
  private history = new Float32Array(0);

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    if (!channels?.length) return true;
    const length = channels[0]!.length;
    const mono = new Float32Array(length);
    for (const channel of channels)
      for (let i = 0; i < length; i++) mono[i]! += channel[i]! / channels.length;
    if (this.step === 1) {
      for (let i = 0; i < length; i++) this.push(mono[i]!);
      return true;
    }
    // Average over one output period (a box filter, continued across blocks) to damp what would alias, then
    // interpolate. A fallback: browsers normally run the context at 16 kHz and resample the microphone themselves.
    const width = Math.max(1, Math.round(this.step));
    const smooth = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      let sum = 0;
      for (let k = 0; k < width; k++)
        sum += i - k >= 0 ? mono[i - k]! : (this.history[this.history.length + i - k] ?? 0);
      smooth[i] = sum / width;
    }
    this.history = mono.slice(Math.max(0, length - (width - 1)));
    while (this.position < length) {
      const index = Math.floor(this.position);
      const fraction = this.position - index;
      const before = index === 0 ? this.previous : smooth[index - 1]!;
      this.push(before + (smooth[index]! - before) * fraction);
      this.position += this.step;
    }
    this.position -= length;
    this.previous = smooth[length - 1]!;
    return true;
  }

  private push(sample: number): void {
    const clamped = Math.max(-1, Math.min(1, sample));
    this.frame.setInt16(this.filled * 2, Math.round(clamped * 32767), true);
    if (++this.filled === FRAME_SAMPLES) {
      const buffer = this.frame.buffer as ArrayBuffer;
      this.port.postMessage(buffer, [buffer]);
      this.frame = new DataView(new ArrayBuffer(FRAME_SAMPLES * 2));
      this.filled = 0;
    }
  }
}

registerProcessor('realtone-pcm-sender', PcmSender);
export {};
