/**
 * The streaming form of planChunks (chunk.ts): prepared 16 kHz mono blocks in, model windows out, each window as
 * soon as its last sample has arrived. The rule is the same, so a file cut by this windower gives exactly the
 * chunks planChunks gives for its total length:
 *  - full windows of `window_samples` every `hop_samples` from sample 0, emitted while the audio streams in;
 *  - at the end, the tail after the last full window becomes one window aligned to the end of the audio if it holds
 *    at least `min_samples`, else a `too_short` chunk with no samples;
 *  - audio shorter than one window but at least `min_samples` long is tiled to one window;
 *  - audio shorter than `min_samples` gives no window at all.
 *
 * Memory: only the samples a later window can still need are kept (from the next window's start, or the last
 * `window_samples` for the end-aligned tail), so an hour of audio streams through a buffer of about one window.
 */
import { fillWindow, type ChunkSpec, type PlannedChunk } from './chunk.ts';

export interface Window extends PlannedChunk {
  /** The window's raw samples (window_samples long; tiled for short audio); empty for `too_short`. */
  samples: Float32Array;
}

export class Windower {
  /** Samples pushed so far. */
  total = 0;
  private buffer: Float32Array;
  private bufferStart = 0; // absolute index of buffer[0]
  private length = 0; // samples held in the buffer
  private nextStart = 0; // absolute start of the next full window
  private emitted = 0;
  private ended = false;

  constructor(private readonly spec: ChunkSpec) {
    this.buffer = new Float32Array(2 * spec.window_samples);
  }

  /** Full windows emitted so far (the index the next window will get). */
  get windows(): number {
    return this.emitted;
  }

  push(block: Float32Array, emit: (window: Window) => void): void {
    if (this.ended) throw new Error('Windower.push after end');
    const { window_samples: win, hop_samples: hop } = this.spec;
    let offset = 0;
    while (offset < block.length) {
      this.compact();
      const room = this.buffer.length - this.length;
      const n = Math.min(room, block.length - offset);
      this.buffer.set(block.subarray(offset, offset + n), this.length);
      this.length += n;
      this.total += n;
      offset += n;
      while (this.nextStart + win <= this.total) {
        const from = this.nextStart - this.bufferStart;
        const samples = this.buffer.slice(from, from + win);
        emit({
          index: this.emitted++,
          start: this.nextStart,
          end: this.nextStart + win,
          kind: 'full',
          samples,
        });
        this.nextStart += hop;
      }
    }
  }

  /** Ends the stream: the tail, padded or too-short window the file rule asks for (none when the audio fits). */
  end(emit: (window: Window) => void): void {
    if (this.ended) return;
    this.ended = true;
    const { window_samples: win, min_samples: min } = this.spec;
    const total = this.total;
    if (total < min) return;
    const held = this.buffer.subarray(0, this.length);
    if (total < win) {
      const samples = new Float32Array(win);
      const chunk: PlannedChunk = { index: 0, start: 0, end: total, kind: 'padded' };
      fillWindow(held, chunk, samples); // nothing was dropped: the buffer starts at sample 0
      emit({ ...chunk, samples });
      this.emitted++;
      return;
    }
    const covered = this.emitted ? this.nextStart - this.spec.hop_samples + win : 0;
    const tail = total - covered;
    if (tail <= 0) return;
    if (tail >= min) {
      const from = total - win - this.bufferStart;
      emit({
        index: this.emitted++,
        start: total - win,
        end: total,
        kind: 'tail',
        samples: held.slice(from, from + win),
      });
    } else emit({ index: this.emitted++, start: covered, end: total, kind: 'too_short', samples: EMPTY });
  }

  /** Drops samples no later window needs, and grows the buffer when a window still needs more than it holds. */
  private compact(): void {
    if (this.length < this.buffer.length) return;
    const keepFrom = Math.max(0, Math.min(this.nextStart, this.total - this.spec.window_samples));
    const drop = keepFrom - this.bufferStart;
    if (drop > 0) {
      this.buffer.copyWithin(0, drop, this.length);
      this.length -= drop;
      this.bufferStart = keepFrom;
    }
    if (this.length === this.buffer.length) {
      const grown = new Float32Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
  }
}

const EMPTY = new Float32Array(0);
