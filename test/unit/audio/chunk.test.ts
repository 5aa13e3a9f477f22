import { describe, expect, it } from 'vitest';
import {
  SILENCE_RMS,
  fillWindow,
  normalizeInto,
  normalizeWindow,
  planChunks,
  rms,
  windowStats,
} from '../../../functions/audio/chunk.ts';

const spec = { window_samples: 64000, hop_samples: 64000, min_samples: 16000 };

describe('planChunks', () => {
  it('cuts exact multiples into full windows', () => {
    const plan = planChunks(64000 * 3, spec);
    expect(plan.map((c) => [c.start, c.end, c.kind])).toEqual([
      [0, 64000, 'full'],
      [64000, 128000, 'full'],
      [128000, 192000, 'full'],
    ]);
  });

  it('aligns a tail of at least min_samples to the end of the audio', () => {
    const total = 64000 * 2 + 20000; // 9.25 s
    const plan = planChunks(total, spec);
    expect(plan).toHaveLength(3);
    expect(plan[2]).toEqual({ index: 2, start: total - 64000, end: total, kind: 'tail' });
  });

  it('reports a tail shorter than min_samples as too_short', () => {
    const total = 64000 + 8000;
    const plan = planChunks(total, spec);
    expect(plan[1]).toEqual({ index: 1, start: 64000, end: total, kind: 'too_short' });
  });

  it('pads audio shorter than a window, and rejects audio shorter than min_samples', () => {
    expect(planChunks(30000, spec)).toEqual([{ index: 0, start: 0, end: 30000, kind: 'padded' }]);
    expect(planChunks(15999, spec)).toEqual([]);
  });
});

describe('fillWindow', () => {
  it('tiles short audio end to end', () => {
    const samples = Float32Array.from({ length: 3 }, (_, i) => i + 1);
    const out = new Float32Array(8);
    fillWindow(samples, { index: 0, start: 0, end: 3, kind: 'padded' }, out);
    expect(Array.from(out)).toEqual([1, 2, 3, 1, 2, 3, 1, 2]);
  });
});

describe('normalizeWindow', () => {
  it('gives zero mean and unit variance', () => {
    const x = Float32Array.from({ length: 64000 }, (_, i) => 0.3 + 0.1 * Math.sin(i / 7));
    normalizeWindow(x, { kind: 'zero_mean_unit_variance', epsilon: 1e-7 });
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(mean).toBeCloseTo(0, 5);
    expect(variance).toBeCloseTo(1, 4);
  });

  it('leaves the signal alone with kind none', () => {
    const x = Float32Array.of(1, 2, 3);
    normalizeWindow(x, { kind: 'none' });
    expect(Array.from(x)).toEqual([1, 2, 3]);
  });
});

describe('windowStats', () => {
  /** The two-pass textbook form, in float64. */
  function reference(x: Float32Array) {
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    return { mean, variance, rms: Math.sqrt(x.reduce((a, b) => a + b * b, 0) / x.length) };
  }

  it('matches the two-pass mean, variance and RMS, including a length that is not a multiple of four', () => {
    for (const length of [64000, 64003, 3, 1]) {
      const x = Float32Array.from(
        { length },
        (_, i) => 0.25 + 0.2 * Math.sin(i / 5) + 0.01 * Math.cos(i * 1.7),
      );
      const got = windowStats(x);
      const want = reference(x);
      expect(got.mean).toBeCloseTo(want.mean, 12);
      expect(got.variance).toBeCloseTo(want.variance, 12);
      expect(got.rms).toBeCloseTo(want.rms, 12);
    }
  });

  it('keeps a tiny variance under a large DC offset', () => {
    const x = Float32Array.from({ length: 64000 }, (_, i) => 0.5 + 1e-4 * Math.sin(i / 3));
    expect(windowStats(x).variance / reference(x).variance).toBeCloseTo(1, 9);
  });

  it('is zero for an empty window', () => {
    expect(windowStats(new Float32Array(0))).toEqual({ mean: 0, variance: 0, rms: 0 });
  });
});

describe('normalizeInto', () => {
  it('writes the normalised window elsewhere and leaves the raw samples as they were', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => 0.1 + 0.5 * Math.sin(i / 9));
    const raw = x.slice();
    const inPlace = x.slice();
    normalizeWindow(inPlace, { kind: 'zero_mean_unit_variance', epsilon: 1e-7 });
    const out = normalizeInto(x, new Float32Array(x.length), {
      kind: 'zero_mean_unit_variance',
      epsilon: 1e-7,
    });
    expect(Array.from(x)).toEqual(Array.from(raw));
    expect(Array.from(out)).toEqual(Array.from(inPlace));
    const mean = reference2(out);
    expect(mean).toBeCloseTo(0, 6);
  });

  it('copies the window unchanged with kind none', () => {
    const out = normalizeInto(Float32Array.of(1, 2, 3), new Float32Array(3), { kind: 'none' });
    expect(Array.from(out)).toEqual([1, 2, 3]);
  });

  const reference2 = (x: Float32Array) => x.reduce((a, b) => a + b, 0) / x.length;
});

describe('rms', () => {
  it('puts -80 dBFS between dither and audible signal', () => {
    expect(rms(new Float32Array(100))).toBe(0);
    expect(rms(Float32Array.from({ length: 1000 }, (_, i) => 0.5 * Math.sin(i)))).toBeCloseTo(
      0.5 / Math.SQRT2,
      2,
    );
    expect(SILENCE_RMS).toBeCloseTo(10 ** (-80 / 20), 8);
  });
});
