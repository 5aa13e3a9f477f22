/** Minimal 16-bit PCM WAV writer for tests and benchmarks (inputs generated at run time, never committed). */
export function encodeWav16(samples: Float32Array, sampleRate: number, channels = 1): Uint8Array {
  const frames = Math.floor(samples.length / channels);
  const data = frames * channels * 2;
  const buf = new DataView(new ArrayBuffer(44 + data));
  const text = (o: number, s: string) => [...s].forEach((c, i) => buf.setUint8(o + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  buf.setUint32(4, 36 + data, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  buf.setUint32(16, 16, true);
  buf.setUint16(20, 1, true);
  buf.setUint16(22, channels, true);
  buf.setUint32(24, sampleRate, true);
  buf.setUint32(28, sampleRate * channels * 2, true);
  buf.setUint16(32, channels * 2, true);
  buf.setUint16(34, 16, true);
  text(36, 'data');
  buf.setUint32(40, data, true);
  for (let i = 0; i < frames * channels; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]!));
    buf.setInt16(44 + i * 2, Math.round(v * 32767), true);
  }
  return new Uint8Array(buf.buffer);
}

/** Reads a 16-bit PCM mono WAV's samples (for looping the e2e speech fixture into longer inputs). */
export function decodeWav16Mono(bytes: Uint8Array): { samples: Float32Array; sampleRate: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sampleRate = view.getUint32(24, true);
  const n = view.getUint32(40, true) / 2;
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) samples[i] = view.getInt16(44 + i * 2, true) / 32768;
  return { samples, sampleRate };
}

/** Repeats a signal to `seconds`. */
export function loopTo(samples: Float32Array, sampleRate: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = samples[i % samples.length]!;
  return out;
}
