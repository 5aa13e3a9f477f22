/**
 * MPEG audio (MP3, and MP1/MP2) and ADTS (raw AAC) probes: walk the frames by the lengths their headers imply.
 * A file that ends inside a frame was cut short. The first MP3 frame may be a Xing/Info (LAME, ffmpeg) or VBRI
 * (Fraunhofer) header giving the frame count, and LAME's extension gives the encoder delay and padding that gapless
 * decoders (ours) trim: frames × samples per frame − delay − padding is the exact decoded length.
 */
import { id3v2Size, paddingAfter } from '../formats.ts';
import { ascii, u16be, u32be, UnitWalker, type ContainerProbe, type Declared } from './walker.ts';

// kbit/s by [version is MPEG-1 ? 0 : 1][layer 1..3][index 1..14].
const BITRATES = [
  [
    [],
    [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [],
    [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];
// Hz by version bits (0 MPEG-2.5, 2 MPEG-2, 3 MPEG-1) and index.
const RATES: Record<number, number[]> = {
  0: [11025, 12000, 8000],
  2: [22050, 24000, 16000],
  3: [44100, 48000, 32000],
};

export interface MpegFrame {
  length: number;
  samples: number;
  sampleRate: number;
  version: number;
  layer: number;
  mono: boolean;
}

/** Parses a 4-byte MPEG audio frame header; undefined when it is not one (or uses the free-format bitrate). */
export function mpegFrame(b: Uint8Array, at: number): MpegFrame | undefined {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[at + 1]! >> 3) & 3;
  const layer = 4 - ((b[at + 1]! >> 1) & 3); // bits 11 → layer 1, 01 → layer 3
  const index = b[at + 2]! >> 4;
  const rateIndex = (b[at + 2]! >> 2) & 3;
  if (version === 1 || layer === 4 || index === 0 || index === 15 || rateIndex === 3) return undefined;
  const kbps = BITRATES[version === 3 ? 0 : 1]![layer]![index - 1]!;
  const sampleRate = RATES[version]![rateIndex]!;
  const pad = (b[at + 2]! >> 1) & 1;
  const samples = layer === 1 ? 384 : layer === 3 && version !== 3 ? 576 : 1152;
  const length =
    layer === 1
      ? (Math.floor((12000 * kbps) / sampleRate) + pad) * 4
      : Math.floor(((samples / 8) * 1000 * kbps) / sampleRate) + pad;
  return { length, samples, sampleRate, version, layer, mono: b[at + 3]! >> 6 === 3 };
}

/** Frame count and samples trimmed (delay + padding) from a Xing/Info or VBRI header in the first frame. */
function vbrHeader(b: Uint8Array, at: number, f: MpegFrame) {
  const side = f.version === 3 ? (f.mono ? 17 : 32) : f.mono ? 9 : 17;
  const x = at + 4 + side;
  const tag = ascii(b, x, 4);
  if (tag === 'Xing' || tag === 'Info') {
    const flags = u32be(b, x + 4);
    if (!(flags & 1)) return undefined;
    const frames = u32be(b, x + 8);
    let p = x + 12 + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
    // LAME extension: 9-byte encoder name, then delay and padding (12 bits each) at +21. Written by LAME and
    // ffmpeg ("LAME3.100", "Lavf lame", "Lavc59.37"); from other encoders the fields may mean something else, so
    // their delay and padding (≤ 4095 each) only widen the tolerance.
    if (p + 24 <= at + f.length && /^[A-Za-z]{4}$/.test(ascii(b, p, 4))) {
      const known = /^(LAME|Lavf|Lavc|GOGO|L3\.9)/.test(ascii(b, p, 5));
      p += 21;
      const trim = ((b[p]! << 4) | (b[p + 1]! >> 4)) + (((b[p + 1]! & 15) << 8) | b[p + 2]!);
      return known ? { frames, trim, unsure: 0 } : { frames, trim: 0, unsure: 2 * 4095 };
    }
    return { frames, trim: 0, unsure: 0 }; // without LAME's tag nothing is trimmed: every frame is output
  }
  // VBRI states a delay that decoders may or may not trim.
  if (ascii(b, at + 36, 4) === 'VBRI')
    return { frames: u32be(b, at + 50), trim: 0, unsure: u16be(b, at + 42) };
  return undefined;
}

export class Mp3Probe extends UnitWalker implements ContainerProbe {
  private first: MpegFrame | undefined;
  private info: Declared | undefined;
  private frames = 0;

  protected unit(b: Uint8Array, at: number, offset: number): number {
    if (offset === 0 && b.length - at < 10) return 0;
    const id3 = offset === 0 || !this.first ? id3v2Size(b.subarray(at, at + 10)) : 0;
    if (id3) return id3;
    if (!this.first && offset > 0 && b[at] === 0) {
      // Zero padding after an ID3 tag that its size does not count: skip it, as ingest's sniffing does.
      return paddingAfter(b, at);
    }
    if (b.length - at < 4) return 0;
    const f = mpegFrame(b, at);
    // Not a frame where one should start: trailing tags (ID3v1, APE, Lyrics3) or junk. Stop without a verdict.
    if (!f) return -1;
    if (!this.first) {
      const need = Math.min(f.length, 4 + 32 + 200); // room for a Xing/VBRI header and LAME's extension
      if (b.length - at < need) return 0;
      this.first = f;
      const vbr = vbrHeader(b, at, f);
      if (vbr) {
        // Gapless decoding (ours) is exact: measured 0 samples off. Half a frame of slack still catches the loss
        // of the last frame, the smallest truncation at a frame boundary.
        const frames = vbr.frames * f.samples - vbr.trim;
        this.info = { frames: Math.max(0, frames), rate: f.sampleRate, slack: f.samples / 2 + vbr.unsure };
        return f.length; // the Xing frame itself carries no audio
      }
    } else if (f.sampleRate !== this.first.sampleRate || f.layer !== this.first.layer) {
      return -1; // a different stream, or a false sync inside junk
    }
    this.frames++;
    return f.length;
  }

  declared(): Declared | undefined {
    return this.info;
  }

  problem(): string | undefined {
    if (!this.endedInsideUnit()) return undefined;
    if (!this.first) return 'the file ends inside its ID3 tag or first frame';
    return `the file ends inside MPEG audio frame ${this.frames + 1} (${this.missingBytes()} bytes missing)`;
  }
}

/** ADTS sampling_frequency_index (ISO/IEC 14496-3, table 1.18); 13-15 are reserved or escape values. */
const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** ADTS: 7-byte headers with a 13-bit frame length that includes the header. No declared total. */
export class AdtsProbe extends UnitWalker implements ContainerProbe {
  private frames = 0;
  private rate: number | undefined;

  protected unit(b: Uint8Array, at: number, offset: number): number {
    if (b.length - at < 10) return 0;
    if (offset === 0) {
      const id3 = id3v2Size(b.subarray(at, at + 10));
      if (id3) return id3;
    }
    if (b[at] !== 0xff || (b[at + 1]! & 0xf6) !== 0xf0) return -1;
    const length = ((b[at + 3]! & 3) << 11) | (b[at + 4]! << 3) | (b[at + 5]! >> 5);
    if (length < 7) return -1;
    if (this.frames === 0) this.rate = ADTS_RATES[(b[at + 2]! >> 2) & 0xf];
    this.frames++;
    return length;
  }

  declared(): Declared | undefined {
    return undefined;
  }

  /**
   * The header's rate. ADTS cannot say whether SBR data follows, so FAAD2 decodes every stream at <= 24 kHz at
   * twice the rate; for AAC-LC (all that ffmpeg's encoder writes) the header's rate is the true one. For HE-AAC with
   * implicit signalling it is the core rate, half the decoded bandwidth (docs/audio.md).
   */
  codedRate(): number | undefined {
    return this.rate;
  }

  problem(): string | undefined {
    if (!this.endedInsideUnit()) return undefined;
    return `the file ends inside ADTS frame ${this.frames} (${this.missingBytes()} bytes missing)`;
  }
}
