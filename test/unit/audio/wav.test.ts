import { describe, expect, it } from 'vitest';
import type { AudioError } from '../../../functions/audio/errors.ts';
import { bytesSource, ingest, type IngestOptions } from '../../../functions/audio/ingest.ts';

/** Builds a WAV file: `fmt` fields, optional extra chunks before data, and raw data bytes. */
function wav(options: {
  tag: number;
  channels: number;
  rate?: number;
  bits: number;
  data: Uint8Array;
  extensible?: boolean;
  before?: Uint8Array[];
  dataSize?: number;
  blockAlign?: number;
}): Uint8Array {
  const { tag, channels, bits, data, rate = 8000 } = options;
  const fmtSize = options.extensible ? 40 : 16;
  const fmt = Buffer.alloc(8 + fmtSize);
  fmt.write('fmt ', 0);
  fmt.writeUInt32LE(fmtSize, 4);
  fmt.writeUInt16LE(options.extensible ? 0xfffe : tag, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(rate, 12);
  const blockAlign = options.blockAlign ?? (channels * bits) / 8;
  fmt.writeUInt32LE(rate * blockAlign, 16);
  fmt.writeUInt16LE(blockAlign, 20);
  fmt.writeUInt16LE(bits, 22);
  if (options.extensible) {
    fmt.writeUInt16LE(22, 24); // cbSize
    fmt.writeUInt16LE(bits, 26); // valid bits
    fmt.writeUInt32LE(0, 28); // channel mask
    fmt.writeUInt16LE(tag, 32); // SubFormat GUID starts with the format tag
  }
  const head = Buffer.alloc(8);
  head.write('data', 0);
  head.writeUInt32LE(options.dataSize ?? data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE'), fmt, ...(options.before ?? []), head, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0);
  riff.writeUInt32LE(body.length, 4);
  return new Uint8Array(Buffer.concat([riff, body]));
}

const LIMITS = { targetRate: 8000, minSamples: 1, maxDurationS: 3600, maxBytes: 1 << 30 };
const decode = async (bytes: Uint8Array, chunk = 1 << 20) =>
  Array.from((await ingest(bytesSource(bytes, chunk), LIMITS)).samples);
async function codeOf(bytes: Uint8Array, limits: IngestOptions = LIMITS) {
  try {
    await ingest(bytesSource(bytes), limits);
    return 'ok';
  } catch (error) {
    return (error as AudioError).code;
  }
}
const i16 = (...v: number[]) => new Uint8Array(Int16Array.from(v).buffer);

describe('WAV decoding (mono downmix, at the input rate)', () => {
  it('reads unsigned 8-bit, 16, 24 and 32-bit PCM', async () => {
    expect(await decode(wav({ tag: 1, channels: 1, bits: 8, data: Uint8Array.of(0, 128, 255, 64) }))).toEqual(
      [-1, 0, 127 / 128, -0.5],
    );
    expect(await decode(wav({ tag: 1, channels: 1, bits: 16, data: i16(-32768, 0, 16384, 32767) }))).toEqual([
      -1,
      0,
      0.5,
      32767 / 32768,
    ]);
    const s24 = Uint8Array.of(0xff, 0xff, 0x7f, 0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0xff, 0xff, 0xff);
    const out24 = await decode(wav({ tag: 1, channels: 1, bits: 24, data: s24 }));
    expect(out24.map((v) => Math.round(v * 8388608))).toEqual([8388607, -8388608, 4194304, -1]);
    const s32 = new Uint8Array(Int32Array.of(-2147483648, 1073741824, 0).buffer);
    expect(await decode(wav({ tag: 1, channels: 1, bits: 32, data: s32 }))).toEqual([-1, 0.5, 0]);
  });

  it('reads float 32/64 and G.711 A-law and μ-law', async () => {
    const f32 = new Uint8Array(Float32Array.of(0.25, -0.75).buffer);
    expect(await decode(wav({ tag: 3, channels: 1, bits: 32, data: f32 }))).toEqual([0.25, -0.75]);
    const f64 = new Uint8Array(Float64Array.of(0.125, -1).buffer);
    expect(await decode(wav({ tag: 3, channels: 1, bits: 64, data: f64 }))).toEqual([0.125, -1]);
    // G.711: μ-law 0xFF and A-law 0xD5 are the smallest positive steps; 0x80 / 0xAA the largest magnitudes.
    const mu = await decode(
      wav({ tag: 7, channels: 1, bits: 8, data: Uint8Array.of(0xff, 0x7f, 0x80, 0x00) }),
    );
    expect(mu.map((v) => v * 32768)).toEqual([0, 0, 32124, -32124]);
    const a = await decode(
      wav({ tag: 6, channels: 1, bits: 8, data: Uint8Array.of(0xd5, 0x55, 0xaa, 0x2a) }),
    );
    expect(a.map((v) => v * 32768)).toEqual([8, -8, 32256, -32256]);
  });

  it('averages any number of channels, plain or WAVE_FORMAT_EXTENSIBLE', async () => {
    const stereo = i16(16384, -16384, 16384, 16384);
    expect(await decode(wav({ tag: 1, channels: 2, bits: 16, data: stereo }))).toEqual([0, 0.5]);
    const three = new Uint8Array(Float32Array.of(0.3, 0.6, 0.9, -0.3, 0, 0).buffer);
    const out = await decode(wav({ tag: 3, channels: 3, bits: 32, data: three, extensible: true }));
    expect(out[0]).toBeCloseTo(0.6, 6);
    expect(out[1]).toBeCloseTo(-0.1, 6);
  });

  it('gives the same samples for every split of the input, float64 included', async () => {
    const data = new Uint8Array(Float64Array.from({ length: 300 }, (_, i) => Math.sin(i / 5)).buffer);
    const file = wav({ tag: 3, channels: 2, bits: 64, data });
    const whole = await decode(file);
    for (const chunk of [1, 3, 7, 13, 64, 1000]) expect(await decode(file, chunk)).toEqual(whole);
  });

  it('skips odd-sized chunks before data (with their pad byte) and stops at the declared data size', async () => {
    const list = Uint8Array.from([...Buffer.from('LIST'), 3, 0, 0, 0, 1, 2, 3, 0]);
    const data = Uint8Array.from([...i16(16384, 8192), ...Buffer.from('junk')]);
    expect(await decode(wav({ tag: 1, channels: 1, bits: 16, data, before: [list], dataSize: 4 }))).toEqual([
      0.5, 0.25,
    ]);
  });
});

describe('WAV rejection codes', () => {
  const pcm = (n: number) => i16(...Array.from({ length: n }, (_, i) => (i % 50) * 300));

  it('unsupported_format for codecs other than PCM, float, A-law and μ-law', async () => {
    expect(await codeOf(wav({ tag: 2, channels: 1, bits: 4, data: pcm(10) }))).toBe('unsupported_format');
    expect(await codeOf(wav({ tag: 1, channels: 1, bits: 12, data: pcm(10), blockAlign: 2 }))).toBe(
      'unsupported_format',
    );
  });

  it('corrupt_audio for a truncated data chunk, an inconsistent fmt and NaN or infinite samples', async () => {
    expect(await codeOf(wav({ tag: 1, channels: 1, bits: 16, data: pcm(100), dataSize: 400 }))).toBe(
      'corrupt_audio',
    );
    expect(await codeOf(wav({ tag: 1, channels: 2, bits: 16, data: pcm(100), blockAlign: 2 }))).toBe(
      'corrupt_audio',
    );
    expect(await codeOf(wav({ tag: 1, channels: 0, bits: 16, data: pcm(10) }))).toBe('corrupt_audio');
    for (const bad of [NaN, Infinity, -Infinity]) {
      const data = new Uint8Array(Float32Array.of(0.1, bad, 0.2).buffer);
      expect(await codeOf(wav({ tag: 3, channels: 1, bits: 32, data }))).toBe('corrupt_audio');
    }
  });

  it('empty_audio for no samples or digital silence; too_short and too_long by the limits', async () => {
    expect(await codeOf(wav({ tag: 1, channels: 1, bits: 16, data: new Uint8Array(0) }))).toBe('empty_audio');
    expect(await codeOf(wav({ tag: 1, channels: 1, bits: 16, data: new Uint8Array(2000) }))).toBe(
      'empty_audio',
    );
    expect(
      await codeOf(wav({ tag: 1, channels: 1, bits: 16, data: pcm(100) }), { ...LIMITS, minSamples: 101 }),
    ).toBe('too_short');
    // Declared 2 hours: rejected from the header alone, before a sample is decoded.
    const huge = wav({ tag: 1, channels: 1, bits: 16, data: pcm(10), dataSize: 2 * 8000 * 7200 });
    expect(await codeOf(huge)).toBe('too_long');
    expect(
      await codeOf(wav({ tag: 1, channels: 1, bits: 16, data: pcm(9000) }), { ...LIMITS, maxDurationS: 1 }),
    ).toBe('too_long');
    expect(
      await codeOf(wav({ tag: 1, channels: 1, bits: 16, data: pcm(100) }), { ...LIMITS, maxBytes: 100 }),
    ).toBe('too_large');
  });
  it('corrupt_audio, before the duration rule, when the header declares more data than the object holds', async () => {
    // 2 GiB declared, 1 s held: the object's size is known (S3 HEAD, stat), so the header is judged at once.
    const lying = wav({ tag: 1, channels: 1, bits: 16, data: pcm(8000), dataSize: 2 ** 31 });
    expect(await codeOf(lying, { ...LIMITS, sourceBytes: lying.length })).toBe('corrupt_audio');
    const message = await ingest(bytesSource(lying), { ...LIMITS, sourceBytes: lying.length }).catch(
      (error: Error) => error.message,
    );
    expect(message).toBe(
      `WAV is truncated: the header declares ${2 ** 31} bytes of audio, the file holds 16000`,
    );
    // A genuinely long object (its size agrees with the header) is still too_long.
    const long = wav({ tag: 1, channels: 1, bits: 16, data: pcm(16000) });
    expect(await codeOf(long, { ...LIMITS, maxDurationS: 1, sourceBytes: long.length })).toBe('too_long');
  });

  it('decodes stereo whose channels cancel from the left channel, with a warning', async () => {
    const frames = 8000;
    const data = new Int16Array(2 * frames);
    for (let i = 0; i < frames; i++) {
      data[2 * i] = Math.round(10000 * Math.sin(i / 5));
      data[2 * i + 1] = -data[2 * i]!;
    }
    const file = wav({ tag: 1, channels: 2, bits: 16, data: new Uint8Array(data.buffer) });
    const audio = await ingest(bytesSource(file, 999), LIMITS);
    expect(audio.warnings?.map((w) => w.code)).toEqual(['stereo_channels_cancel']);
    expect(audio.channelsIn).toBe(2);
    expect(audio.samples[7]).toBeCloseTo(data[14]! / 32768, 6);
    // Without the inversion, the same file is the ordinary mean and carries no warning.
    for (let i = 0; i < frames; i++) data[2 * i + 1] = data[2 * i]!;
    const plain = await ingest(
      bytesSource(wav({ tag: 1, channels: 2, bits: 16, data: new Uint8Array(data.buffer) })),
      LIMITS,
    );
    expect(plain.warnings).toBeUndefined();
  });
});

describe('MP3 with tags and no frames', () => {
  const id3v2 = (body: number, padding = 0) => {
    const tag = new Uint8Array(10 + body + padding);
    tag.set([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, (body >> 7) & 0x7f, body & 0x7f]);
    tag.set([0x54, 0x49, 0x54, 0x32], 10); // a TIT2 frame id, as a real tag starts
    return tag;
  };
  const id3v1 = () => {
    const tag = new Uint8Array(128);
    tag.set([0x54, 0x41, 0x47]);
    return tag;
  };

  it('empty_audio for an ID3v2 tag alone, with padding, with an ID3v1 tag, or an ID3v1 tag alone', async () => {
    expect(await codeOf(id3v2(200))).toBe('empty_audio');
    expect(await codeOf(id3v2(200, 512))).toBe('empty_audio');
    expect(await codeOf(new Uint8Array([...id3v2(40), ...id3v1()]))).toBe('empty_audio');
    expect(await codeOf(id3v1())).toBe('empty_audio');
  });

  it('corrupt_audio when the file ends inside its ID3v2 tag', async () => {
    expect(await codeOf(id3v2(200).subarray(0, 100))).toBe('corrupt_audio');
  });
});
