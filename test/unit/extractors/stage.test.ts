/**
 * Extractors as a pipeline stage: chosen names are validated (unknown → 400 listing the valid ones), features land
 * on each chunk and on the file, and the VAD gate keeps windows with too little speech from the detector
 * (`no_speech`) while every extractor still runs on them. The speech model is a double here (vad.test.ts runs the
 * real one); the detector is the pipeline tests' double.
 */
import { httpStatusFor } from '../../../functions/shared/error-table.ts';
import { describe, expect, it } from 'vitest';
import { ExtractorCatalog } from '../../../functions/core/extractors/catalog.ts';
import { describeExtractors, resolveExtractors } from '../../../functions/core/extractors/registry.ts';
import { InferenceQueue } from '../../../functions/core/pipeline/inference-queue.ts';
import { DetectionSession } from '../../../functions/core/pipeline/session.ts';
import type { Detector } from '../../../functions/ports/detector.ts';
import type { SpeechActivityModel } from '../../../functions/ports/speech.ts';
import { harmonicComplex } from '../../support/signals.ts';
import { recordingDetector } from '../pipeline/doubles.ts';

/** "Speech" wherever the frame is loud (peak > 0.3): lets a test lay out speech and non-speech regions. */
const loudIsSpeech: SpeechActivityModel = {
  name: 'double',
  sampleRate: 16000,
  frameSamples: 512,
  open: () => ({
    probabilities: async (frames) =>
      Float32Array.from({ length: frames.length / 512 }, (_, i) => {
        let peak = 0;
        for (let k = i * 512; k < (i + 1) * 512; k++) peak = Math.max(peak, Math.abs(frames[k]!));
        return peak > 0.3 ? 0.9 : 0.1;
      }),
  }),
  close: async () => undefined,
};

function session(catalog: ExtractorCatalog, names: string[]) {
  const double = recordingDetector(0, 64000);
  const detector = { ...double.detector, manifest: { ...double.detector.manifest, sample_rate: 16000 } };
  const queue = new InferenceQueue(detector as unknown as Detector, { maxWaitMs: 0 });
  const stage = catalog.stage(resolveExtractors(names));
  return new DetectionSession(queue, {
    chunk: { window_samples: 64000, hop_samples: 64000, min_samples: 16000 },
    verdict: { fraction: 1, thresholds: { likely_fake: 0.5, fake: 0.8 } },
    stages: stage ? [stage] : [],
  });
}

describe('extractor selection', () => {
  it('defaults to the detector alone, always keeps it first, and drops duplicates', () => {
    expect(resolveExtractors(undefined)).toEqual(['deepfake']);
    expect(resolveExtractors(['tempo', 'pitch', 'tempo'])).toEqual(['deepfake', 'pitch', 'tempo']);
  });

  it('refuses an unknown name with 400 unknown_extractor, naming the valid ones', () => {
    expect(() => resolveExtractors(['pitch', 'loudness'])).toThrow(
      expect.objectContaining({
        code: 'unknown_extractor',
        message: 'unknown extractor "loudness"; valid extractors: deepfake, pitch, tempo, vad',
      }),
    );
    expect(httpStatusFor('unknown_extractor')).toBe(400);
  });

  it('describes every extractor with name, version, device, description and outputs', () => {
    const list = describeExtractors({ name: 'm', version: '9' });
    expect(list.map((e) => [e.name, e.device])).toEqual([
      ['deepfake', 'gpu'],
      ['pitch', 'cpu'],
      ['tempo', 'cpu'],
      ['vad', 'cpu'],
    ]);
    expect(Object.keys(list[1]!.outputs)).toEqual([
      'median_hz',
      'mean_hz',
      'std_hz',
      'min_hz',
      'max_hz',
      'voiced_fraction',
    ]);
    for (const e of list) expect(e.version).toMatch(/\S/);
  });
});

describe('ExtractorStage in the pipeline', () => {
  it('adds features per chunk and per file; the detector alone adds none', async () => {
    const x = harmonicComplex(200, 8, [1, 2, 3]);
    const plain = session(new ExtractorCatalog(undefined), []);
    plain.push(x);
    const before = await plain.end();
    expect(before.features).toBeUndefined();
    expect(before.chunks.every((c) => c.features === undefined)).toBe(true);

    const chosen = session(new ExtractorCatalog(async () => loudIsSpeech), ['pitch', 'tempo', 'vad']);
    chosen.push(x);
    const result = await chosen.end();
    expect(Object.keys(result.features!)).toEqual(['pitch', 'tempo', 'vad']);
    expect(result.features!.pitch!.median_hz).toBeCloseTo(200, 0);
    expect(result.features!.vad!.speech_fraction).toBe(1);
    for (const c of result.chunks) {
      expect(c.score).not.toBeNull();
      expect(c.features!.pitch!.median_hz).toBeCloseTo(200, 0);
    }
  });

  it('gates the verdict on speech when VAD_MIN_SPEECH_FRACTION is set, without reporting vad unasked', async () => {
    const x = new Float32Array(3 * 64000);
    x.set(harmonicComplex(150, 4, [1, 2], { peak: 0.5 })); // "speech"
    x.set(harmonicComplex(150, 4, [1, 2], { peak: 0.1 }), 64000); // quiet: no speech, but not silence
    x.set(harmonicComplex(150, 4, [1, 2], { peak: 0.5 }), 128000);
    const gated = new ExtractorCatalog(async () => loudIsSpeech, {
      minSpeechFraction: 0.5,
      speechThreshold: 0.5,
    });
    const s = session(gated, ['pitch']);
    s.push(x);
    const result = await s.end();
    expect(result.chunks.map((c) => [c.score === null, c.reason])).toEqual([
      [false, undefined],
      [true, 'no_speech'],
      [false, undefined],
    ]);
    // The other extractors ran on the gated window too; vad was not asked for, so it is not reported.
    expect(result.chunks[1]!.features!.pitch!.median_hz).toBeCloseTo(150, 0);
    expect(Object.keys(result.features!)).toEqual(['pitch']);
    expect(result.overall!.chunks_scored).toBe(2);
  });
});
