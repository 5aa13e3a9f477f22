import type { WavHeader } from './wav-header.ts';

/**
 * Streaming WAV sample decoder for the codecs parseWavHeader accepts (PCM 8/16/24/32-bit, float 32/64, A-law,
 * μ-law; plain or WAVE_FORMAT_EXTENSIBLE; any channel count). It writes the mono downmix (mean of the channels)
 * directly, so a multichannel block never exists as separate arrays.
 *
 * Why our own: @audio/decode-wav fails on float64 data at unaligned chunk boundaries, and counting the bytes of the
 * data chunk is what lets ingestion report truncation. Why this shape: bytes are first copied into a scratch buffer
 * that starts at offset 0, so typed-array views (Int16Array, Float32Array, ...) are always aligned, and the inner
 * loops read whole frames without DataView calls or per-block allocations; this is what keeps WAV ingestion above
 * 300× real time on one core.
 */
const SCRATCH_BYTES = 1 << 16;

export class WavDecoder {
  /** Bytes of the data chunk received so far. */
  received = 0;
  /** Whole frames decoded so far. */
  frames = 0;
  private remaining: number;
  private readonly scratch: ArrayBuffer;
  private readonly bytes: Uint8Array;
  private readonly mono: Float32Array;
  /** Stereo only: the left channel of the same frames (Mixdown notices channels that cancel). */
  private readonly left: Float32Array | undefined;
  private leftover = 0; // bytes of a partial frame kept at the start of `bytes`
  private readonly decode: (frames: number) => void;

  constructor(private readonly header: WavHeader) {
    this.remaining = header.dataBytes ?? Number.POSITIVE_INFINITY;
    const size = Math.max(SCRATCH_BYTES, 2 * header.blockAlign);
    this.scratch = new ArrayBuffer(size);
    this.bytes = new Uint8Array(this.scratch);
    this.mono = new Float32Array(Math.floor(size / header.blockAlign));
    if (header.channels === 2) this.left = new Float32Array(this.mono.length);
    this.decode = frameDecoder(header, this.scratch, this.mono, this.left);
  }

  /**
   * Decodes the whole frames in `data` (plus any partial frame left from the previous call); passes the mono
   * samples to `emit` in blocks (views valid only during the call), with the left channel for stereo input. Bytes
   * past the declared data size are ignored.
   */
  push(data: Uint8Array, emit: (mono: Float32Array, left?: Float32Array) => void): void {
    const take = Math.min(data.length, this.remaining);
    if (take <= 0) return;
    this.remaining -= take;
    this.received += take;
    const { blockAlign } = this.header;
    for (let offset = 0; offset < take;) {
      const n = Math.min(take - offset, this.bytes.length - this.leftover);
      this.bytes.set(data.subarray(offset, offset + n), this.leftover);
      offset += n;
      const filled = this.leftover + n;
      const frames = Math.floor(filled / blockAlign);
      if (frames) {
        this.decode(frames);
        this.frames += frames;
        emit(this.mono.subarray(0, frames), this.left?.subarray(0, frames));
      }
      this.leftover = filled - frames * blockAlign;
      if (this.leftover) this.bytes.copyWithin(0, frames * blockAlign, filled);
    }
  }
}

/**
 * Returns a function that downmixes `frames` frames from the start of `scratch` into `mono` (and, for stereo, copies
 * the left channel into `left`).
 */
function frameDecoder(
  h: WavHeader,
  scratch: ArrayBuffer,
  mono: Float32Array,
  left?: Float32Array,
): (frames: number) => void {
  const mixer = monoDecoder(h, scratch, mono);
  if (!left) return mixer;
  const copyLeft = leftDecoder(h, scratch, left);
  return (n) => {
    mixer(n);
    copyLeft(n);
  };
}

