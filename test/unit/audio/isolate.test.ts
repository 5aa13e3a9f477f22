import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioError } from '../../../functions/audio/errors.ts';
import { bytesSource, ingest } from '../../../functions/audio/ingest.ts';
import { defaultMemoryLimitMb, ingestIsolated } from '../../../functions/audio/isolate.ts';
import { FIXTURES } from './fixture-data.ts';

const LIMITS = { targetRate: 16000, minSamples: 16000, maxDurationS: 3600, maxBytes: 200 * 1024 * 1024 };
const read = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AudioError ? error.code : `non-audio error: ${(error as Error).message}`;
  }
}

/** A 16-bit mono WAV of `seconds` of a 440 Hz tone, built in memory. */
function toneWav(seconds: number, rate = 16000): Uint8Array {
  const n = seconds * rate;
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + 2 * n, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(2 * rate, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++)
    b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

describe('ingestIsolated', () => {
  it('returns exactly what ingest returns in this thread', async () => {
    for (const name of ['mp3-id3-cover-44k.mp3', 'wav-pcm24-stereo-48k.wav', 'webm-opus-mono.webm']) {
      const local = await ingest(bytesSource(read(name)), LIMITS);
      const isolated = await ingestIsolated(bytesSource(read(name), 4096), LIMITS);
      expect({ ...isolated, samples: undefined }).toEqual({ ...local, samples: undefined });
      expect(isolated.samples).toBeInstanceOf(Float32Array);
      expect(isolated.samples.length).toBe(local.samples.length);
      expect(isolated.samples.findIndex((v, i) => v !== local.samples[i])).toBe(-1);
    }
  });

  it('passes audio codes and messages through', async () => {
    await expect(ingestIsolated(bytesSource(read('corrupt-truncated.wav')), LIMITS)).rejects.toMatchObject({
      code: 'corrupt_audio',
      message: expect.stringContaining('truncated'),
    });
    const declared = ingestIsolated(bytesSource(read('wav-alaw-8k.wav')), {
      ...LIMITS,
      declaredContentType: 'audio/webm',
    });
    expect(await codeOf(declared)).toBe('unsupported_format');
  });

  it('stops a job at its deadline (corrupt_audio) and serves the next one with a fresh thread', async () => {
    const bytes = read('wav-pcm16-mono-16k.wav');
    async function* stalls() {
      yield bytes.subarray(0, 1000);
      await new Promise(() => undefined); // never delivers the rest
    }
    const started = Date.now();
    const stuck = ingestIsolated(stalls(), { ...LIMITS, timeLimitMs: 300 });
    await expect(stuck).rejects.toMatchObject({
      code: 'corrupt_audio',
      message: expect.stringMatching(/300 ms/),
    });
    expect(Date.now() - started).toBeLessThan(3000);
    const next = await ingestIsolated(bytesSource(bytes), LIMITS);
    expect(next.durationS).toBeCloseTo(3.26, 2);
  });

  it('stops a job that grows the process beyond its memory budget', async () => {
    const wav = toneWav(600); // ten minutes: 38 MB of output at 16 kHz
    const result = ingestIsolated(bytesSource(wav, 64 * 1024), { ...LIMITS, memoryLimitMb: 1 });
    await expect(result).rejects.toMatchObject({
      code: 'corrupt_audio',
      message: expect.stringMatching(/MiB/),
    });
    expect(defaultMemoryLimitMb(LIMITS)).toBe(Math.ceil((2 * 3600 * 16000 * 4) / 2 ** 20) + 256);
  });

  it('rejects with the source error when reading fails (an infrastructure error, not an audio code)', async () => {
    async function* fails() {
      yield read('wav-pcm16-mono-16k.wav').subarray(0, 4096);
      throw new Error('connection reset');
    }
    expect(await codeOf(ingestIsolated(fails(), LIMITS))).toBe('non-audio error: connection reset');
    expect(await codeOf(ingest(fails(), LIMITS))).toBe('non-audio error: connection reset'); // and in this thread
  });

  it('runs concurrent jobs side by side', async () => {
    const names = ['ogg-opus-mono.opus', 'flac-16bit-44k.flac', 'm4a-aac-moov-at-end-22k.m4a'];
    const results = await Promise.all(names.map((n) => ingestIsolated(bytesSource(read(n), 8192), LIMITS)));
    for (const r of results) expect(r.durationS).toBeCloseTo(3.26, 2);
  });
});
