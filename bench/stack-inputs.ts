/**
 * What the local-stack benchmarks upload: the model they run (the default detector when it is in the checkout,
 * else the test fixture) and the e2e speech fixture looped to a length, as a 16-bit WAV.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../test/support/local-stack-process.ts';
import { decodeWav16Mono, encodeWav16, loopTo } from '../test/support/wav.ts';

const DEFAULT_MODEL = 'models/realtone-wavlm-small/model.json';

export const benchModel =
  process.env.MODEL_MANIFEST ??
  (existsSync(path.join(ROOT, DEFAULT_MODEL))
    ? DEFAULT_MODEL
    : 'test/fixtures/models/energy-fixture/model.json');

export const speech = decodeWav16Mono(readFileSync(path.join(ROOT, 'test/fixtures/e2e/speech-9.5s.wav')));

/** The speech fixture looped to `seconds`, as WAV bytes at its own sample rate. */
export function speechWav(seconds: number): Uint8Array {
  return encodeWav16(loopTo(speech.samples, speech.sampleRate, seconds), speech.sampleRate);
}
