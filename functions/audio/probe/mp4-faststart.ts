/**
 * In-memory "faststart" for MP4/M4A files whose `moov` comes after `mdat` (ffmpeg's default, many phone
 * recorders). The demuxer can only start once it has `moov`, and then hands every sample to the codec in one call,
 * so a 60-minute file would decode to one 1.3 GB block. Moving `moov` in front of `mdat` (and shifting the chunk
 * offsets in stco/co64 by its size, as qt-faststart does) lets the same demuxer stream it in small pieces.
 */
import { u32be } from './walker.ts';

export interface Box {
  type: string;
  offset: number;
  size: number;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

/** Adds `delta` to every chunk offset in [lo, hi) inside the boxes of b[start, end); false if one would overflow. */
function shiftChunkOffsets(b: Uint8Array, start: number, end: number, delta: number, lo: number, hi: number) {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = start; at + 8 <= end;) {
    let size = u32be(b, at);
    let header = 8;
    if (size === 1 && at + 16 <= end) {
      size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
      header = 16;
    }
    if (size < header || at + size > end) return false;
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    const body = at + header;
    if (CONTAINERS.has(type)) {
      if (!shiftChunkOffsets(b, body, at + size, delta, lo, hi)) return false;
    } else if (type === 'stco' || type === 'co64') {
      const wide = type === 'co64';
      const count = u32be(b, body + 4);
      if (body + 8 + count * (wide ? 8 : 4) > at + size) return false;
      for (let i = 0, p = body + 8; i < count; i++, p += wide ? 8 : 4) {
        const v = wide ? Number(view.getBigUint64(p)) : view.getUint32(p);
        if (v < lo || v >= hi) continue;
        if (wide) view.setBigUint64(p, BigInt(v + delta));
        else if (v + delta > 0xffffffff) return false;
        else view.setUint32(p, v + delta);
      }
    }
    at += size;
  }
  return true;
}

/** A byte range of the original file, or bytes to use in its place. */
export type Piece = { start: number; end: number } | Uint8Array;

/**
 * The file reordered so `moov` precedes the first `mdat`: ranges of the original file (no copy) and one patched
 * copy of `moov` (`read` returns a copy of a range). Undefined when no reordering is needed or it cannot be done
 * safely; the caller then feeds the file as it is.
 */
export function faststart(
  boxes: readonly Box[],
  total: number,
  read: (start: number, end: number) => Uint8Array,
): Piece[] | undefined {
  const moov = boxes.find((b) => b.type === 'moov');
  const mdat = boxes.find((b) => b.type === 'mdat');
  if (!moov || !mdat || moov.offset < mdat.offset || moov.offset + moov.size > total) return undefined;
  const patched = read(moov.offset, moov.offset + moov.size);
  const header = u32be(patched, 0) === 1 ? 16 : 8;
  // Data between the first mdat and moov moves later by moov's size; data after moov stays where it was.
  if (!shiftChunkOffsets(patched, header, patched.length, moov.size, mdat.offset, moov.offset))
    return undefined;
  return [
    { start: 0, end: mdat.offset },
    patched,
    { start: mdat.offset, end: moov.offset },
    { start: moov.offset + moov.size, end: total },
  ];
}
