import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flacSafeCut } from '../../../functions/audio/decoders.ts';
import { AudioError } from '../../../functions/audio/errors.ts';
import { bytesSource, ingest } from '../../../functions/audio/ingest.ts';
import { Mp4Probe } from '../../../functions/audio/probe/boxes.ts';
import { createProbe } from '../../../functions/audio/probe/index.ts';
import { faststart } from '../../../functions/audio/probe/mp4-faststart.ts';
import { mpegFrame } from '../../../functions/audio/probe/mpeg.ts';
import { FIXTURES } from '../../support/audio-fixtures.ts';

const read = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));
const LIMITS = { targetRate: 16000, minSamples: 16000, maxDurationS: 3600, maxBytes: 1 << 30 };

function probeOf(format: Parameters<typeof createProbe>[0], bytes: Uint8Array, split = 1000) {
  const probe = createProbe(format);
  for (let i = 0; i < bytes.length; i += split) probe.push(bytes.subarray(i, i + split));
  return probe;
}

describe('declared lengths', () => {
  it('reads MP3 Xing + LAME (frames × 576 − delay − padding), FLAC STREAMINFO and AIFF COMM exactly', () => {
    expect(probeOf('mp3', read('mp3-vbr-mono-22k.mp3')).declared()).toEqual({
      frames: 71880,
      rate: 22050,
      slack: 288,
    });
    expect(probeOf('mp3', read('mp3-id3-cover-44k.mp3')).declared()).toMatchObject({
      frames: 143760,
      rate: 44100,
    });
    expect(probeOf('flac', read('flac-16bit-44k.flac')).declared()).toEqual({
      frames: 143760,
      rate: 44100,
      slack: 0,
    });
    expect(probeOf('aiff', read('aiff-16bit-16k.aiff')).declared()).toEqual({
      frames: 32000,
      rate: 16000,
      slack: 0,
    });
  });

  it('does not trust delay and padding from an encoder it does not know, and still decodes the file', async () => {
    const mp3 = read('mp3-vbr-mono-22k.mp3').slice();
    const at = Buffer.from(mp3).indexOf('Lavf');
    mp3.set(Buffer.from('iTun'), at);
    expect(probeOf('mp3', mp3).declared()).toEqual({ frames: 127 * 576, rate: 22050, slack: 288 + 8190 });
    expect((await ingest(bytesSource(mp3), LIMITS)).durationS).toBeCloseTo(3.26, 2);
  });

  it('reads Ogg granule positions (minus Opus pre-skip) only once the stream has ended', () => {
    const bytes = read('ogg-opus-mono.opus');
    expect(probeOf('opus', bytes.subarray(0, bytes.length - 10)).declared()).toBeUndefined();
    expect(probeOf('opus', bytes).declared()).toMatchObject({ frames: 156474, rate: 48000 }); // 3.2599 s
    expect(probeOf('oga', read('ogg-vorbis-stereo-44k.ogg')).declared()).toMatchObject({ frames: 143760 });
  });

  it('reads WebM Duration when the muxer wrote one, and nothing for a streamed (MediaRecorder-style) file', () => {
    const d = probeOf('webm', read('webm-opus-mono.webm')).declared()!;
    expect(d.frames / d.rate).toBeCloseTo(3.26, 1);
    expect(probeOf('webm', read('webm-opus-streamed.webm')).declared()).toBeUndefined();
    expect(probeOf('webm', read('webm-opus-streamed.webm')).problem()).toBeUndefined();
  });
});

describe('structural damage', () => {
  it('names the unit a truncated file ends in', () => {
    const mp3 = read('mp3-vbr-mono-22k.mp3');
    expect(probeOf('mp3', mp3.subarray(0, 5000)).problem()).toMatch(/ends inside MPEG audio frame \d+/);
    expect(probeOf('mp3', mp3).problem()).toBeUndefined();
    const m4a = read('m4a-aac-44k.m4a');
    expect(probeOf('m4a', m4a.subarray(0, 20000)).problem()).toMatch(/inside the MP4 'mdat' box/);
    expect(probeOf('m4a', m4a).problem()).toBeUndefined();
    const webm = read('webm-opus-mono.webm');
    expect(probeOf('webm', webm.subarray(0, 9000)).problem()).toMatch(/WebM/);
    expect(probeOf('flac', read('flac-16bit-44k.flac').subarray(0, 30)).problem()).toMatch(/FLAC header/);
  });

  it('finds an Ogg page with a bad checksum, and ingestion reports it as corrupt_audio', async () => {
    const ogg = read('ogg-vorbis-stereo-44k.ogg').slice();
    ogg[ogg.length - 200]! ^= 0x40; // inside the last page's body
    expect(probeOf('oga', ogg).problem()).toMatch(/fails its checksum/);
    await expect(ingest(bytesSource(ogg), LIMITS)).rejects.toMatchObject({ code: 'corrupt_audio' });
  });

  it('an Ogg stream that stops at a page boundary lacks its end-of-stream page', () => {
    const ogg = read('ogg-opus-mono.opus');
    // Cut at the start of the last page ("OggS" capture pattern).
    const last = Buffer.from(ogg).lastIndexOf('OggS');
    expect(probeOf('opus', ogg.subarray(0, last)).problem()).toMatch(/end-of-stream/);
  });
});

