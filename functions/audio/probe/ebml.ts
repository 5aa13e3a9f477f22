/**
 * WebM/Matroska probe: walks EBML elements, stepping into Segment, Cluster and Info (where Duration and
 * TimecodeScale live) and over everything else by its declared size. A Segment or element that declares more bytes
 * than the file holds means the file was cut short. Live writers (browser MediaRecorder) leave Segment and Cluster
 * sizes "unknown" and omit Duration; for those only a cut inside a block is detectable.
 */
import { UnitWalker, type ContainerProbe, type Declared } from './walker.ts';

const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const DESCEND = new Set([SEGMENT, CLUSTER, INFO]);

type Vint = { length: number; value: number; unknown: boolean };

/**
 * A variable-length integer at b[at]: its length in bytes and value (the length marker removed for sizes),
 * 'more' when the buffer ends first, 'bad' when the first byte announces more than 8 bytes.
 */
function vint(b: Uint8Array, at: number, keepMarker: boolean): Vint | 'more' | 'bad' {
  if (at >= b.length) return 'more';
  const first = b[at]!;
  let length = 1;
  while (length <= 8 && !(first & (0x100 >> length))) length++;
  if (length > 8) return 'bad';
  if (at + length > b.length) return 'more';
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { length, value, unknown: !keepMarker && allOnes };
}

export class EbmlProbe extends UnitWalker implements ContainerProbe {
  private segmentEnd = Infinity;
  private scale = 1_000_000; // ns per timecode tick (Matroska default)
  private duration: number | undefined; // in ticks

  protected unit(b: Uint8Array, at: number, offset: number): number {
    const id = vint(b, at, true);
    if (id === 'bad' || (id !== 'more' && id.length > 4)) return -1;
    if (id === 'more') return 0;
    const size = vint(b, at + id.length, false);
    if (size === 'bad') return -1;
    if (size === 'more') return 0;
    const header = id.length + size.length;
    if (DESCEND.has(id.value)) {
      if (id.value === SEGMENT && !size.unknown) this.segmentEnd = offset + header + size.value;
      return header;
    }
    if (size.unknown) return -1; // only master elements may have unknown sizes
    if (id.value === TIMECODE_SCALE || id.value === DURATION) {
      if (b.length - at < header + size.value) return 0;
      const v = new DataView(b.buffer, b.byteOffset + at + header, size.value);
      if (id.value === DURATION && (size.value === 4 || size.value === 8))
        this.duration = size.value === 4 ? v.getFloat32(0) : v.getFloat64(0);
      else if (id.value === TIMECODE_SCALE && size.value >= 1 && size.value <= 6)
        this.scale = uint(v) || this.scale;
    }
    return header + size.value;
  }

  declared(): Declared | undefined {
    if (this.duration === undefined || !(this.duration > 0)) return undefined;
    // In ticks: Duration is rounded to a tick and counts the last block's full length (up to 120 ms of Opus).
    const rate = 1e9 / this.scale;
    return { frames: this.duration, rate, slack: Math.max(2, 0.13 * rate) };
  }

  problem(): string | undefined {
    if (this.endedInsideUnit())
      return `the file ends inside a WebM element (${this.missingBytes()} bytes missing)`;
    if (!this.lost && this.segmentEnd !== Infinity && this.segmentEnd > this.total)
      return `the WebM segment declares ${this.segmentEnd - this.total} more bytes than the file holds`;
    return undefined;
  }
}

function uint(v: DataView): number {
  let n = 0;
  for (let i = 0; i < v.byteLength; i++) n = n * 256 + v.getUint8(i);
  return n;
}
