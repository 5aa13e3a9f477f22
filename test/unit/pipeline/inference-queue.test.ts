/**
 * The shared inference queue, on a test double of the Detector port that records each batch and answers with
 * the window's first sample, so every result can be traced back to the window that asked for it.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../functions/core/pipeline/errors.ts';
import { InferenceQueue } from '../../../functions/core/pipeline/inference-queue.ts';
import type { Detector } from '../../../functions/ports/detector.ts';
import { recordingDetector, WINDOW } from './doubles.ts';

const win = (id: number) => new Float32Array(WINDOW).fill(id);

describe('InferenceQueue', () => {
  it('batches windows that arrive together, up to maxBatch, and resolves each with its own score', async () => {
    const { detector, batches } = recordingDetector();
    const q = new InferenceQueue(detector as unknown as Detector, { maxWaitMs: 20 });
    const owner = {};
    const scores = await Promise.all([1, 2, 3, 4, 5].map((id) => q.submit(owner, win(id))));
    expect(scores.map((s) => Math.round(s * 1000))).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(q.stats).toMatchObject({ batches: 2, windows: 5 });
  });

  it('fills a batch round-robin over callers, so a long file cannot starve a stream', async () => {
    const { detector, batches, open } = recordingDetector();
    detector.gate = true;
    const q = new InferenceQueue(detector as unknown as Detector, { maxBatch: 3, maxWaitMs: 0 });
    const file = {};
    const stream = {};
    const first = q.submit(file, win(100)); // runs at once, alone, and holds the model
    const rest = [101, 102, 103, 104].map((id) => q.submit(file, win(id)));
    const live = q.submit(stream, win(900));
    detector.gate = false;
    open();
    await Promise.all([first, ...rest, live]);
    expect(batches[0]).toEqual([100]);
    expect(batches[1]).toEqual([101, 900, 102]);
    expect(batches[2]).toEqual([103, 104]);
  });

  it('takes turns between users first: three jobs of one user share one turn with one job of another', async () => {
    const { detector, batches, open } = recordingDetector();
    detector.gate = true;
    const q = new InferenceQueue(detector as unknown as Detector, { maxBatch: 4, maxWaitMs: 0 });
    const [a1, a2, a3, b1] = [{}, {}, {}, {}];
    const first = q.submit(a1, win(100), 'user-a'); // runs alone and holds the model
    const waiting = [
      ...[101, 102].map((id) => q.submit(a1, win(id), 'user-a')),
      ...[201, 202].map((id) => q.submit(a2, win(id), 'user-a')),
      ...[301, 302].map((id) => q.submit(a3, win(id), 'user-a')),
      ...[901, 902, 903].map((id) => q.submit(b1, win(id), 'user-b')),
    ];
    detector.gate = false;
    open();
    await Promise.all([first, ...waiting]);
    // Per user, not per job: user b gets every other window, and user a's three jobs take turns among themselves.
    expect(batches[1]).toEqual([101, 901, 201, 902]);
    expect(batches[2]).toEqual([301, 903, 102, 202]);
    expect(batches[3]).toEqual([302]);
    await q.idle();
    expect(q.depth).toBe(0);
  });

  it('withdraws a cancelled caller’s windows: they reject, others are unaffected, nothing is left queued', async () => {
    const { detector, batches, open } = recordingDetector();
    detector.gate = true;
    const q = new InferenceQueue(detector as unknown as Detector, { maxBatch: 2, maxWaitMs: 0 });
    const gone = {};
    const stays = {};
    const running = q.submit(gone, win(1));
    const dropped = [q.submit(gone, win(2)), q.submit(gone, win(3))];
    const kept = q.submit(stays, win(7));
    expect(q.cancel(gone)).toBe(2);
    expect(q.queuedFor(gone)).toBe(0);
    for (const d of dropped) await expect(d).rejects.toBeInstanceOf(CancelledError);
    detector.gate = false;
    open();
    expect(Math.round((await running) * 1000)).toBe(1); // the batch already running still finishes
    expect(Math.round((await kept) * 1000)).toBe(7);
    await q.idle();
    expect(q.depth).toBe(0);
    expect(batches.flat()).not.toContain(2);
  });

  it('rejects a window of the wrong length', async () => {
    const { detector } = recordingDetector();
    const q = new InferenceQueue(detector as unknown as Detector);
    await expect(q.submit({}, new Float32Array(3))).rejects.toThrow(/holds 4 samples/);
  });
});
