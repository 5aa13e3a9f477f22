/**
 * Block decoders: file bytes in (in order, any chunking), decoded blocks out through a sink. WAV uses our own
 * decoder (wav-decoder.ts); every other format uses @audio/decode (npm "audio-decode") chunked decoders, fed in a
 * shape each one handles correctly and fast (measured, see docs/audio.md):
 *  - small pieces (PIECE bytes): the WASM decoders merge their output per call, and large calls cost more than
 *    their size (Opus in Ogg ran at 71× real time fed 1 MiB at a time, 146× fed 16 KiB);
 *  - FLAC: its frame splitter misses a frame header that straddles two calls and silently merges two frames
 *    (a 110 s file lost 0.12 s fed in 4 KiB pieces), so a piece never ends within 16 bytes after a possible
 *    frame sync; the remainder goes with the next piece;
 *  - M4A: the demuxer re-joins everything it has buffered on every call until the `moov` box is complete, and then
 *    decodes every sample it has in one call. Bytes are held here until the probe has seen all of `moov`; when
 *    `moov` comes last (ffmpeg's default, many phone recorders) the file is reordered in memory (mp4-faststart.ts)
 *    and streamed, so the decoded signal never exists at the input rate as a whole.
 */
import decode, { type StreamDecoder } from 'audio-decode';
import type { AudioFormat } from './formats.ts';
import type { Mp4Probe } from './probe/index.ts';
import { faststart } from './probe/mp4-faststart.ts';

export type ChannelSink = (channelData: readonly Float32Array[], sampleRate: number) => void;

export interface BlockDecoder {
  push(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
  free(): void;
}

export const PIECE = 16 * 1024;
/** Longest FLAC frame header: sync and flags (4), coded number (≤ 7), block size (≤ 2), rate (≤ 2), CRC-8 (1). */
const FLAC_HEADER_MAX = 16;

/** Index where `b` should be cut so no possible FLAC frame header starts in its last 16 bytes (b.length if none). */
export function flacSafeCut(b: Uint8Array): number {
  for (let i = Math.max(0, b.length - FLAC_HEADER_MAX); i < b.length; i++) {
    if (b[i] === 0xff && (i + 1 === b.length || (b[i + 1]! & 0xfe) === 0xf8)) return i;
  }
  return b.length;
}

/** Views of bytes [start, end) of the concatenation of `chunks`. */
function* rangeViews(chunks: readonly Uint8Array[], start: number, end: number): Generator<Uint8Array> {
  let offset = 0;
  for (const c of chunks) {
    const a = Math.max(start, offset);
    const b = Math.min(end, offset + c.length);
    if (a < b) yield c.subarray(a - offset, b - offset);
    offset += c.length;
    if (offset >= end) return;
  }
}

function copyRange(chunks: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let o = 0;
  for (const view of rangeViews(chunks, start, end)) {
    out.set(view, o);
    o += view.length;
  }
  return out;
}

const join = (a: Uint8Array, b: Uint8Array) => {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

export async function libraryDecoder(
  format: Exclude<AudioFormat, 'wav'>,
  sink: ChannelSink,
  mp4?: Mp4Probe,
): Promise<BlockDecoder> {
  const create = (decode as unknown as Record<string, () => Promise<StreamDecoder>>)[format]!;
  const dec = await create();
  let open = true;
  let carry = new Uint8Array(0); // FLAC: bytes held back from the previous piece
  const held: Uint8Array[] = []; // M4A: bytes held until `moov` is complete (the whole file when it comes last)
  let heldBytes = 0;

  const emit = async (piece: Uint8Array) => {
    if (!piece.length) return;
    const r = await dec(piece);
    if (r.channelData.length) sink(r.channelData, r.sampleRate);
  };
  const pieces = async (bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i += PIECE) {
      let piece = bytes.subarray(i, i + PIECE);
      if (format === 'flac') {
        piece = join(carry, piece);
        const cut = flacSafeCut(piece);
        carry = piece.slice(cut);
        piece = piece.subarray(0, cut);
      }
      await emit(piece);
    }
  };
  const takeHeld = () => {
    const all = copyRange(held, 0, heldBytes);
    held.length = 0;
    heldBytes = 0;
    return all;
  };
  /** Feeds the whole held file with `moov` moved to the front, from views of the held chunks (no second copy). */
  const feedReordered = async () => {
    const plan = mp4 && faststart(mp4.boxes, heldBytes, (a, b) => copyRange(held, a, b));
    for (const part of plan || [{ start: 0, end: heldBytes }]) {
      if (part instanceof Uint8Array) await pieces(part);
      else for (const view of rangeViews(held, part.start, part.end)) await pieces(view);
    }
    held.length = 0;
    heldBytes = 0;
  };

  return {
    async push(chunk) {
      // The probe has already seen this chunk. Hold M4A bytes until `moov` is complete; if `mdat` came first,
      // until the end, where `moov` is moved to the front.
      if (mp4 && (mp4.moovLast || !mp4.moovComplete)) {
        held.push(chunk); // sources hand over fresh buffers (streams, the ingest thread's transfers)
        heldBytes += chunk.length;
        return;
      }
      if (held.length) {
        held.push(chunk);
        heldBytes += chunk.length;
        return pieces(takeHeld());
      }
      await pieces(chunk);
    },
    async end() {
      if (held.length) await feedReordered();
      await emit(carry);
      open = false;
      const r = await dec();
      if (r.channelData.length) sink(r.channelData, r.sampleRate);
    },
    free() {
      if (open) dec.free();
      open = false;
    },
  };
}
