/**
 * `tempo`: beats per minute from the autocorrelation of an onset envelope, and an onset rate (a syllable-rate proxy
 * for speech).
 *
 * Envelope: the level of each 5 ms hop (80 samples) in dB; onset strength = its rise over the previous hop,
 * half-wave rectified, zero below −55 dBFS. Tempo: the shortest autocorrelation peak, among lags of 40–240 BPM, that
 * reaches 80 % of the highest one (a click track at 60 BPM has no peak at 120 BPM, one at 180 BPM has peaks at 90
 * and 60 too), refined by parabolic interpolation and by the peaks at its multiples. Per window the envelope is the
 * window's own; per file the autocorrelation is accumulated hop by hop over the whole file (only the last 3 s of the
 * envelope are kept, never the audio); a span with fewer than two onsets has no tempo (null). Onsets: local maxima of the rise over 20 ms, at least 6 dB, at least 60 ms
 * apart, above −50 dBFS.
 */
import type { FeatureValues } from '../pipeline/session.ts';
import { FrameGrid, FrameSeries } from './frames.ts';
import { round, type ExtractorRun, type FeatureExtractor } from './types.ts';

const SR = 16000;
const HOP = 80; // 5 ms: a 200 Hz envelope
const ENV_RATE = SR / HOP;
const MIN_BPM = 40;
const MAX_BPM = 240;
const MIN_LAG = Math.floor((60 * ENV_RATE) / MAX_BPM); // 50
const MAX_LAG = Math.ceil((60 * ENV_RATE) / MIN_BPM); // 300
const LONG_LAG = 3 * ENV_RATE; // lags kept for the file's refinement by multiples: 3 s
const FLOOR_DB = -100;
const GATE_DB = -55;
const ONSET_RISE_DB = 6;
const ONSET_MIN_DBFS = -50;
const ONSET_GAP = 12; // hops: 60 ms
const PEAK_SHARE = 0.8;
/** Fewer onsets than this in the span: no tempo (a steady tone's level ripple is periodic, but it has no beat). */
const MIN_ONSETS = 2;

/**
 * Picks the tempo lag from an autocorrelation; returns the lag in hops (fractional) or undefined. The
 * autocorrelation is smoothed first ([1 4 6 4 1]/16): an onset that falls between two hops splits its peak over
 * two lags, which otherwise lets a peak at twice the period stand taller than the period's own.
 */
export function tempoLag(raw: ArrayLike<number>, usableLag: number): number | undefined {
  const r = new Float64Array(raw.length);
  for (let l = 0; l < raw.length; l++) {
    const at = (k: number) => raw[Math.min(raw.length - 1, Math.abs(l + k))]!;
    r[l] = (at(-2) + 4 * at(-1) + 6 * raw[l]! + 4 * at(1) + at(2)) / 16;
  }
  const top = Math.min(MAX_LAG, usableLag, r.length - 2);
  const peaks: number[] = [];
  let best = 0;
  for (let l = MIN_LAG; l <= top; l++) {
    if (r[l]! > 0 && r[l]! >= r[l - 1]! && r[l]! > r[l + 1]!) {
      peaks.push(l);
      best = Math.max(best, r[l]!);
    }
  }
  if (!peaks.length) return undefined;
  const first = peaks.find((l) => r[l]! >= PEAK_SHARE * best)!;
  let lag = first + parabolic(r, first);
  // Refine on multiples: the k-th peak pins the period k times more finely.
  const last = Math.min(usableLag, r.length - 2);
  for (let k = 2; k * lag <= last; k++) {
    const guess = Math.round(k * lag);
    let at = guess;
    for (let l = Math.max(1, guess - 2); l <= Math.min(last, guess + 2); l++) if (r[l]! > r[at]!) at = l;
    if (at <= 0 || at >= last || r[at]! < 0.5 * best || r[at]! < r[at - 1]! || r[at]! < r[at + 1]!) break;
    lag = (at + parabolic(r, at)) / k;
  }
  return lag;
}

/** Offset of the vertex of the parabola through r[l-1], r[l], r[l+1]. */
function parabolic(r: ArrayLike<number>, l: number): number {
  const a = r[l - 1]!;
  const b = r[l]!;
  const c = r[l + 1]!;
  const d = a - 2 * b + c;
  return d < 0 ? (0.5 * (a - c)) / d : 0;
}

const bpmOf = (lag: number | undefined) => (lag ? round((60 * ENV_RATE) / lag, 2) : null);

/** Autocorrelation of the mean-removed envelope for lags 0..maxLag. */
function autocorrelation(env: number[], maxLag: number): Float64Array {
  const n = env.length;
  let mean = 0;
  for (const x of env) mean += x;
  mean /= Math.max(1, n);
  const r = new Float64Array(maxLag + 2);
  for (let l = 0; l < r.length && l < n; l++) {
    let acc = 0;
    for (let i = l; i < n; i++) acc += (env[i]! - mean) * (env[i - l]! - mean);
    r[l] = acc;
  }
  return r;
}

interface Rise {
  start: number;
  rise: number;
  db: number;
}
const PAD: Rise = { start: -1, rise: -Infinity, db: FLOOR_DB };

