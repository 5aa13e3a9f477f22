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

export interface WindowStats {
  mean: number;
  /** Population variance. */
  variance: number;
  rms: number;
}

/**
 * Mean, population variance and RMS of `x` in one pass, summed in float64. Every window of every file and stream
 * passes through here (64,000 samples each), so: four accumulators per sum, so that an add need not wait for the
 * one before it; and the sums are of x − x[0], so that E[y²] − E[y]² does not cancel under a DC offset (the
 * shifted form of the textbook one-pass variance).
 */
export function windowStats(x: Float32Array): WindowStats {
  const n = x.length;
  if (n === 0) return { mean: 0, variance: 0, rms: 0 };
  const shift = x[0]!;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  let q3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a = x[i]! - shift;
    const b = x[i + 1]! - shift;
    const c = x[i + 2]! - shift;
    const d = x[i + 3]! - shift;
    s0 += a;
    s1 += b;
    s2 += c;
    s3 += d;
    q0 += a * a;
    q1 += b * b;
    q2 += c * c;
    q3 += d * d;
  }
  for (; i < n; i++) {
    const a = x[i]! - shift;
    s0 += a;
    q0 += a * a;
  }
  const meanShifted = (s0 + s1 + s2 + s3) / n;
  const variance = Math.max(0, (q0 + q1 + q2 + q3) / n - meanShifted * meanShifted);
  const mean = shift + meanShifted;
  return { mean, variance, rms: Math.sqrt(variance + mean * mean) };
}

export function rms(x: Float32Array): number {
  return windowStats(x).rms;
}

export type Normalization = { kind: 'zero_mean_unit_variance'; epsilon: number } | { kind: 'none' };

/**
 * Per-chunk normalisation, as the model was trained: (x − mean) / sqrt(var + ε) with the population variance
 * (HuggingFace Wav2Vec2FeatureExtractor `do_normalize`), written into `out` (which may be `x` itself).
 */
export function normalizeInto(
  x: Float32Array,
  out: Float32Array,
  norm: Normalization,
  stats: WindowStats = windowStats(x),
): Float32Array {
  if (norm.kind === 'none') {
    if (out !== x) out.set(x);
    return out;
  }
  const { mean } = stats;
  const scale = 1 / Math.sqrt(stats.variance + norm.epsilon);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean) * scale;
  return out;
}

/** In-place normalizeInto. */
export function normalizeWindow(x: Float32Array, norm: Normalization): void {
  normalizeInto(x, x, norm);
}
