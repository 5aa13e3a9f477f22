/**
 * Streaming polyphase resampler with a Kaiser-windowed sinc kernel.
 *
 * Why not libsamplerate-js: its WASM build measured 17× (best), 54× (medium) and 142× (fastest) real time for
 * 44.1 kHz → 16 kHz on this project's CPU, below the ≥ 300× ingestion target (docs/audio.md). This kernel is the
 * same family as libsamplerate's sinc converters, and test/unit/audio/resample.test.ts checks it against
 * libsamplerate's best converter.
 *
 * Parameters (defaults: ≥ 90 dB stop-band rejection above 9 kHz, pass band within 0.1 dB to 6 kHz, −6 dB at
 * 0.9 × the lower Nyquist frequency, measured for 44.1 kHz → 16 kHz):
 *   zeroCrossings  kernel half-width in zero crossings of the low-pass sinc (quality vs. speed);
 *   rolloff        cut-off as a fraction of the lower of the two Nyquist frequencies;
 *   kaiserBeta     Kaiser window shape (8.6 ≈ 80 dB side-lobe attenuation).
 *
 * The ratio is exact (out/in reduced by their gcd) when it needs at most MAX_PHASES filter phases; other ratios use
 * the nearest of MAX_PHASES phases (timing error < 1/8192 of an input sample).
 *
 * The multiply-adds run in the WebAssembly SIMD kernel (simd-kernel.ts); `kernel: 'js'` runs the same arithmetic
 * in JavaScript (used where WebAssembly SIMD is missing, and by the tests as a cross-check). Both read one memory
 * layout: [filter table | index pairs | output batch | input buffer], the input last so it can grow in place.
 */
import { createSimdKernel, type SimdKernel } from './simd-kernel.ts';

export interface ResamplerOptions {
  zeroCrossings?: number;
  rolloff?: number;
  kaiserBeta?: number;
  kernel?: 'simd' | 'js';
}

const MAX_PHASES = 4096;
/** Outputs computed per kernel call: bounds the index-pair and output regions. */
const BATCH = 4096;
const PAGE = 65536;

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/** Zeroth-order modified Bessel function of the first kind (power series; converges fast for beta ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Filter table: `phases` rows of `stride` floats (taps, then zeros up to a multiple of 8), unit DC gain each. */
function buildTable(phases: number, half: number, stride: number, fc: number, beta: number): Float32Array {
  const taps = 2 * half;
  const table = new Float32Array(phases * stride);
  const i0beta = besselI0(beta);
  for (let p = 0; p < phases; p++) {
    const frac = p / phases; // the output lies frac input samples after tap (half - 1)
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const x = k - (half - 1) - frac; // distance in input samples from the output position
      const w = x / half;
      const win = Math.abs(w) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - w * w)) / i0beta;
      const arg = 2 * fc * x;
      const v = 2 * fc * (arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg)) * win;
      table[p * stride + k] = v;
      sum += v;
    }
    // Normalise each phase to unit DC gain so a constant stays constant (no phase-dependent ripple).
    for (let k = 0; k < taps; k++) table[p * stride + k]! /= sum;
  }
  return table;
}

export class StreamingResampler {
  readonly inRate: number;
  readonly outRate: number;
  private readonly up: number; // L: output steps per `down` input steps
  private readonly down: number; // M
  private readonly phases: number;
  private readonly stride: number; // taps rounded up to a multiple of 8
  private readonly half: number;
  private readonly kernel: SimdKernel | undefined;
  private readonly pairsAt: number; // byte offsets in memory
  private readonly outAt: number;
  private readonly inAt: number;
  private memory: ArrayBuffer;
  private f32: Float32Array;
  private i32: Int32Array;
  private bufLen: number; // floats held in the input buffer
  private bufStart = 0; // absolute padded input index of the buffer's first float
  private outCount = 0;
  private inCount = 0;
  /** Next output's first tap (absolute padded input index) and its remainder, stepped without division. */
  private ip = 0;
  private rem = 0;

