import type { WavHeader } from './wav-header.ts';

/**
 * Streaming WAV sample decoder for the codecs parseWavHeader accepts (PCM 8/16/24/32-bit, float 32/64, A-law,
 * μ-law; plain or WAVE_FORMAT_EXTENSIBLE). Written here rather than taken from @audio/decode-wav because that
 * decoder fails on float64 data at unaligned chunk boundaries, and because counting the bytes of the data chunk is
 * what lets ingestion report truncation. Feed it the bytes that follow the header; it stops at the declared size.
 */
export class WavDecoder {
  private leftover = new Uint8Array(0);
  private remaining: number;
  private readonly decodeSample: (view: DataView, offset: number) => number;
  /** Bytes of the data chunk received so far. */
  received = 0;

  constructor(private readonly header: WavHeader) {
    this.remaining = header.dataBytes ?? Number.POSITIVE_INFINITY;
    this.decodeSample = sampleReader(header);
  }

  /** Decodes the whole frames in `bytes` (plus any partial frame left from the previous call). */
  push(bytes: Uint8Array): Float32Array[] {
    const take = Math.min(bytes.length, this.remaining);
    if (take <= 0) return [];
    this.remaining -= take;
    this.received += take;
    let data = bytes.subarray(0, take);
    if (this.leftover.length) {
      const joined = new Uint8Array(this.leftover.length + data.length);
      joined.set(this.leftover);
      joined.set(data, this.leftover.length);
      data = joined;
    }
    const { blockAlign, channels, bitsPerSample } = this.header;
    const frames = Math.floor(data.length / blockAlign);
    this.leftover = data.slice(frames * blockAlign);
    const out = Array.from({ length: channels }, () => new Float32Array(frames));
    const view = new DataView(data.buffer, data.byteOffset, frames * blockAlign);
    const step = bitsPerSample / 8;
    const read = this.decodeSample;
    for (let ch = 0; ch < channels; ch++) {
      const dest = out[ch]!;
      let offset = ch * step;
      for (let f = 0; f < frames; f++, offset += blockAlign) dest[f] = read(view, offset);
    }
    return frames ? out : [];
  }
}

function sampleReader(h: WavHeader): (view: DataView, offset: number) => number {
  switch (h.codec) {
    case 'float':
      return h.bitsPerSample === 64 ? (v, o) => v.getFloat64(o, true) : (v, o) => v.getFloat32(o, true);
    case 'alaw':
      return (v, o) => ALAW[v.getUint8(o)]!;
    case 'mulaw':
      return (v, o) => MULAW[v.getUint8(o)]!;
    case 'pcm':
      switch (h.bitsPerSample) {
        case 8:
          return (v, o) => (v.getUint8(o) - 128) / 128; // 8-bit WAV is unsigned
        case 16:
          return (v, o) => v.getInt16(o, true) / 32768;
        case 24:
          return (v, o) => (v.getUint8(o) | (v.getUint8(o + 1) << 8) | (v.getInt8(o + 2) << 16)) / 8388608;
        default:
          return (v, o) => v.getInt32(o, true) / 2147483648;
      }
  }
}

/** G.711 expansion tables (ITU-T G.711), scaled to [-1, 1). */
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
