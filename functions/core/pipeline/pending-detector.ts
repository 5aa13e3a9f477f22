/**
 * A Detector whose model is still loading: the manifest (rate, window, batch) is known at once, so a caller can
 * start decoding and windowing while onnxruntime loads the model; score() waits for the model. The CLI uses it so
 * that reading the first file does not wait for the model (a process that analyses one short file spends a good
 * part of its life loading it).
 */
import type { ModelManifest } from '../../inference/manifest.ts';
import type { Detector } from '../../ports/detector.ts';

export class PendingDetector implements Detector {
  private loaded: Detector | undefined;

  constructor(
    readonly manifest: ModelManifest,
    /** The real detector; its rejection is what score() rejects with. */
    readonly ready: Promise<Detector>,
    /** Batches the real detector will score at once, known before it has loaded (the queue sizes itself by it). */
    readonly concurrency = 1,
  ) {
    ready.then(
      (d) => (this.loaded = d),
      () => undefined, // seen by whoever awaits `ready` or calls score()
    );
  }

  /** The loaded detector's device; 'cpu' until it has loaded. */
  get device(): 'cpu' | 'cuda' {
    return this.loaded?.device ?? 'cpu';
  }

  async score(batch: Float32Array, count: number): Promise<Float32Array> {
    return (this.loaded ?? (await this.ready)).score(batch, count);
  }

  async close(): Promise<void> {
    const detector = await this.ready.catch(() => undefined);
    await detector?.close();
  }
}