describe('MP3 behind an ID3 tag with uncounted zero padding', () => {
  const original = read('mp3-id3-cover-44k.mp3');
  const tag = 10 + ((original[6]! << 21) | (original[7]! << 14) | (original[8]! << 7) | original[9]!);
  const padded = Uint8Array.from([
    ...original.subarray(0, tag),
    ...new Uint8Array(3000),
    ...original.subarray(tag),
  ]);

  it('is still sniffed, decoded to its full length and checked against its Xing header', async () => {
    const audio = await ingest(bytesSource(padded, 1000), LIMITS);
    expect(audio.format).toBe('mp3');
    expect(audio.durationS * 44100).toBeCloseTo(143760, 6);
    expect(probeOf('mp3', padded).declared()).toMatchObject({ frames: 143760 });
    await expect(ingest(bytesSource(padded.subarray(0, 15000)), LIMITS)).rejects.toMatchObject({
      code: 'corrupt_audio',
    });
  });
});

describe('MPEG audio frame headers', () => {
  it('computes frame length and samples per frame for MPEG-1/2/2.5 layers', () => {
    // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding: 417 bytes, 1152 samples.
    expect(mpegFrame(Uint8Array.of(0xff, 0xfb, 0x90, 0x64), 0)).toMatchObject({ length: 417, samples: 1152 });
    // With the padding bit: 418.
    expect(mpegFrame(Uint8Array.of(0xff, 0xfb, 0x92, 0x64), 0)?.length).toBe(418);
    // MPEG-2 layer III, 64 kbit/s, 22.05 kHz: 72 · 64000 / 22050 = 208 bytes, 576 samples.
    expect(mpegFrame(Uint8Array.of(0xff, 0xf3, 0x80, 0xc4), 0)).toMatchObject({ length: 208, samples: 576 });
    // MPEG-1 layer II, 192 kbit/s, 48 kHz: 576 bytes.
    expect(mpegFrame(Uint8Array.of(0xff, 0xfd, 0xa4, 0x00), 0)).toMatchObject({ length: 576, samples: 1152 });
    // Reserved version, free-format and bad bitrate indices are not frames.
    expect(mpegFrame(Uint8Array.of(0xff, 0xeb, 0x90, 0x64), 0)).toBeUndefined();
    expect(mpegFrame(Uint8Array.of(0xff, 0xfb, 0x00, 0x64), 0)).toBeUndefined();
    expect(mpegFrame(Uint8Array.of(0xff, 0xfb, 0xf0, 0x64), 0)).toBeUndefined();
  });
});

describe('decoder feeding workarounds', () => {
  it('flacSafeCut never leaves a possible FLAC frame header within the last 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const cut = flacSafeCut(b);
        for (let i = Math.max(0, cut - 16); i < cut; i++) {
          expect(b[i] === 0xff && (i + 1 === cut || (b[i + 1]! & 0xfe) === 0xf8)).toBe(false);
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('faststart moves moov in front of mdat and the file decodes to the same samples', async () => {
    const file = read('m4a-aac-moov-at-end-22k.m4a');
    const probe = new Mp4Probe();
    probe.push(file);
    expect(probe.moovLast).toBe(true);
    const parts = faststart(probe.boxes, file.length, (a, b) => file.slice(a, b))!;
    const moved = Buffer.concat(
      parts.map((p) => (p instanceof Uint8Array ? p : file.subarray(p.start, p.end))),
    );
    expect(moved.length).toBe(file.length);
    expect(moved.indexOf('moov')).toBeLessThan(moved.indexOf('mdat'));
    const again = new Mp4Probe();
    again.push(moved);
    expect(again.moovLast).toBe(false);
    const a = await ingest(bytesSource(file), LIMITS);
    const b = await ingest(bytesSource(new Uint8Array(moved)), LIMITS);
    expect(b.samples.length).toBe(a.samples.length);
    expect(b.samples.findIndex((v, i) => v !== a.samples[i])).toBe(-1);
    const faststarted = new Mp4Probe();
    faststarted.push(read('m4a-aac-44k.m4a'));
    expect(faststart(faststarted.boxes, faststarted.total, () => new Uint8Array(0))).toBeUndefined(); // in order
  });

  it('an MP4 without media data is corrupt, not empty', async () => {
    const file = read('m4a-aac-44k.m4a');
    const probe = new Mp4Probe();
    probe.push(file);
    const mdat = probe.boxes.find((b) => b.type === 'mdat')!;
    const noData = file.subarray(0, mdat.offset);
    await expect(ingest(bytesSource(noData), LIMITS)).rejects.toSatisfy(
      (e) => e instanceof AudioError && e.code === 'corrupt_audio' && /mdat/.test(e.message),
    );
  });
});
