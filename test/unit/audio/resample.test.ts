import pkg from '@alexanderolsen/libsamplerate-js';
import { describe, expect, it } from 'vitest';
import { StreamingResampler, resample } from '../../../functions/audio/resample.ts';

// CommonJS package: the named exports live on the default export.
const { create, ConverterType } = pkg as unknown as {
  create: (
    channels: number,
    inRate: number,
    outRate: number,
    options: { converterType: number },
  ) => Promise<{ simple(x: Float32Array): Float32Array; destroy(): void }>;
  ConverterType: { SRC_SINC_BEST_QUALITY: number };
};

const IN = 44100;
const OUT = 16000;
const SECONDS = 4;
const F0 = 50;
const F1 = 6000;
const AMP = 0.5;
/** Linear chirp F0 → F1 over SECONDS: phase(t) = 2π (F0 t + (F1 − F0) t² / 2T). */
const phase = (t: number) => 2 * Math.PI * (F0 * t + ((F1 - F0) / (2 * SECONDS)) * t * t);
const sweep = (rate: number) =>
  Float32Array.from({ length: rate * SECONDS }, (_, i) => AMP * Math.sin(phase(i / rate)));

/** 10·log10 of the error energy relative to the reference energy over [start, end). */
function errorDb(x: Float32Array, ref: Float32Array, start: number, end: number): number {
  let e = 0;
  let p = 0;
  for (let i = start; i < end; i++) {
    e += (x[i]! - ref[i]!) ** 2;
    p += ref[i]! ** 2;
  }
  return 10 * Math.log10(e / p);
}

function toneGainDb(frequency: number): number {
  const tone = Float32Array.from({ length: IN }, (_, i) => Math.sin((2 * Math.PI * frequency * i) / IN));
  const out = resample(tone, IN, OUT);
  let p = 0;
  for (let i = 2000; i < out.length - 2000; i++) p += out[i]! ** 2;
  return 10 * Math.log10((2 * p) / (out.length - 4000)); // a unit sine has power 1/2
}

describe('resampler on a 50 Hz → 6 kHz sweep, 44.1 kHz → 16 kHz', () => {
  const out = resample(sweep(IN), IN, OUT);

  it('yields ceil(n · out / in) samples, aligned with the input (no delay)', () => {
    expect(out.length).toBe(StreamingResampler.outputLength(IN * SECONDS, IN, OUT));
    expect(out.length).toBe(OUT * SECONDS);
    // Aligned: the whole sweep matches the ideal 16 kHz sweep to −55 dB (error is the pass-band edge at 6 kHz).
    expect(errorDb(out, sweep(OUT), 400, out.length - 400)).toBeLessThan(-55);
  });

  it('keeps the amplitude within ±0.1 dB and the frequency within 0.1 % in every half second', () => {
    for (let w = 0; w < 2 * SECONDS; w++) {
      const start = w * (OUT / 2);
      let power = 0;
      const crossings: number[] = []; // interpolated times of sign changes, in seconds
      for (let i = start; i < start + OUT / 2; i++) {
        power += out[i]! ** 2;
        const a = out[i - 1]!;
        const b = out[i]!;
        if (i > start && a < 0 !== b < 0) crossings.push((i - 1 + a / (a - b)) / OUT);
      }
      const amplitudeDb = 20 * Math.log10((Math.sqrt(power / (OUT / 2)) * Math.SQRT2) / AMP);
      const first = crossings[0]!;
      const last = crossings[crossings.length - 1]!;
      const measuredHz = (crossings.length - 1) / (2 * (last - first));
      const expectedHz = F0 + ((F1 - F0) * ((first + last) / 2)) / SECONDS;
      expect(Math.abs(amplitudeDb)).toBeLessThan(0.1);
      expect(Math.abs(measuredHz - expectedHz) / expectedHz).toBeLessThan(0.001);
    }
  });

  it('agrees with libsamplerate SRC_SINC_BEST_QUALITY (reference oracle)', async () => {
    const src = await create(1, IN, OUT, { converterType: ConverterType.SRC_SINC_BEST_QUALITY });
    const ref = src.simple(sweep(IN));
    src.destroy();
    expect(Math.abs(ref.length - out.length)).toBeLessThanOrEqual(1);
    // Up to 3 kHz both are flat: −80 dB. Over the whole sweep our 0.9 roll-off shows near 6 kHz: −55 dB.
    expect(errorDb(out, ref, 400, OUT * 2)).toBeLessThan(-80);
    expect(errorDb(out, ref, 400, ref.length - 400)).toBeLessThan(-55);
  });
});

describe('resampler frequency response (44.1 kHz → 16 kHz)', () => {
  it('passes 6 kHz within 0.15 dB, is −6 dB at 0.9 × Nyquist, and rejects ≥ 9 kHz by 85 dB', () => {
    expect(toneGainDb(1000)).toBeCloseTo(0, 2);
    expect(toneGainDb(6000)).toBeGreaterThan(-0.15);
    expect(toneGainDb(7200)).toBeCloseTo(-6, 0);
    expect(toneGainDb(9000)).toBeLessThan(-85);
    expect(toneGainDb(12000)).toBeLessThan(-100);
    expect(toneGainDb(20000)).toBeLessThan(-100);
  });
});

describe('StreamingResampler', () => {
  const signal = Float32Array.from(
    { length: 48000 + 17 },
    (_, i) => 0.5 * Math.sin(i * 0.01) + 0.3 * Math.sin(i * 0.37),
  );

  it.each([
    [44100, 16000],
    [48000, 16000],
    [8000, 16000],
    [22050, 16000],
    [96000, 16000],
    [44056, 16000], // needs more than 4096 phases: nearest-phase mode
  ])('gives the same output for any block size, %i → %i', (inRate, outRate) => {
    const whole = resample(signal, inRate, outRate);
    const r = new StreamingResampler(inRate, outRate);
    const parts: number[] = [];
    for (let i = 0; i < signal.length; i += 777)
      r.process(signal.subarray(i, i + 777), (b) => parts.push(...b));
    r.finish((b) => parts.push(...b));
    expect(parts.length).toBe(StreamingResampler.outputLength(signal.length, inRate, outRate));
    expect(whole.length).toBe(parts.length);
    expect(Float32Array.from(parts)).toEqual(whole);
  });

  it('computes the same values in the SIMD kernel and the JavaScript fallback', () => {
    const simd = resample(signal, 44100, 16000, { kernel: 'simd' });
    const js = resample(signal, 44100, 16000, { kernel: 'js' });
    expect(js.length).toBe(simd.length);
    let worst = 0;
    for (let i = 0; i < js.length; i++) worst = Math.max(worst, Math.abs(js[i]! - simd[i]!));
    expect(worst).toBeLessThan(1e-6); // float32 vs float64 accumulation order only
  });

  it('keeps a constant constant (unit DC gain in every phase)', () => {
    const out = resample(new Float32Array(22050).fill(0.25), 22050, 16000);
    let worst = 0;
    for (let i = 200; i < out.length - 200; i++) worst = Math.max(worst, Math.abs(out[i]! - 0.25));
    expect(worst).toBeLessThan(1e-6);
  });

  it('rejects non-integer or non-positive rates', () => {
    expect(() => new StreamingResampler(44100.5, 16000)).toThrow(RangeError);
    expect(() => new StreamingResampler(0, 16000)).toThrow(RangeError);
  });
});