/** Returns a function that copies the left channel of `n` stereo frames into `out`, scaled like the mean. */
function leftDecoder(h: WavHeader, scratch: ArrayBuffer, out: Float32Array): (n: number) => void {
  const bytes = new Uint8Array(scratch);
  const copy = (v: Samples, k: number) => (n: number) => {
    for (let f = 0, i = 0; f < n; f++, i += 2) out[f] = v[i]! * k;
  };
  const table = (t: Float32Array) => (n: number) => {
    for (let f = 0, i = 0; f < n; f++, i += 2) out[f] = t[bytes[i]!]!;
  };
  switch (h.codec) {
    case 'float':
      return h.bitsPerSample === 64 ? copy(new Float64Array(scratch), 1) : copy(new Float32Array(scratch), 1);
    case 'alaw':
      return table(ALAW);
    case 'mulaw':
      return table(MULAW);
    case 'pcm':
      if (h.bitsPerSample === 16) return copy(new Int16Array(scratch), 1 / 32768);
      if (h.bitsPerSample === 32) return copy(new Int32Array(scratch), 1 / 2147483648);
      if (h.bitsPerSample === 8) return table(UNSIGNED8);
      return (n) => {
        for (let f = 0, i = 0; f < n; f++, i += 6)
          out[f] = (((bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16)) << 8) >> 8) / 8388608;
      };
  }
}

function monoDecoder(h: WavHeader, scratch: ArrayBuffer, mono: Float32Array): (frames: number) => void {
  const c = h.channels;
  const bytes = new Uint8Array(scratch);
  const typed = (view: Int16Array | Int32Array | Float32Array | Float64Array, scale: number) => {
    const k = scale / c;
    if (c === 1) return (n: number) => mixMono(view, n, k, mono);
    if (c === 2) return (n: number) => mixStereo(view, n, k, mono);
    return (n: number) => mixAny(view, n, c, k, mono);
  };
  switch (h.codec) {
    case 'float':
      return h.bitsPerSample === 64
        ? typed(new Float64Array(scratch), 1)
        : typed(new Float32Array(scratch), 1);
    case 'alaw':
      return (n) => mixTable(bytes, n, c, ALAW, mono);
    case 'mulaw':
      return (n) => mixTable(bytes, n, c, MULAW, mono);
    case 'pcm':
      if (h.bitsPerSample === 16) return typed(new Int16Array(scratch), 1 / 32768);
      if (h.bitsPerSample === 32) return typed(new Int32Array(scratch), 1 / 2147483648);
      if (h.bitsPerSample === 8) return (n) => mixTable(bytes, n, c, UNSIGNED8, mono);
      return (n) => mix24(bytes, n, c, mono);
  }
}

type Samples = Int16Array | Int32Array | Float32Array | Float64Array;

function mixMono(v: Samples, n: number, k: number, out: Float32Array) {
  for (let f = 0; f < n; f++) out[f] = v[f]! * k;
}

function mixStereo(v: Samples, n: number, k: number, out: Float32Array) {
  for (let f = 0, i = 0; f < n; f++, i += 2) out[f] = (v[i]! + v[i + 1]!) * k;
}

function mixAny(v: Samples, n: number, c: number, k: number, out: Float32Array) {
  for (let f = 0, i = 0; f < n; f++) {
    let sum = 0;
    for (let ch = 0; ch < c; ch++) sum += v[i++]!;
    out[f] = sum * k;
  }
}

function mixTable(b: Uint8Array, n: number, c: number, table: Float32Array, out: Float32Array) {
  const k = 1 / c;
  for (let f = 0, i = 0; f < n; f++) {
    let sum = 0;
    for (let ch = 0; ch < c; ch++) sum += table[b[i++]!]!;
    out[f] = sum * k;
  }
}

function mix24(b: Uint8Array, n: number, c: number, out: Float32Array) {
  const k = 1 / (8388608 * c);
  for (let f = 0, i = 0; f < n; f++) {
    let sum = 0;
    for (let ch = 0; ch < c; ch++, i += 3) sum += ((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)) << 8) >> 8;
    out[f] = sum * k;
  }
}

/** 8-bit WAV is unsigned (128 = silence); G.711 expansion tables (ITU-T G.711). All scaled to [-1, 1). */
const UNSIGNED8 = Float32Array.from({ length: 256 }, (_, i) => (i - 128) / 128);
const ALAW = new Float32Array(256);
const MULAW = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  let a = i ^ 0x55;
  const exponent = (a & 0x70) >> 4;
  let mantissa = a & 0x0f;
  mantissa = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  ALAW[i] = (a & 0x80 ? mantissa : -mantissa) / 32768;
  a = ~i & 0xff;
  const sign = a & 0x80;
  const e = (a >> 4) & 0x07;
  const m = a & 0x0f;
  const magnitude = (((m << 3) + 0x84) << e) - 0x84;
  MULAW[i] = (sign ? -magnitude : magnitude) / 32768;
}
