/**
 * A frame grid over a contiguous stream of samples: frames of `length` samples every `hop` samples from absolute
 * sample 0 (so a file and a stream of the same audio get the same frames, whatever their windows). Only the samples
 * a frame still needs are kept.
 */
export class FrameGrid {
  private buffer: Float32Array;
  private bufferStart = 0; // absolute index of buffer[0]
  private held = 0;
  private next = 0; // absolute start of the next frame

  constructor(
    readonly length: number,
    readonly hop: number,
  ) {
    this.buffer = new Float32Array(Math.max(4 * length, 8192));
  }

  /** Feeds samples starting at absolute index `at`; calls `frame` for each frame completed (a view). */
  push(samples: Float32Array, at: number, frame: (view: Float32Array, start: number) => void): void {
    if (at !== this.bufferStart + this.held) {
      // A gap (or a restart): the grid resumes at the first hop boundary at or after `at`.
      this.bufferStart = at;
      this.held = 0;
      this.next = Math.ceil(at / this.hop) * this.hop;
    }
    let offset = 0;
    while (offset < samples.length) {
      this.compact();
      const n = Math.min(this.buffer.length - this.held, samples.length - offset);
      this.buffer.set(samples.subarray(offset, offset + n), this.held);
      this.held += n;
      offset += n;
      while (this.next + this.length <= this.bufferStart + this.held) {
        if (this.next >= this.bufferStart) {
          const from = this.next - this.bufferStart;
          frame(this.buffer.subarray(from, from + this.length), this.next);
        }
        this.next += this.hop;
      }
    }
  }

  private compact(): void {
    if (this.held < this.buffer.length) return;
    const drop = Math.max(0, Math.min(this.held, this.next - this.bufferStart));
    this.buffer.copyWithin(0, drop, this.held);
    this.held -= drop;
    this.bufferStart += drop;
    if (this.held === this.buffer.length) {
      const grown = new Float32Array(2 * this.buffer.length);
      grown.set(this.buffer);
      this.buffer = grown;
    }
  }
}

/** Per-frame values with their absolute start sample, kept until no later window can need them. */
export class FrameSeries {
  starts: number[] = [];
  values: number[] = [];

  add(start: number, value: number): void {
    this.starts.push(start);
    this.values.push(value);
  }

  /** Values of frames [start, start + frameLength) lying inside [from, to). */
  inside(from: number, to: number, frameLength: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      const s = this.starts[i]!;
      if (s >= from && s + frameLength <= to) out.push(this.values[i]!);
    }
    return out;
  }

  /** Forgets frames starting before `from` (later windows start at or after it). */
  forgetBefore(from: number): void {
    let k = 0;
    while (k < this.starts.length && this.starts[k]! < from) k++;
    if (k) {
      this.starts.splice(0, k);
      this.values.splice(0, k);
    }
  }
}

/** A growable Float32Array (file-level collections: an hour of 64 ms pitch frames is 56,250 values). */
export class GrowableFloats {
  private data = new Float32Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const grown = new Float32Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = x;
  }

  view(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}
