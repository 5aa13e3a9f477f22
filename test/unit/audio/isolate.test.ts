import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioError } from '../../../functions/audio/errors.ts';
import { bytesSource, ingest } from '../../../functions/audio/ingest.ts';
import { defaultMemoryLimitMb, ingestIsolated } from '../../../functions/audio/isolate.ts';
import { FIXTURES } from '../../support/audio-fixtures.ts';

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

/** A 16-bit mono WAV of `seconds` of a 40 Hz tone, built in memory. */
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
  // One period of 40 Hz, tiled (a loop of writeInt16LE calls would take seconds for ten minutes at 44.1 kHz).
  const period = Int16Array.from({ length: rate / 40 }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * i * 40) / rate)),
  );
  const out = new Uint8Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < n; i += period.length) {
    const part = period.subarray(0, Math.min(period.length, n - i));
    out.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), 44 + 2 * i);
  }
  return out;
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

  it('stops a decoder that overruns its time budget (corrupt_audio) and serves the next job with a fresh thread', async () => {
    // One 53 MB chunk (10 minutes at 44.1 kHz, about a second of work): the thread is still inside it, not waiting
    // for input and not between blocks, when the parent's watchdog finds the budget spent.
    const started = Date.now();
    const busy = ingestIsolated(bytesSource(toneWav(600, 44100), 1 << 30), { ...LIMITS, timeLimitMs: 50 });
    await expect(busy).rejects.toMatchObject({
      code: 'corrupt_audio',
      message: expect.stringMatching(/50 ms/),
    });
    expect(Date.now() - started).toBeLessThan(5000);
    const next = await ingestIsolated(bytesSource(read('wav-pcm16-mono-16k.wav')), LIMITS);
    expect(next.durationS).toBeCloseTo(3.26, 2);
  });

  it('does not blame the file for a source that stalls: a plain error once it has delivered nothing for as long', async () => {
    const bytes = read('wav-pcm16-mono-16k.wav');
    async function* stalls() {
      yield bytes.subarray(0, 1000);
      await new Promise(() => undefined); // never delivers the rest
    }
    expect(await codeOf(ingestIsolated(stalls(), { ...LIMITS, timeLimitMs: 300 }))).toMatch(
      /^non-audio error: the audio source delivered nothing for \d+ ms/,
    );
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
