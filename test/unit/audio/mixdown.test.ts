import { describe, expect, it } from 'vitest';
import type { AudioError } from '../../../functions/audio/errors.ts';
import { Mixdown, OutputCollector } from '../../../functions/audio/mixdown.ts';

const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return (error as AudioError).code;
  }
};

describe('Mixdown', () => {
  it('averages the channels, tracks the peak and counts input frames', () => {
    const mix = new Mixdown(16000, 60);
    mix.pushChannels([Float32Array.of(1, 0.5, 0), Float32Array.of(0, 0.5, -0.5)], 16000);
    mix.pushChannels([Float32Array.of(0.2), Float32Array.of(0.2), Float32Array.of(0.8)], 16000);
    expect(mix.frames).toBe(4);
    expect(mix.channels).toBe(2); // the first block fixes the format
    expect(mix.peak).toBe(0.5);
    expect(Array.from(mix.finish())).toEqual([0.5, 0.5, -0.25, Math.fround(0.4)]);
  });

  it('resamples to the target rate as blocks arrive', () => {
    const mix = new Mixdown(16000, 60);
    const block = Float32Array.from({ length: 4410 }, (_, i) => Math.sin(i / 10));
    for (let i = 0; i < 10; i++) mix.pushChannels([block], 44100);
    expect(mix.finish().length).toBe(16000);
  });

  it('rejects non-finite samples, channel mismatches and a rate change as precise codes', () => {
    const nan = new Mixdown(16000, 60);
    nan.start(16000, 1);
    expect(codeOf(() => nan.pushMono(Float32Array.of(0.1, NaN, 0.2)))).toBe('corrupt_audio');
    const inf = new Mixdown(16000, 60);
    expect(codeOf(() => inf.pushChannels([Float32Array.of(0.1, -Infinity)], 16000))).toBe('corrupt_audio');
    const ragged = new Mixdown(16000, 60);
    expect(codeOf(() => ragged.pushChannels([new Float32Array(3), new Float32Array(2)], 16000))).toBe(
      'corrupt_audio',
    );
    const change = new Mixdown(16000, 60);
    change.pushChannels([new Float32Array(3)], 16000);
    expect(codeOf(() => change.pushChannels([new Float32Array(3)], 22050))).toBe('unsupported_format');
    expect(codeOf(() => new Mixdown(16000, 60).start(500, 1))).toBe('corrupt_audio');
    expect(codeOf(() => new Mixdown(16000, 60).start(16000, 65))).toBe('corrupt_audio');
  });

  it('analyses the left channel alone, with a warning, when the stereo channels cancel', () => {
    const left = Float32Array.from({ length: 800 }, (_, i) => 0.5 * Math.sin(i / 7));
    const right = left.map((v) => -v);
    const mix = new Mixdown(16000, 60);
    mix.pushChannels([new Float32Array(100), new Float32Array(100)], 16000); // silence decides nothing
    mix.pushChannels([left, right], 16000);
    mix.pushChannels([right, left], 16000); // the choice holds for the whole file: the left channel again
    expect(mix.warnings.map((w) => w.code)).toEqual(['stereo_channels_cancel']);
    const out = mix.finish();
    expect(out.length).toBe(1700);
    expect(Array.from(out.subarray(100, 900))).toEqual(Array.from(left));
    expect(Array.from(out.subarray(900))).toEqual(Array.from(right));
    expect(mix.peak).toBeCloseTo(0.5, 3);
  });

  it('keeps the mean, without a warning, for ordinary stereo and for channels that only partly cancel', () => {
    const left = Float32Array.from({ length: 800 }, (_, i) => 0.5 * Math.sin(i / 7));
    const ordinary = new Mixdown(16000, 60);
    ordinary.pushChannels([left, left.map((v) => v * 0.8)], 16000);
    expect(ordinary.warnings).toEqual([]);
    expect(ordinary.finish()[10]).toBeCloseTo(left[10]! * 0.9, 6);
    // right = −0.9 × left keeps 0.25 % of the energy (−26 dB): quiet, but not the miswiring this guards against.
    const partly = new Mixdown(16000, 60);
    partly.pushChannels([left, left.map((v) => v * -0.9)], 16000);
    expect(partly.warnings).toEqual([]);
    expect(partly.finish()[10]).toBeCloseTo(left[10]! * 0.05, 6);
  });

  it('stops with too_long as soon as the input passes the maximum duration', () => {
    const mix = new Mixdown(16000, 1);
    mix.pushChannels([new Float32Array(16000)], 16000);
    expect(codeOf(() => mix.pushChannels([new Float32Array(1)], 16000))).toBe('too_long');
  });
});

describe('OutputCollector', () => {
  it('grows one buffer in place and returns it trimmed to the samples written', () => {
    const out = new OutputCollector(3 << 20);
    out.push(Float32Array.of(1, 2, 3));
    const big = Float32Array.from({ length: (1 << 21) + 5 }, (_, i) => i % 1000);
    out.push(big);
    const samples = out.finish();
    expect(samples.length).toBe(big.length + 3);
    expect(samples.buffer.byteLength).toBe(4 * samples.length); // no spare capacity kept
    expect(Array.from(samples.subarray(0, 5))).toEqual([1, 2, 3, 0, 1]);
    expect(samples[samples.length - 1]).toBe(big[big.length - 1]);
    expect(new OutputCollector(10).finish().length).toBe(0);
  });

  it('refuses to grow past its maximum (the longest output the limits allow)', () => {
    const out = new OutputCollector(4);
    out.push(new Float32Array(4));
    expect(() => out.push(new Float32Array(1))).toThrow(RangeError);
  });
});
