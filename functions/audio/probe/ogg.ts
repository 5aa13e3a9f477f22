/**
 * Ogg probe (RFC 3533): walks pages, verifies each page's CRC, and follows the first audio stream's granule
 * position. The last page of a complete stream carries the end-of-stream flag and the final granule position, which
 * is the exact length in samples (minus Opus's pre-skip, at 48 kHz). A file cut short either ends inside a page or
 * lacks that flag; a page with a bad checksum is damage the decoders would skip silently.
 */
import { ascii, u32le, UnitWalker, type ContainerProbe, type Declared } from './walker.ts';

const CRC_TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let r = i << 24;
  for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  CRC_TABLE[i] = r >>> 0;
}

/** Ogg's CRC-32 (polynomial 0x04c11db7, no reflection, zero initial value) with the CRC field taken as zero. */
function pageCrc(b: Uint8Array, at: number, length: number): number {
  let crc = 0;
  for (let i = 0; i < length; i++) {
    const byte = i >= 22 && i < 26 ? 0 : b[at + i]!;
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  }
  return crc;
}

interface Stream {
  serial: number;
  codec: 'opus' | 'vorbis';
  rate: number;
  preSkip: number;
  granule: number;
  ended: boolean;
}

export class OggProbe extends UnitWalker implements ContainerProbe {
  private audio: Stream | undefined;
  private pages = 0;
  private badPage = -1;

  protected unit(b: Uint8Array, at: number): number {
    if (b.length - at < 27) return 0;
    if (ascii(b, at, 4) !== 'OggS' || b[at + 4] !== 0) return -1;
    const segments = b[at + 26]!;
    if (b.length - at < 27 + segments) return 0;
    let length = 27 + segments;
    for (let i = 0; i < segments; i++) length += b[at + 27 + i]!;
    if (b.length - at < length) return 0; // pages are checked whole (at most 65,307 bytes)
    this.pages++;
    if (this.badPage < 0 && pageCrc(b, at, length) !== u32le(b, at + 22)) this.badPage = this.pages;
    const flags = b[at + 5]!;
    const serial = u32le(b, at + 14);
    if (flags & 2) {
      const stream = identify(b, at + 27 + segments, serial);
      // A second audio stream (chained Ogg) makes the first one's length meaningless for the whole file.
      if (stream && this.audio) return -1;
      this.audio ??= stream;
    }
    if (this.audio?.serial === serial) {
      // −1 (all ones) means no packet ends on this page.
      const low = u32le(b, at + 6);
      const high = u32le(b, at + 10);
      if (high !== 0xffffffff || low !== 0xffffffff) this.audio.granule = high * 2 ** 32 + low;
      if (flags & 4) this.audio.ended = true;
    }
    return length;
  }

  declared(): Declared | undefined {
    const a = this.audio;
    if (!a?.ended || this.lost) return undefined;
    // Opus packets last up to 120 ms, Vorbis blocks up to 8192 samples: one of either is within the slack.
    return a.codec === 'opus'
      ? { frames: Math.max(0, a.granule - a.preSkip), rate: 48000, slack: 5760 }
      : { frames: a.granule, rate: a.rate, slack: 8192 };
  }

  problem(): string | undefined {
    if (this.lost) return undefined;
    if (this.badPage > 0) return `Ogg page ${this.badPage} fails its checksum`;
    if (this.endedInsideUnit()) return `the file ends inside Ogg page ${this.pages + 1}`;
    if (this.audio && !this.audio.ended) return 'the Ogg stream ends without its end-of-stream page';
    return undefined;
  }
}

function identify(b: Uint8Array, at: number, serial: number): Stream | undefined {
  const base = { serial, granule: 0, ended: false };
  if (ascii(b, at, 8) === 'OpusHead')
    return { ...base, codec: 'opus', rate: 48000, preSkip: b[at + 10]! | (b[at + 11]! << 8) };
  if (ascii(b, at, 7) === '\x01vorbis')
    return { ...base, codec: 'vorbis', rate: u32le(b, at + 12), preSkip: 0 };
  return undefined; // Skeleton, Theora, ...: not the stream the decoder plays
}
