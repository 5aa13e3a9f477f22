import type { ModelManifest } from '../inference/manifest.ts';

/**
 * The model behind one interface: a batch of prepared windows in, one P(synthetic) per window out. The ONNX adapter
 * (functions/inference/onnx-detector.ts) implements it; the chunk pipeline and the inference queue see only this.
 */
export interface Detector {
  /** The model's contract: rate, window, normalisation, thresholds. */
  readonly manifest: ModelManifest;
  /** Execution provider actually in use. */
  readonly device: 'cpu' | 'cuda';
  /** How many score() calls can run at once (default 1); the inference queue keeps that many batches in flight. */
  readonly concurrency?: number;
  /** Present while a detector may still be loading: settles once score() would run without waiting for it. */
  readonly ready?: Promise<unknown>;
  /**
   * Scores `count` windows laid out back to back in `batch` (count × window_samples floats, already normalised).
   * Returns P(synthetic) in [0, 1] per window.
   */
  score(batch: Float32Array, count: number): Promise<Float32Array>;
  close(): Promise<void>;
}
