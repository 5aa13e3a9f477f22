/**
 * Golden tests of the `tempo` extractor: click tracks from 60 to 180 BPM within 2 % per file and per 4 s window,
 * onset rate = BPM / 60, and no tempo where there is no beat (silence, a steady tone).
 */
import { describe, expect, it } from 'vitest';
import { tempoExtractor } from '../../../functions/core/extractors/tempo.ts';
import { clickTrack, harmonicComplex, whiteNoise } from '../../support/signals.ts';
import { drive, relErr, runOf } from './drive.ts';

const BPMS = [60, 72.5, 80, 91, 100, 113.3, 120, 128, 137.5, 150, 162, 171, 180];

describe('tempo extractor', () => {
  it('finds the tempo of click tracks within 2 %, per file and per window, 60–180 BPM', async () => {
    for (const bpm of BPMS) {
      const { windows, file } = await drive(runOf(tempoExtractor), clickTrack(bpm, 20));
      expect(relErr(file.bpm, bpm), `${bpm} BPM: ${JSON.stringify(file)}`).toBeLessThan(0.02);
      for (const w of windows)
        expect(relErr(w.bpm, bpm), `${bpm} BPM window ${JSON.stringify(w)}`).toBeLessThan(0.02);
      expect(relErr(file.onset_rate_hz, bpm / 60)).toBeLessThan(0.1);
    }
  });

  it('keeps the file tempo accurate on clicks at a non-integer period, with noise under them', async () => {
    const x = clickTrack(97.7, 30);
    const noise = whiteNoise(30, 0.01);
    for (let i = 0; i < x.length; i++) x[i]! += noise[i]!;
    const { file } = await drive(runOf(tempoExtractor), x);
    expect(relErr(file.bpm, 97.7)).toBeLessThan(0.005);
  });

  it('gives no tempo and no onsets for silence or a steady tone', async () => {
    for (const x of [new Float32Array(128000), harmonicComplex(137, 8, [1, 2, 3, 4, 5, 6])]) {
      const { windows, file } = await drive(runOf(tempoExtractor), x);
      expect(file.bpm).toBeNull();
      expect(file.onset_rate_hz).toBeLessThanOrEqual(0.125);
      for (const w of windows) expect(w.bpm).toBeNull();
    }
  });
});
