/**
 * Extractors: analyses that run as pipeline stages on every raw (un-normalised) 16 kHz window, beside the
 * detector, and report `chunks[i].features.<name>.<field>` per window and `features.<name>.<field>` per file
 * (docs/extractors.md). Each describes itself (GET /v1/extractors) with an output schema.
 */
import type { FeatureValues } from '../pipeline/session.ts';

export interface OutputField {
  type: 'number';
  /** Unit of the value (Hz, BPM, fraction). */
  unit: string;
  /** Whether the value may be null (e.g. no voiced frame, no periodicity). */
  nullable: boolean;
  description: string;
}

export interface ExtractorInfo {
  name: string;
  version: string;
  /** Where it runs: `gpu` when it can use the accelerator (the detector), else `cpu`. */
  device: 'cpu' | 'gpu';
  description: string;
  /** Fields of `features.<name>` (per file) and `chunks[i].features.<name>` (per window). */
  outputs: Record<string, OutputField>;
}

/**
 * One request's run of an extractor. The stage hands it the audio once, in order, as contiguous 16 kHz samples
 * (overlapping stream windows are not fed twice), and asks for a window's values once the audio has reached the
 * window's end. Values are over the extractor's analysis frames that lie inside the window.
 */
export interface ExtractorRun {
  /** Contiguous samples starting at absolute sample `at` (a gap, if ever, restarts the frame grid). */
  push(samples: Float32Array, at: number): void | Promise<void>;
  /** Values over [start, end) in absolute samples; frames before `start` may be forgotten afterwards. */
  window(start: number, end: number): FeatureValues;
  /** The per-file aggregate over everything pushed. */
  file(): FeatureValues;
}

export interface FeatureExtractor extends ExtractorInfo {
  open(): ExtractorRun;
}

export const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
