/**
 * The per-request chunk pipeline on a Detector double whose score is the window's first sample / 1000: results come
 * out in window order, silent and too-short windows are skipped with their reason, push() pushes back when too many
 * windows are in flight, and a cancelled session leaves nothing queued.
 */
import { describe, expect, it } from 'vitest';
import { InferenceQueue } from '../../../functions/core/pipeline/inference-queue.ts';
import { DetectionSession, type ChunkScore } from '../../../functions/core/pipeline/session.ts';
import type { Detector } from '../../../functions/ports/detector.ts';
import { recordingDetector } from './doubles.ts';

// A model of 16 "Hz" with windows of 4 samples: a window is 0.25 s, so times stay readable.
const spec = { window_samples: 4, hop_samples: 2, min_samples: 2 };
const verdict = { fraction: 1, thresholds: { likely_fake: 0.5, fake: 0.8 } };
const block = (...values: number[]) => Float32Array.from(values);

function setup(maxInFlight?: number) {
  const double = recordingDetector(2);
  const queue = new InferenceQueue(double.detector as unknown as Detector, { maxWaitMs: 0 });
  const seen: ChunkScore[] = [];
  const session = new DetectionSession(queue, {
    chunk: spec,
    verdict,
    onWindow: (c) => seen.push(c),
    maxInFlight,
  });
  return { ...double, queue, session, seen };
}

describe('DetectionSession', () => {
  it('reports windows in order, skips silence, applies the tail rule and computes the verdict', async () => {
    const { session, seen } = setup();
    session.push(block(0.1, 0.1, 0, 0, 0, 0, 0.3, 0.3, 0.3));
    expect(session.backpressure()).toBeUndefined();
    const result = await session.end();
    // Windows [0,4) [2,6) [4,8) with hop 2; the 1-sample tail is shorter than min (2): too_short.
    // Window 2 holds [0, 0, 0.3, 0.3]: not silent, and the double scores it by its first sample, 0.
    expect(result.chunks).toEqual([
      { index: 0, start_s: 0, end_s: 0.25, score: 0.0001 },
      { index: 1, start_s: 0.125, end_s: 0.375, score: null, reason: 'silence' },
      { index: 2, start_s: 0.25, end_s: 0.5, score: 0 },
      { index: 3, start_s: 0.5, end_s: 0.563, score: null, reason: 'too_short' },
    ]);
    expect(seen).toEqual(result.chunks);
    expect(result.overall).toMatchObject({ label: 'real', score: 0.00005, chunks_scored: 2 });
    expect(result.samples).toBe(9);
  });

  it('asks the writer to wait while too many windows are in flight, and lets it go on when they finish', async () => {
    const { session, detector, open } = setup(2);
    detector.gate = true;
    session.push(block(0.5, 0.5, 0.5, 0.5, 0.5, 0.5)); // windows 0 and 1 queued
    const first = session.backpressure();
    expect(first).toBeInstanceOf(Promise);
    let released = false;
    void first!.then(() => (released = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(released).toBe(false);
    detector.gate = false;
    open();
    await first;
    expect(released).toBe(true);
    await session.end();
  });

  it('leaves nothing behind when cancelled mid-stream: no queued window, no late report, end() rejects', async () => {
    const { session, queue, detector, seen, open } = setup(100);
    detector.gate = true;
    session.push(block(...Array.from({ length: 40 }, () => 0.2)));
    expect(queue.queuedFor(session)).toBeGreaterThan(5);
    session.cancel();
    expect(queue.queuedFor(session)).toBe(0);
    expect(queue.depth).toBe(0);
    detector.gate = false;
    open();
    await queue.idle();
    expect(seen).toEqual([]);
    await expect(session.end()).rejects.toMatchObject({ code: 'cancelled' });
  });
});
