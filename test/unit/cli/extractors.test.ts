/**
 * `realtone analyze --extractors pitch,tempo` end to end through the real CLI and default model, on generated WAV
 * files with known truth: features per file and per chunk, existing fields unchanged, and a clear usage error for
 * an unknown extractor.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/local-stack-process.ts';
import { clickTrack, harmonicComplex } from '../../support/signals.ts';
import { encodeWav16 } from '../../support/wav.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'realtone-extractors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases = [
  {
    file: 'complex-112hz-44k.wav',
    rate: 44100,
    x: harmonicComplex(112, 9, [1, 2, 3, 4, 5], { rate: 44100 }),
    f0: 112,
  },
  { file: 'missing-f0-310hz.wav', rate: 16000, x: harmonicComplex(310, 6.5, [2, 3, 4, 5]), f0: 310 },
  { file: 'clicks-87bpm.wav', rate: 16000, x: clickTrack(87, 14), bpm: 87 },
  { file: 'clicks-146bpm-48k.wav', rate: 48000, x: clickTrack(146, 11, { rate: 48000 }), bpm: 146 },
];
for (const c of cases) writeFileSync(path.join(dir, c.file), encodeWav16(c.x, c.rate));

const cli = (args: string[]) =>
  promisify(execFile)(process.execPath, ['scripts/realtone.mjs', 'analyze', ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('realtone analyze --extractors', () => {
  it('adds pitch and tempo features per file and per chunk', async () => {
    const { code, stdout } = await cli([
      '--extractors',
      'pitch,tempo',
      ...cases.map((c) => path.join(dir, c.file)),
    ]);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const [i, c] of cases.entries()) {
      const line = lines[i];
      expect(Object.keys(line)).toEqual([
        'file',
        'ok',
        'duration_s',
        'sample_rate_in',
        'chunks',
        'overall',
        'model',
        'features',
      ]);
      if (c.f0) {
        expect(Math.abs(line.features.pitch.median_hz - c.f0) / c.f0).toBeLessThan(0.01);
        for (const chunk of line.chunks.filter((ch: { score: unknown }) => ch.score !== null))
          expect(Math.abs(chunk.features.pitch.median_hz - c.f0) / c.f0).toBeLessThan(0.01);
      } else {
        expect(Math.abs(line.features.tempo.bpm - c.bpm!) / c.bpm!).toBeLessThan(0.02);
        expect(line.features.pitch.voiced_fraction).toBe(0);
      }
      for (const chunk of line.chunks) expect(Object.keys(chunk.features ?? {})).toEqual(['pitch', 'tempo']);
    }
  });

  it('refuses an unknown extractor with exit 2, naming the valid ones', async () => {
    const { code, stderr } = await cli(['--extractors', 'pitch,loudness', path.join(dir, cases[0]!.file)]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown extractor "loudness"; valid extractors: deepfake, pitch, tempo, vad');
  });
});