class TempoRun implements ExtractorRun {
  private readonly grid = new FrameGrid(HOP, HOP);
  /** Onset strength per hop, and onsets (value 1) by hop start, in 16 kHz samples. */
  private readonly strength = new FrameSeries();
  private readonly onsets = new FrameSeries();
  /** File-wide autocorrelation sums Σ o[n]·o[n−l], the last LONG_LAG strengths, and their sum. */
  private readonly sums = new Float64Array(LONG_LAG + 2);
  private readonly recent = new Float64Array(LONG_LAG + 2);
  private hops = 0;
  private strengthSum = 0;
  private onsetCount = 0;
  private samples = 0;
  // Level history for the onset detector: the last 4 hop energies and the rises awaiting a local-maximum decision.
  private previousDb = FLOOR_DB;
  private readonly energies = [0, 0, 0, 0];
  private readonly smoothDb: number[] = [];
  /** Rises of the last 2·ONSET_GAP + 1 hops, oldest first (padded at the start, so every hop is decided once). */
  private readonly rises: Rise[] = Array.from({ length: ONSET_GAP }, () => PAD);

  push(samples: Float32Array, at: number): void {
    this.samples += samples.length;
    this.grid.push(samples, at, (frame, start) => this.hop(frame, start));
  }

  private hop(frame: Float32Array, start: number): void {
    let e = 0;
    for (let i = 0; i < frame.length; i++) e += frame[i]! * frame[i]!;
    e /= frame.length;
    const db = Math.max(FLOOR_DB, 10 * Math.log10(e + 1e-10));
    const o = db < GATE_DB ? 0 : Math.max(0, db - this.previousDb);
    this.previousDb = db;
    this.strength.add(start, o);
    this.accumulate(o);
    // Onsets: rise of the 20 ms level over 20 ms.
    this.energies.shift();
    this.energies.push(e);
    const smooth =
      10 * Math.log10((this.energies[0]! + this.energies[1]! + this.energies[2]! + e) / 4 + 1e-10);
    this.smoothDb.push(smooth);
    if (this.smoothDb.length > 5) this.smoothDb.shift();
    const rise = this.smoothDb.length === 5 ? smooth - this.smoothDb[0]! : 0;
    this.rises.push({ start, rise, db: smooth });
    if (this.rises.length === 2 * ONSET_GAP + 1) this.decideCentre();
  }

  /** Decides whether the middle rise is an onset (the largest within ±ONSET_GAP hops), then drops the oldest. */
  private decideCentre(): void {
    const c = this.rises[ONSET_GAP]!;
    const largest = this.rises.every((x, i) =>
      i === ONSET_GAP ? true : i < ONSET_GAP ? x.rise < c.rise : x.rise <= c.rise,
    );
    if (largest && c.rise >= ONSET_RISE_DB && c.db >= ONSET_MIN_DBFS) {
      this.onsets.add(c.start, 1);
      this.onsetCount++;
    }
    this.rises.shift();
  }

  /** End of the audio: the last rises are decided against the neighbours they have. */
  private flushOnsets(): void {
    while (this.rises.length < 2 * ONSET_GAP) this.rises.push(PAD);
    while (this.rises[ONSET_GAP] !== PAD) {
      this.rises.push(PAD);
      this.decideCentre();
    }
  }

  private accumulate(o: number): void {
    const n = this.hops++;
    this.recent[n % this.recent.length] = o;
    const span = Math.min(n, LONG_LAG + 1);
    for (let l = 0; l <= span; l++) this.sums[l]! += o * this.recent[(n - l) % this.recent.length]!;
    this.strengthSum += o;
  }

  window(start: number, end: number): FeatureValues {
    const env = this.strength.inside(start, end, HOP);
    const onsets = this.onsets.inside(start, end, HOP).length;
    this.strength.forgetBefore(start);
    this.onsets.forgetBefore(start);
    const usable = Math.floor(env.length / 2);
    const r = autocorrelation(env, usable);
    return {
      bpm: onsets >= MIN_ONSETS ? bpmOf(tempoLag(r, usable)) : null,
      onset_rate_hz: round(onsets / ((end - start) / SR), 3),
    };
  }

  file(): FeatureValues {
    this.flushOnsets();
    const n = this.hops;
    const mean = this.strengthSum / Math.max(1, n);
    // Mean removal after the fact: Σ (o[i]−μ)(o[i−l]−μ) ≈ Σ o[i]·o[i−l] − (n − l)·μ².
    const r = new Float64Array(this.sums.length);
    for (let l = 0; l < r.length; l++) r[l] = l < n ? this.sums[l]! - (n - l) * mean * mean : 0;
    return {
      bpm: this.onsetCount >= MIN_ONSETS ? bpmOf(tempoLag(r, Math.min(LONG_LAG, Math.floor(n / 2)))) : null,
      onset_rate_hz: round(this.onsetCount / Math.max(1e-9, this.samples / SR), 3),
    };
  }
}

export const tempoExtractor: FeatureExtractor = {
  name: 'tempo',
  version: '1.0.0',
  device: 'cpu',
  description:
    'Tempo in BPM (40–240) from the autocorrelation of a 200 Hz onset envelope, per window and over the whole ' +
    'file, and the onset rate, a syllable-rate proxy for speech.',
  outputs: {
    bpm: {
      type: 'number',
      unit: 'BPM',
      nullable: true,
      description: 'beats per minute; null when the envelope shows no periodicity',
    },
    onset_rate_hz: { type: 'number', unit: 'Hz', nullable: false, description: 'onsets per second' },
  },
  open: () => new TempoRun(),
};
