/**
 * Property tests: random and mutated bytes never crash the parsers or ingestion with anything but an AudioError,
 * and never hang; a valid file cut anywhere after its first bytes is always `corrupt_audio`.
 * Bounded (numRuns, small inputs, fixed seeds) so the suite stays fast and reproducible.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError } from '../../../functions/audio/errors.ts';
import { id3v2Size, sniff } from '../../../functions/audio/formats.ts';
import { bytesSource, ingest } from '../../../functions/audio/ingest.ts';
import { createProbe } from '../../../functions/audio/probe/index.ts';
import { parseWavHeader } from '../../../functions/audio/wav-header.ts';
import { FIXTURES } from '../../support/audio-fixtures.ts';

const LIMITS = { targetRate: 16000, minSamples: 16000, maxDurationS: 3600, maxBytes: 10 * 1024 * 1024 };
const HANG_MS = 5000;

/** ingest's outcome: a code, or 'ok'; anything other than an AudioError, or a hang, fails the test. */
async function outcome(bytes: Uint8Array, chunk: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ingest did not finish within ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    await Promise.race([ingest(bytesSource(bytes, chunk), LIMITS), hang]);
    return 'ok';
  } catch (error) {
    if (error instanceof AudioError) return error.code;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

const MAGICS = [
  'RIFF\x24\x00\x00\x00WAVEfmt ',
  'RF64\xff\xff\xff\xffWAVEds64',
  'fLaC\x00\x00\x00\x22',
  'OggS\x00\x02',
  'ID3\x03\x00\x00\x00\x00\x00\x10',
  '\xff\xfb\x90\x64',
  '\xff\xf1\x50\x80',
  '\x00\x00\x00\x18ftypM4A ',
  '\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01',
  'FORM\x00\x00\x10\x00AIFFCOMM',
].map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0)));

/** A known container's magic followed by random bytes: gets past sniffing into the parsers and decoders. */
const magicAndNoise = fc
  .tuple(fc.constantFrom(...MAGICS), fc.uint8Array({ maxLength: 400 }))
  .map(([magic, rest]) => Uint8Array.from([...magic, ...rest]));

const small = [
  'wav-pcm16-mono-16k.wav',
  'mp3-id3-cover-44k.mp3',
  'ogg-opus-mono.opus',
  'ogg-vorbis-stereo-44k.ogg',
];
const more = ['flac-16bit-44k.flac', 'm4a-aac-44k.m4a', 'm4a-aac-moov-at-end-22k.m4a', 'webm-opus-mono.webm'];
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));

describe('parsers on arbitrary bytes', () => {
  it('sniff, id3v2Size and parseWavHeader never throw anything but an AudioError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), magicAndNoise), (bytes) => {
        sniff(bytes);
        expect(id3v2Size(bytes)).toBeGreaterThanOrEqual(0);
        try {
          parseWavHeader(Uint8Array.from([...MAGICS[0]!.subarray(0, 12), ...bytes]));
        } catch (error) {
          expect(error).toBeInstanceOf(AudioError);
        }
      }),
      { numRuns: 500, seed: 4 },
    );
  });

  it('container probes never throw, however the bytes are split', () => {
    const formats = ['mp3', 'aac', 'oga', 'flac', 'm4a', 'webm', 'aiff'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...formats),
        fc.oneof(fc.uint8Array({ maxLength: 600 }), magicAndNoise),
        fc.integer({ min: 1, max: 64 }),
        (format, bytes, split) => {
          const probe = createProbe(format);
          for (let i = 0; i < bytes.length; i += split) probe.push(bytes.subarray(i, i + split));
          probe.declared();
          probe.problem();
        },
      ),
      { numRuns: 400, seed: 5 },
    );
  });
});

describe('ingest on hostile input', () => {
  it('rejects random bytes and noise behind real magic with an audio code, without hanging', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), magicAndNoise),
        fc.integer({ min: 1, max: 97 }),
        async (bytes, chunk) => {
          expect(await outcome(bytes, chunk)).not.toBe('ok');
        },
      ),
      { numRuns: 120, seed: 6 },
    );
  });

  it('survives real files with bytes overwritten (decodes, or fails with an audio code)', async () => {
    const files = [...small, ...more].map(fixture);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: files.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }),
        async (which, edits) => {
          const bytes = files[which]!.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          await outcome(bytes, 4096); // the assertion is inside: only AudioError, within HANG_MS
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it.each([...small, ...more, 'aiff-16bit-16k.aiff', 'mp3-vbr-mono-22k.mp3', 'm4a-alac-16k.m4a'])(
    '%s cut at any point after its first 64 bytes is corrupt_audio',
    async (name) => {
      const bytes = fixture(name);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 64, max: bytes.length - 1 }), async (cut) => {
          expect(await outcome(bytes.subarray(0, cut), 8192)).toBe('corrupt_audio');
        }),
        { numRuns: 8, seed: 8 },
      );
    },
  );
});
