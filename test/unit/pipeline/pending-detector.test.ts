import { describe, expect, it } from 'vitest';
import { InferenceQueue } from '../../../functions/core/pipeline/inference-queue.ts';
import { PendingDetector } from '../../../functions/core/pipeline/pending-detector.ts';
import type { Detector } from '../../../functions/ports/detector.ts';
import { recordingDetector, WINDOW } from './doubles.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('PendingDetector', () => {
  it('takes windows before the model has loaded and scores them once it has', async () => {
    const { detector, batches } = recordingDetector(1);
    const loading = deferred<Detector>();
    const pending = new PendingDetector(detector.manifest as Detector['manifest'], loading.promise);
    const queue = new InferenceQueue(pending, { maxWaitMs: 0 });
    let scored: number | undefined;
    const score = queue
      .submit(
        {},
        Float32Array.from({ length: WINDOW }, () => 7),
      )
      .then((s) => (scored = s));
    await new Promise((r) => setTimeout(r, 20));
    expect(scored).toBeUndefined(); // waiting for the model
    expect(batches).toEqual([]);
    loading.resolve(detector as unknown as Detector);
    await score;
    expect(scored).toBeCloseTo(0.007, 6);
    expect(batches).toEqual([[7]]);
  });

  it('rejects scoring with the load error, and close() still settles', async () => {
    const { detector } = recordingDetector(1);
    const loading = deferred<Detector>();
    const pending = new PendingDetector(detector.manifest as Detector['manifest'], loading.promise);
    loading.reject(Object.assign(new Error('bad model'), { code: 'model_mismatch' }));
    await expect(pending.score(new Float32Array(WINDOW), 1)).rejects.toThrow('bad model');
    await expect(pending.ready).rejects.toMatchObject({ code: 'model_mismatch' });
    await expect(pending.close()).resolves.toBeUndefined();
  });
});
