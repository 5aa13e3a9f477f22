/**
 * Windowing: how prepared 16 kHz mono audio becomes model inputs. Pure functions, parameters from the manifest.
 *
 * Rule (docs/audio.md):
 *  - windows of `window_samples` every `hop_samples`, starting at 0, while they fit;
 *  - the tail after the last full window: if it holds at least `min_samples`, one more window aligned to the END of
 *    the audio (it overlaps the previous window, so every analysed sample is real audio, never padding); shorter
 *    tails are reported as a chunk with `score: null, reason: "too_short"`;
 *  - audio shorter than one window but at least `min_samples` long is repeat-padded (tiled) to one window;
 *  - audio shorter than `min_samples` is rejected as a whole (`too_short`) before windowing.
 * Chunks whose RMS is below SILENCE_RMS are not sent to the model: `score: null, reason: "silence"`.
 */
export interface ChunkSpec {
  window_samples: number;
  hop_samples: number;
  min_samples: number;
}

export interface PlannedChunk {
  index: number;
  /** First and one-past-last sample of real audio covered (the padded window reports the audio it holds). */
  start: number;
  end: number;
  kind: 'full' | 'tail' | 'padded' | 'too_short';
}

/** −80 dBFS: digital silence and the noise floor of 16-bit dither sit below it; any audible signal lies above. */
export const SILENCE_RMS = 1e-4;

export function planChunks(total: number, spec: ChunkSpec): PlannedChunk[] {
  const { window_samples: win, hop_samples: hop, min_samples: min } = spec;
  if (total < min) return [];
  if (total <= win) return [{ index: 0, start: 0, end: total, kind: total === win ? 'full' : 'padded' }];
  const chunks: PlannedChunk[] = [];
  let start = 0;
  for (; start + win <= total; start += hop)
    chunks.push({ index: chunks.length, start, end: start + win, kind: 'full' });
  const covered = chunks[chunks.length - 1]!.end;
  const tail = total - covered;
  if (tail > 0) {
    if (tail >= min) chunks.push({ index: chunks.length, start: total - win, end: total, kind: 'tail' });
    else chunks.push({ index: chunks.length, start: covered, end: total, kind: 'too_short' });
  }
  return chunks;
}

/** Copies a planned chunk's samples into `out` (length window_samples), tiling short audio end to end. */
export function fillWindow(samples: Float32Array, chunk: PlannedChunk, out: Float32Array): void {
  const length = chunk.end - chunk.start;
  const src = samples.subarray(chunk.start, chunk.end);
  if (length >= out.length) {
    out.set(src.subarray(0, out.length));
    return;
  }
  for (let offset = 0; offset < out.length; offset += length) {
    out.set(offset + length <= out.length ? src : src.subarray(0, out.length - offset), offset);
  }
}

export function rms(x: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / Math.max(1, x.length));
}

export type Normalization = { kind: 'zero_mean_unit_variance'; epsilon: number } | { kind: 'none' };

/**
 * In-place per-chunk normalisation, as the model was trained: (x − mean) / sqrt(var + ε) with the population
 * variance (HuggingFace Wav2Vec2FeatureExtractor `do_normalize`). Sums in float64 for stability.
 */
export function normalizeWindow(x: Float32Array, norm: Normalization): void {
  if (norm.kind === 'none') return;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / x.length;
  let sq = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - mean;
    sq += d * d;
  }
  const scale = 1 / Math.sqrt(sq / x.length + norm.epsilon);
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) * scale;
}
