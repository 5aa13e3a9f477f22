/** Test double of the Detector port: records each batch and scores a window as its first sample / 1000. */
export const WINDOW = 4;

export function recordingDetector(delayMs = 5, window = WINDOW) {
  const batches: number[][] = [];
  let release: (() => void) | undefined;
  const detector = {
    manifest: {
      input: { shape: ['batch', window] },
      batch_size: 3,
      sample_rate: 16,
      normalization: { kind: 'none' },
      thresholds: { likely_fake: 0.5, fake: 0.8 },
    },
    device: 'cpu',
    gate: false,
    async score(batch: Float32Array, count: number) {
      const ids = Array.from({ length: count }, (_, i) => batch[i * window]!);
      batches.push(ids);
      if (this.gate) await new Promise<void>((r) => (release = r));
      else await new Promise((r) => setTimeout(r, delayMs));
      return Float32Array.from(ids, (id) => id / 1000);
    },
    close: async () => undefined,
  };
  return { detector, batches, open: () => release?.() };
}
