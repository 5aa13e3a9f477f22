/**
 * The streaming windower must cut exactly what planChunks plans for the same total length, whatever the block
 * sizes, and each window must hold the right samples (checked on a ramp, where a sample's value is its index).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillWindow, planChunks, type ChunkSpec } from '../../../functions/audio/chunk.ts';
import { Windower, type Window } from '../../../functions/audio/windower.ts';

function cut(total: number, spec: ChunkSpec, blockSizes: number[]) {
  const ramp = Float32Array.from({ length: total }, (_, i) => i);
  const w = new Windower(spec);
  const out: Window[] = [];
  let at = 0;
  for (let b = 0; at < total; b++) {
    const n = Math.min(total - at, blockSizes[b % blockSizes.length]!);
    w.push(ramp.subarray(at, at + n), (x) => out.push(x));
    at += n;
  }
  w.end((x) => out.push(x));
  return { ramp, out };
}

describe('Windower', () => {
  const spec = { window_samples: 64, hop_samples: 64, min_samples: 16 };

  it('equals planChunks and fillWindow for any length, hop and block sizes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 700 }),
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 5 }),
        (total, hop, blocks) => {
          const s = { ...spec, hop_samples: hop };
          const { ramp, out } = cut(total, s, blocks);
          const plan = planChunks(total, s);
          expect(out.map(({ samples: _s, ...c }) => c)).toEqual(plan);
          for (const [i, c] of plan.entries()) {
            if (c.kind === 'too_short') {
              expect(out[i]!.samples.length).toBe(0);
              continue;
            }
            const want = new Float32Array(64);
            fillWindow(ramp, c, want);
            expect(out[i]!.samples).toEqual(want);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('emits a full window as soon as its last sample arrives, with a hop of a quarter window', () => {
    const w = new Windower({ ...spec, hop_samples: 16 });
    const seen: number[] = [];
    w.push(new Float32Array(63), (x) => seen.push(x.index));
    expect(seen).toEqual([]);
    w.push(new Float32Array(1), (x) => seen.push(x.index));
    expect(seen).toEqual([0]);
    w.push(new Float32Array(32), (x) => seen.push(x.index));
    expect(seen).toEqual([0, 1, 2]);
  });

  it('keeps about one window of audio however long the stream is', () => {
    const w = new Windower(spec);
    for (let i = 0; i < 10_000; i++) w.push(new Float32Array(100), () => undefined);
    expect(w.total).toBe(1_000_000);
    expect((w as unknown as { buffer: Float32Array }).buffer.length).toBeLessThanOrEqual(4 * 64);
  });
});
