/**
 * Every checked-in fixture (scripts/make-audio-fixtures.sh) through `ingest`, compared with expected.json, and
 * with the true length of the speech it was made from (±1 %, the acceptance tolerance).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIO_ERROR_CODES, AudioError } from '../../../functions/audio/errors.ts';
import { bytesSource, ingest, type IngestOptions } from '../../../functions/audio/ingest.ts';
import { FIXTURES, expected, limitsFor } from '../../support/audio-fixtures.ts';

/** Length of the source each fixture was cut from: espeak-ng's 71,880 samples at 22.05 kHz unless trimmed. */
const SPEECH_S = 71880 / 22050;
const TRUE_S: Record<string, number> = {
  'wav-pcm24-stereo-48k.wav': 1.1,
  'wav-float32-stereo-22k.wav': 1.2,
  'flac-24bit-96k.flac': 1.2,
  'wav-pcm32-mono-32k.wav': 1.5,
  'wav-float64-mono-16k.wav': 1.5,
  'wav-extensible-6ch-8k.wav': 1.5,
  'wav-rf64-16k.wav': 2,
  'wav-streamed-16k.wav': 2,
  'aiff-16bit-16k.aiff': 2,
  'flac-silence-and-tail-16k.flac': 8.5,
};

async function outcome(file: string, options: IngestOptions, chunk = 64 * 1024) {
  const bytes = readFileSync(path.join(FIXTURES, file));
  try {
    return { ok: true as const, audio: await ingest(bytesSource(bytes, chunk), options) };
  } catch (error) {
    if (!(error instanceof AudioError)) throw error;
    return { ok: false as const, code: error.code, message: error.message };
  }
}

describe('audio fixtures', () => {
  const files = readdirSync(FIXTURES).filter((f) => f !== 'expected.json');

  it('has an expected outcome for every file and a file for every expectation', () => {
    expect(files.sort()).toEqual(Object.keys(expected).sort());
    const codes = new Set(Object.values(expected).flatMap((e) => (e.ok ? [] : [e.code])));
    expect([...codes].sort()).toEqual([...AUDIO_ERROR_CODES].sort());
  });

  it.each(Object.entries(expected))('%s', async (file, entry) => {
    const result = await outcome(file, limitsFor(entry));
    if (!entry.ok) {
      expect(result.ok ? 'decoded' : result.code).toBe(entry.code);
      return;
    }
    if (!result.ok) throw new Error(`${file}: ${result.code}: ${result.message}`);
    const { audio } = result;
    expect(audio.format).toBe(entry.format);
    expect(audio.sampleRateIn).toBe(entry.sample_rate_in);
    expect(Math.round(audio.durationS * 1000) / 1000).toBe(entry.duration_s);
    const truth = TRUE_S[file] ?? SPEECH_S;
    expect(Math.abs(audio.durationS - truth) / truth).toBeLessThan(0.01);
    expect(audio.samples.length).toBe(Math.ceil(audio.durationS * 16000 - 1e-6));
    // Declaring the content type the e2e test uploads with changes nothing.
    const declared = await outcome(file, { ...limitsFor(entry), declaredContentType: entry.content_type });
    expect(declared.ok).toBe(true);
  });

  it.each(Object.entries(expected).filter(([, e]) => e.ok))(
    '%s decodes to the same samples whatever the chunking',
    async (file, entry) => {
      const big = await outcome(file, limitsFor(entry), 1 << 20);
      const small = await outcome(file, limitsFor(entry), 997);
      if (!big.ok || !small.ok) throw new Error(`${file} failed`);
      expect(small.audio.samples.length).toBe(big.audio.samples.length);
      let worst = 0;
      for (let i = 0; i < big.audio.samples.length; i++)
        worst = Math.max(worst, Math.abs(small.audio.samples[i]! - big.audio.samples[i]!));
      expect(worst).toBeLessThan(1e-6);
    },
  );

  it('rejects content whose declared type names another container', async () => {
    const wav = await outcome('wav-pcm16-mono-16k.wav', {
      ...limitsFor(expected['wav-pcm16-mono-16k.wav']!),
      declaredContentType: 'audio/mpeg',
    });
    expect(wav.ok ? 'decoded' : wav.code).toBe('unsupported_format');
    const m4a = await outcome('aac-adts-44k.aac', {
      ...limitsFor(expected['aac-adts-44k.aac']!),
      declaredContentType: 'audio/mp4; codecs="mp4a.40.2"', // ADTS sent as audio/mp4 happens; accepted
    });
    expect(m4a.ok).toBe(true);
  });

  it('honours a lower maximum duration (too_long) while decoding', async () => {
    const result = await outcome('mp3-vbr-mono-22k.mp3', {
      ...limitsFor(expected['mp3-vbr-mono-22k.mp3']!),
      maxDurationS: 2,
    });
    expect(result.ok ? 'decoded' : result.code).toBe('too_long');
    const ogg = await outcome('ogg-opus-mono.opus', {
      ...limitsFor(expected['ogg-opus-mono.opus']!),
      maxDurationS: 2,
    });
    expect(ogg.ok ? 'decoded' : ogg.code).toBe('too_long');
  });
});
