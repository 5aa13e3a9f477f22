/** Synthetic test signals with known truth for the extractors' golden tests and bench (16 kHz unless given). */
export const SR = 16000;

/** Sum of harmonics h·f0 (amplitude 1/h, fixed phases), peak-normalised to `peak`. Harmonics above 7.6 kHz are left out. */
export function harmonicComplex(
  f0: number,
  seconds: number,
  harmonics: readonly number[],
  { rate = SR, peak = 0.5 } = {},
): Float32Array {
  const n = Math.round(seconds * rate);
  const x = new Float32Array(n);
  for (const h of harmonics) {
    if (h * f0 >= 0.475 * rate) continue;
    const w = (2 * Math.PI * f0 * h) / rate;
    for (let i = 0; i < n; i++) x[i]! += Math.sin(w * i + 0.7 * h) / h;
  }
  return normalisePeak(x, peak);
}

/** Clicks (a 2 ms decaying 1 kHz burst) every 60/bpm seconds from `offset` seconds. */
export function clickTrack(bpm: number, seconds: number, { rate = SR, offset = 0.1 } = {}): Float32Array {
  const x = new Float32Array(Math.round(seconds * rate));
  const period = (60 / bpm) * rate;
  const burst = Math.round(0.002 * rate);
  for (let t = offset * rate; t + burst < x.length; t += period) {
    const i = Math.round(t);
    for (let k = 0; k < burst; k++)
      x[i + k] = 0.8 * Math.sin((2 * Math.PI * 1000 * k) / rate) * Math.exp((-4 * k) / burst);
  }
  return x;
}

/** Deterministic white noise (uniform, ±amplitude). */
export function whiteNoise(seconds: number, amplitude: number, seed = 1, rate = SR): Float32Array {
  const x = new Float32Array(Math.round(seconds * rate));
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (s * 16807) % 2147483647;
    x[i] = amplitude * (2 * (s / 2147483647) - 1);
  }
  return x;
}

export function tone(hz: number, seconds: number, amplitude = 0.5, rate = SR): Float32Array {
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return x;
}

function normalisePeak(x: Float32Array, peak: number): Float32Array {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  if (m > 0) for (let i = 0; i < x.length; i++) x[i]! *= peak / m;
  return x;
}

/** A 16 kHz test signal that is not silent: a gliding tone over noise, seeded. */
export function glideOverNoise(seconds: number, seed = 1): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => {
    const t = i / 16000;
    return 0.3 * Math.sin(2 * Math.PI * (150 + 40 * t) * t) + 0.05 * rand();
  });
}
