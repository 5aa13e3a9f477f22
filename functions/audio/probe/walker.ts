/**
 * Container probes watch the raw bytes beside the decoder and say what the container itself declares: how long the
 * audio is (FLAC STREAMINFO, MP3 Xing/VBRI, Ogg granule positions, AIFF COMM, WebM Duration) and whether the file
 * ends inside a unit it announced (an MP3 frame, an Ogg page, an MP4 box, an EBML element). The decoders drop what
 * they cannot decode without saying so, so these checks are what turn "truncated" into `corrupt_audio` instead of a
 * silently shorter analysis. Probes never throw on odd bytes: when the structure stops making sense they stop
 * walking and draw no conclusion, leaving the verdict to the decoder.
 */

/** Length the container declares, in frames at `rate`; `slack` frames of disagreement are tolerated. */
export interface Declared {
  frames: number;
  rate: number;
  slack: number;
}

export interface ContainerProbe {
  /** Sees every byte of the file, in order. */
  push(chunk: Uint8Array): void;
  /** The declared length, once the container has stated it (Ogg only knows at the end). */
  declared(): Declared | undefined;
  /** At the end of input: why the file is structurally damaged (cut short, bad checksum), or undefined. */
  problem(): string | undefined;
  /**
   * The sample rate the stream is coded at, where the decoder reports another one (FAAD2 doubles the rate of
   * every ADTS stream at <= 24 kHz, assuming implicit SBR); undefined to keep the decoder's rate.
   */
  codedRate?(): number | undefined;
}

const EMPTY = new Uint8Array(0);
/** Largest unit header (or whole unit, for Ogg pages that are checksummed) a walker may need at once. */
const CARRY_LIMIT = 70_000;

/**
 * Walks a stream of length-prefixed units without holding the payloads: only a unit's header (or a unit that must
 * be seen whole) is ever copied, and only when it straddles two chunks.
 */
export abstract class UnitWalker {
  /** Bytes seen so far. */
  total = 0;
  /** Absolute offset of the next unit. */
  protected next = 0;
  /** Set when the bytes stop looking like this container: no conclusions are drawn after that. */
  protected lost = false;
  private carry = EMPTY;

  /**
   * The unit that starts at b[at] (absolute offset `offset`): its length in bytes (> 0), 0 when more bytes are
   * needed to tell, or -1 when the bytes are not a unit (walking stops).
   */
  protected abstract unit(b: Uint8Array, at: number, offset: number): number;

  push(chunk: Uint8Array): void {
    const chunkStart = this.total;
    this.total += chunk.length;
    if (this.lost) return;
    let buf = chunk;
    let bufStart = chunkStart;
    if (this.carry.length) {
      buf = new Uint8Array(this.carry.length + chunk.length);
      buf.set(this.carry);
      buf.set(chunk, this.carry.length);
      bufStart = chunkStart - this.carry.length;
      this.carry = EMPTY;
    }
    for (;;) {
      const at = this.next - bufStart;
      if (at >= buf.length) return; // the next unit starts in a later chunk
      const n = this.unit(buf, at, this.next);
      if (n < 0) {
        this.lost = true;
        return;
      }
      if (n === 0) {
        this.carry = buf.slice(at);
        if (this.carry.length > CARRY_LIMIT) {
          this.lost = true;
          this.carry = EMPTY;
        }
        return;
      }
      this.next += n;
    }
  }

  /** True when the input ended inside a unit (its header, or before the end it declared). */
  protected endedInsideUnit(): boolean {
    return !this.lost && (this.carry.length > 0 || this.next > this.total);
  }

  /** Bytes the last unit still lacked at the end of input (for messages). */
  protected missingBytes(): number {
    return Math.max(0, this.next - this.total);
  }
}

export const ascii = (b: Uint8Array, at: number, n: number): string =>
  String.fromCharCode(...b.subarray(at, at + n));
export const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
export const u32be = (b: Uint8Array, at: number) =>
  b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
export const u32le = (b: Uint8Array, at: number) =>
  b[at + 3]! * 0x1000000 + ((b[at + 2]! << 16) | (b[at + 1]! << 8) | b[at]!);
