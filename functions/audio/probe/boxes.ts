/**
 * Probes for containers made of sized chunks: ISO base media (M4A/MP4: top-level boxes), AIFF (IFF chunks) and
 * FLAC (STREAMINFO only). A top-level box or chunk that declares more bytes than the file holds means the file was
 * cut short; AIFF's COMM and FLAC's STREAMINFO state the exact number of sample frames.
 */
import { id3v2Size } from '../formats.ts';
import type { Box } from './mp4-faststart.ts';
import { ascii, u16be, u32be, UnitWalker, type ContainerProbe, type Declared } from './walker.ts';

export class Mp4Probe extends UnitWalker implements ContainerProbe {
  /** Top-level boxes whose headers have been seen, in file order. */
  readonly boxes: Box[] = [];
  private last = '';

  /** True once `moov` has been seen in full (its header and all the bytes it declares). */
  get moovComplete(): boolean {
    const moov = this.boxes.find((b) => b.type === 'moov');
    return moov !== undefined && this.total >= moov.offset + moov.size;
  }

  /** True when sample data (`mdat`) comes before `moov`. */
  get moovLast(): boolean {
    const first = this.boxes.find((b) => b.type === 'moov' || b.type === 'mdat');
    return first?.type === 'mdat';
  }

  protected unit(b: Uint8Array, at: number, offset: number): number {
    if (b.length - at < 8) return 0;
    let size = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    if (!/^[\x20-\x7e]{4}$/.test(type)) return -1;
    if (size === 1) {
      if (b.length - at < 16) return 0;
      size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
    } else if (size === 0) return -1; // "extends to the end of the file": nothing to check
    if (size < 8) return -1;
    this.boxes.push({ type, offset, size });
    this.last = type;
    return size;
  }

  declared(): Declared | undefined {
    return undefined;
  }

  problem(): string | undefined {
    if (this.endedInsideUnit())
      return `the file ends inside the MP4 '${this.last}' box (${this.missingBytes()} bytes missing)`;
    // Every sample lives in an mdat box; a file without one was cut before its media data.
    if (!this.lost && !this.boxes.some((b) => b.type === 'mdat'))
      return 'the MP4 file has no media data (mdat box)';
    return undefined;
  }
}

/** AIFF/AIFC: FORM header, then big-endian sized chunks padded to even length. */
export class AiffProbe extends UnitWalker implements ContainerProbe {
  private info: Declared | undefined;
  private last = '';

  protected unit(b: Uint8Array, at: number, offset: number): number {
    if (offset === 0) return b.length - at < 12 ? 0 : 12;
    if (b.length - at < 8) return 0;
    const id = ascii(b, at, 4);
    const size = u32be(b, at + 4);
    if (id === 'COMM') {
      if (b.length - at < 26) return 0;
      const frames = u32be(b, at + 10);
      const rate = extended80(b, at + 16);
      if (rate > 0) this.info = { frames, rate: Math.round(rate), slack: 0 };
    }
    this.last = id;
    return 8 + size + (size & 1);
  }

  declared(): Declared | undefined {
    return this.info;
  }

  problem(): string | undefined {
    // Writers often omit the pad byte after an odd-sized last chunk: one missing byte is not truncation.
    if (!this.endedInsideUnit() || this.missingBytes() === 1) return undefined;
    return `the file ends inside the AIFF '${this.last}' chunk (${this.missingBytes()} bytes missing)`;
  }
}

/** IEEE 754 80-bit extended (AIFF's sample rate). */
function extended80(b: Uint8Array, at: number): number {
  const exponent = (u16be(b, at) & 0x7fff) - 16383;
  const mantissa = u32be(b, at + 2) * 2 ** 32 + u32be(b, at + 6);
  return mantissa * 2 ** (exponent - 63);
}

/** FLAC: STREAMINFO's 36-bit total sample count (0 = unknown, written by streaming encoders). */
export class FlacProbe implements ContainerProbe {
  private head = new Uint8Array(0);
  private info: Declared | undefined;
  private done = false;

  push(chunk: Uint8Array): void {
    if (this.done) return;
    const joined = new Uint8Array(this.head.length + chunk.length);
    joined.set(this.head);
    joined.set(chunk, this.head.length);
    this.head = joined;
    const at = this.head.length >= 10 ? id3v2Size(this.head) : 0;
    if (this.head.length < at + 42) {
      if (this.head.length > 1 << 20) this.done = true; // an absurd ID3 tag: give up
      return;
    }
    this.done = true;
    const b = this.head.subarray(at);
    this.head = new Uint8Array(0);
    if (ascii(b, 0, 4) !== 'fLaC' || (b[4]! & 0x7f) !== 0) return;
    const rate = (b[18]! << 12) | (b[19]! << 4) | (b[20]! >> 4);
    const total = (b[21]! & 15) * 2 ** 32 + u32be(b, 22);
    // STREAMINFO is exact by specification: no slack.
    if (rate > 0 && total > 0) this.info = { frames: total, rate, slack: 0 };
  }

  declared(): Declared | undefined {
    return this.info;
  }

  problem(): string | undefined {
    // The stream ended before STREAMINFO was complete (4-byte marker, 4-byte block header, 34-byte body).
    return this.done ? undefined : 'the file ends inside the FLAC header';
  }
}