  constructor(inRate: number, outRate: number, options: ResamplerOptions = {}) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new RangeError(`sample rates must be positive integers (got ${inRate} → ${outRate})`);
    }
    const { zeroCrossings = 12, rolloff = 0.9, kaiserBeta = 8.6, kernel = 'simd' } = options;
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    this.phases = Math.min(this.up, MAX_PHASES);
    const fc = 0.5 * Math.min(1, outRate / inRate) * rolloff; // cut-off in cycles per input sample
    this.half = Math.ceil(zeroCrossings / (2 * fc));
    this.stride = Math.ceil((2 * this.half) / 8) * 8;
    const table = buildTable(this.phases, this.half, this.stride, fc, kaiserBeta);
    this.pairsAt = table.byteLength;
    this.outAt = this.pairsAt + 8 * BATCH;
    this.inAt = this.outAt + 4 * BATCH;
    this.kernel = kernel === 'simd' ? createSimdKernel() : undefined;
    const bytes = this.inAt + 4 * Math.max(16384, 4 * this.stride);
    this.memory = this.kernel ? this.grow(bytes) : new ArrayBuffer(bytes);
    this.f32 = new Float32Array(this.memory);
    this.i32 = new Int32Array(this.memory);
    this.f32.set(table);
    // Leading zeros so the first output (aligned to input sample 0) has a full kernel.
    this.bufLen = this.half - 1;
  }

  /** Number of output samples the whole stream yields for `inputLength` input samples: ceil(n · out / in). */
  static outputLength(inputLength: number, inRate: number, outRate: number): number {
    return Math.ceil((inputLength * outRate) / inRate - 1e-9);
  }

  /** Feeds input samples; passes each completed block of output to `emit` (a view, valid only during the call). */
  process(input: Float32Array, emit: (block: Float32Array) => void): void {
    this.append(input);
    this.inCount += input.length;
    this.drain(Infinity, emit);
  }

  /** Ends the stream: pads with zeros and passes the remaining output to `emit`. */
  finish(emit: (block: Float32Array) => void): void {
    this.append(new Float32Array(this.stride + 1));
    this.drain(StreamingResampler.outputLength(this.inCount, this.inRate, this.outRate), emit);
  }

  /** Feeds input samples; returns the output samples that are now complete (a copy). */
  push(input: Float32Array): Float32Array {
    const parts: Float32Array[] = [];
    this.process(input, (b) => parts.push(b.slice()));
    return join(parts);
  }

  /** Ends the stream and returns the remaining output samples (a copy). */
  flush(): Float32Array {
    const parts: Float32Array[] = [];
    this.finish((b) => parts.push(b.slice()));
    return join(parts);
  }

  private grow(bytes: number): ArrayBuffer {
    const memory = this.kernel!.memory;
    const need = Math.ceil((bytes - memory.buffer.byteLength) / PAGE);
    if (need > 0) memory.grow(need);
    return memory.buffer;
  }

  private append(input: Float32Array): void {
    const need = this.inAt + 4 * (this.bufLen + input.length);
    if (need > this.memory.byteLength) {
      const bytes = Math.max(need, this.inAt + 2 * (this.memory.byteLength - this.inAt));
      if (this.kernel) this.memory = this.grow(bytes);
      else {
        const next = new ArrayBuffer(bytes);
        new Uint8Array(next).set(new Uint8Array(this.memory));
        this.memory = next;
      }
      this.f32 = new Float32Array(this.memory);
      this.i32 = new Int32Array(this.memory);
    }
    this.f32.set(input, this.inAt / 4 + this.bufLen);
    this.bufLen += input.length;
  }

  private drain(total: number, emit: (block: Float32Array) => void): void {
    const { up, down, phases, stride, f32, i32 } = this;
    const step = Math.floor(down / up);
    const stepRem = down - step * up;
    const exact = phases === up;
    const limit = this.bufStart + this.bufLen - stride; // last first-tap index whose taps are all buffered
    let { ip, rem } = this;
    for (;;) {
      let count = 0;
      const pairs = this.pairsAt / 4;
      while (count < BATCH && this.outCount + count < total && ip <= limit) {
        const p = exact ? rem : Math.min(phases - 1, Math.round((rem / up) * phases));
        i32[pairs + 2 * count] = this.inAt + 4 * (ip - this.bufStart);
        i32[pairs + 2 * count + 1] = 4 * p * stride;
        count++;
        ip += step;
        rem += stepRem;
        if (rem >= up) {
          rem -= up;
          ip++;
        }
      }
      if (!count) break;
      if (this.kernel) this.kernel.run(this.pairsAt, count, this.outAt, stride);
      else dotJs(f32, i32, pairs, count, this.outAt / 4, stride);
      this.outCount += count;
      emit(f32.subarray(this.outAt / 4, this.outAt / 4 + count));
    }
    this.ip = ip;
    this.rem = rem;
    // Drop input no future output needs.
    const drop = Math.max(0, Math.min(this.bufLen, ip - this.bufStart));
    if (drop > 0) {
      const at = this.inAt / 4;
      f32.copyWithin(at, at + drop, at + this.bufLen);
      this.bufLen -= drop;
      this.bufStart += drop;
    }
  }
}

/** The kernel's arithmetic in JavaScript: four accumulators, as the SIMD lanes do. */
function dotJs(f32: Float32Array, i32: Int32Array, pairs: number, count: number, out: number, taps: number) {
  for (let i = 0; i < count; i++) {
    let b = i32[pairs + 2 * i]! >> 2;
    let t = i32[pairs + 2 * i + 1]! >> 2;
    const end = b + taps;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (; b < end; b += 4, t += 4) {
      a0 += f32[b]! * f32[t]!;
      a1 += f32[b + 1]! * f32[t + 1]!;
      a2 += f32[b + 2]! * f32[t + 2]!;
      a3 += f32[b + 3]! * f32[t + 3]!;
    }
    f32[out + i] = a0 + a1 + a2 + a3;
  }
}

function join(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One-shot convenience: resamples a whole signal. */
export function resample(
  input: Float32Array,
  inRate: number,
  outRate: number,
  options?: ResamplerOptions,
): Float32Array {
  if (inRate === outRate) return input.slice();
  const r = new StreamingResampler(inRate, outRate, options);
  const parts: Float32Array[] = [];
  const keep = (b: Float32Array) => parts.push(b.slice());
  r.process(input, keep);
  r.finish(keep);
  return join(parts);
}
