/**
 * Golden tests of the `pitch` extractor on synthetic signals with known F0: harmonic complexes from 80 to 400 Hz
 * (full, and with the fundamental missing) must come out within 1 %, per window and per file; silence and noise are
 * unvoiced.
 */
import { describe, expect, it } from 'vitest';
import { pitchExtractor } from '../../../functions/core/extractors/pitch.ts';
import { harmonicComplex, whiteNoise } from '../../support/signals.ts';
import { drive, relErr, runOf } from './drive.ts';

const F0S = [80, 97.3, 123.5, 150, 188.8, 220, 261.6, 310.2, 349.2, 400];
const SETS: Record<string, number[]> = {
  'full (1st–8th)': [1, 2, 3, 4, 5, 6, 7, 8],
  'missing fundamental (2nd–5th)': [2, 3, 4, 5],
  'missing fundamental (3rd–6th)': [3, 4, 5, 6],
  'high harmonics only (4th–8th)': [4, 5, 6, 7, 8],
};

describe('pitch extractor', () => {
  for (const [label, harmonics] of Object.entries(SETS)) {
    it(`finds F0 within 1 % on ${label} complexes, 80–400 Hz`, async () => {
      for (const f0 of F0S) {
        const { windows, file } = await drive(runOf(pitchExtractor), harmonicComplex(f0, 8, harmonics));
        expect(relErr(file.median_hz, f0), `${f0} Hz: ${JSON.stringify(file)}`).toBeLessThan(0.01);
        expect(relErr(file.mean_hz, f0)).toBeLessThan(0.01);
        expect(file.voiced_fraction).toBeGreaterThan(0.95);
        for (const w of windows) expect(relErr(w.median_hz, f0), `${f0} Hz window`).toBeLessThan(0.01);
      }
    });
  }

  it('reports min, max and spread of a pitch that changes between windows', async () => {
    const x = new Float32Array(128000);
    x.set(harmonicComplex(120, 4, [1, 2, 3]));
    x.set(harmonicComplex(240, 4, [1, 2, 3]), 64000);
    const { windows, file } = await drive(runOf(pitchExtractor), x);
    expect(relErr(windows[0]!.median_hz, 120)).toBeLessThan(0.01);
    expect(relErr(windows[1]!.median_hz, 240)).toBeLessThan(0.01);
    expect(relErr(file.min_hz, 120)).toBeLessThan(0.01);
    expect(relErr(file.max_hz, 240)).toBeLessThan(0.01);
    expect(relErr(file.mean_hz, 180)).toBeLessThan(0.02);
    expect(relErr(file.std_hz, 60)).toBeLessThan(0.05);
  });

  it('gives no pitch for silence and white noise (voiced fraction near 0, statistics null)', async () => {
    const silent = await drive(runOf(pitchExtractor), new Float32Array(64000));
    expect(silent.file).toEqual({
      median_hz: null,
      mean_hz: null,
      std_hz: null,
      min_hz: null,
      max_hz: null,
      voiced_fraction: 0,
    });
    const noise = await drive(runOf(pitchExtractor), whiteNoise(8, 0.3));
    expect(noise.file.voiced_fraction).toBeLessThan(0.05);
  });

  it('reports the same values whether a stream feeds it in overlapping windows or a file in disjoint ones', async () => {
    const x = harmonicComplex(173, 9, [2, 3, 4]);
    const file = await drive(runOf(pitchExtractor), x);
    const stream = await drive(runOf(pitchExtractor), x, 16000);
    expect(stream.file).toEqual(file.file);
    expect(stream.windows[0]).toEqual(file.windows[0]);
  });
});
