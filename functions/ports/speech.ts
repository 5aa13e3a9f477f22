/**
 * Speech activity (VAD) behind one interface: the `vad` extractor and the detector's speech gate see only this; the
 * Silero adapter (functions/inference/silero-vad.ts) implements it inside the inference module, the only owner of
 * onnxruntime.
 */
export interface SpeechActivityModel {
  /** Model identity, reported as part of the `vad` extractor's version. */
  readonly name: string;
  readonly sampleRate: number;
  /** Samples per decision (512 at 16 kHz: 32 ms). */
  readonly frameSamples: number;
  /** One stream's recurrent state: frames must be given in order, each once. */
  open(): SpeechTracker;
  close(): Promise<void>;
}

export interface SpeechTracker {
  /** P(speech) for each of the `frameSamples`-long frames laid back to back in `frames`. */
  probabilities(frames: Float32Array): Promise<Float32Array>;
}
