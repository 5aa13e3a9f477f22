/** Files above this are not decoded in the page: decodeAudioData holds the whole signal as float32 in memory. */
export const MAX_DECODE_BYTES = 40 * 1024 * 1024;

export interface Peaks {
  /** min and max of each column, interleaved: [min0, max0, min1, max1, …] in [-1, 1]. */
  values: Float32Array;
  duration: number;
}

/** Reduces a signal to `columns` (min, max) pairs: what a waveform of that width draws. */
export function computePeaks(channels: Float32Array[], columns: number, duration: number): Peaks {
  const length = channels[0]?.length ?? 0;
  const values = new Float32Array(columns * 2);
  for (let c = 0; c < columns; c++) {
    const start = Math.floor((c * length) / columns);
    const end = Math.max(start + 1, Math.floor(((c + 1) * length) / columns));
    let min = 0;
    let max = 0;
    for (let i = start; i < end && i < length; i++) {
      let sample = 0;
      for (const channel of channels) sample += channel[i]!;
      sample /= channels.length;
      if (sample < min) min = sample;
      if (sample > max) max = sample;
    }
    values[2 * c] = min;
    values[2 * c + 1] = max;
  }
  return { values, duration };
}

/**
 * Decodes a local file with the browser's own decoders (no upload involved) and returns its peaks, or undefined
 * when the browser cannot decode it or it is too large: the result then shows the chunk lane without a waveform.
 */
export async function decodePeaks(file: Blob, columns = 1200): Promise<Peaks | undefined> {
  if (file.size > MAX_DECODE_BYTES || typeof OfflineAudioContext === 'undefined') return undefined;
  try {
    const context = new OfflineAudioContext(1, 1, 44_100);
    const audio = await context.decodeAudioData(await file.arrayBuffer());
    const channels = Array.from({ length: audio.numberOfChannels }, (_, i) => audio.getChannelData(i));
    return computePeaks(channels, columns, audio.duration);
  } catch {
    return undefined;
  }
}
