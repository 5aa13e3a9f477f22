/**
 * The inference queue on a detector that scores several batches at once (a DetectorPool), and on one that is still
 * loading: batches in flight up to the detector's concurrency, windows shared evenly among free runners, and no
 * batch formed before the model can run it.
 */
import { describe, expect, it } from 'vitest';
import { InferenceQueue } from '../../../functions/core/pipeline/inference-queue.ts';
import type { Detector } from '../../../functions/ports/detector.ts';
import { WINDOW } from './doubles.ts';

const win = (id: number) => new Float32Array(WINDOW).fill(id);

/** A double with `concurrency` runners that records each batch and the most batches that ran at once. */
function parallelDetector(concurrency: number, ready?: Promise<unknown>) {
  const batches: number[][] = [];
  let running = 0;
  let mostAtOnce = 0;
  const detector = {
    manifest: { input: { shape: ['batch', WINDOW] }, batch_size: 8, normalization: { kind: 'none' } },
    device: 'cpu',
    concurrency,
    ready,
    async score(batch: Float32Array, count: number) {
      const ids = Array.from({ length: count }, (_, i) => batch[i * WINDOW]!);
      batches.push(ids);
      mostAtOnce = Math.max(mostAtOnce, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return Float32Array.from(ids, (id) => id / 1000);
    },
    close: async () => undefined,
  };
  return { detector: detector as unknown as Detector, batches, mostAtOnce: () => mostAtOnce };
}

describe('InferenceQueue with a detector that runs batches in parallel', () => {
  it('waits for a loading model, then splits what waits evenly over its runners, at once', async () => {
    let loaded!: () => void;
    const ready = new Promise<void>((r) => (loaded = r));
    const { detector, batches, mostAtOnce } = parallelDetector(2, ready);
    const q = new InferenceQueue(detector, { maxWaitMs: 0 });
    const owner = {};
    const ids = Array.from({ length: 15 }, (_, i) => i + 1);
    const scores = Promise.all(ids.map((id) => q.submit(owner, win(id))));
    await new Promise((r) => setTimeout(r, 30));
    expect(batches).toEqual([]); // nothing runs while the model loads
    loaded();
    expect((await scores).map((s) => Math.round(s * 1000))).toEqual(ids);
    expect(batches.map((b) => b.length)).toEqual([8, 7]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(ids);
    expect(mostAtOnce()).toBe(2);
    await q.idle();
    expect(q.stats).toMatchObject({ batches: 2, windows: 15 });
  });

  it('keeps at most `concurrency` batches in flight and never exceeds maxBatch', async () => {
    const { detector, batches, mostAtOnce } = parallelDetector(3);
    const q = new InferenceQueue(detector, { maxBatch: 4, maxWaitMs: 1 });
    const owners = [{}, {}];
    const scores = await Promise.all(
      Array.from({ length: 40 }, (_, i) => q.submit(owners[i % 2]!, win(i + 1))),
    );
    expect(scores.map((s) => Math.round(s * 1000))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(mostAtOnce()).toBe(3);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    expect(batches.flat()).toHaveLength(40);
  });

  it('runs the batches of a model that failed to load, so that every window gets its error', async () => {
    const failed = Promise.reject(new Error('no model'));
    failed.catch(() => undefined);
    const { detector } = parallelDetector(2, failed);
    const broken = { ...detector, score: () => Promise.reject(new Error('no model')) } as Detector;
    const q = new InferenceQueue(broken, { maxWaitMs: 0 });
    const results = await Promise.allSettled([1, 2, 3].map((id) => q.submit({}, win(id))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await q.idle();
  });

  it('becomes idle when the windows left for the next batch are withdrawn before it starts', async () => {
    const { detector } = parallelDetector(1);
    const q = new InferenceQueue(detector, { maxBatch: 1, maxWaitMs: 0 });
    const [first, later] = [{}, {}];
    const running = q.submit(first, win(1));
    const withdrawn = q.submit(later, win(2)).catch((e: Error) => e.name);
    const idle = Promise.race([q.idle().then(() => 'idle'), new Promise((r) => setTimeout(r, 500, 'stuck'))]);
    // The first batch ends with a window waiting; its caller leaves before the next batch is formed.
    await running.then(() => q.cancel(later));
    expect(await idle).toBe('idle');
    expect(await withdrawn).toBe('CancelledError');
  });
});
