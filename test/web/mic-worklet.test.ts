/**
 * The live mode's AudioWorklet processor as a pure function of its input: it is loaded into a stand-in of the
 * AudioWorkletGlobalScope, fed 128-sample render quanta of a sine, and must post 100 ms frames of 16 kHz
 * little-endian s16 PCM holding that sine (resampled when the context does not run at 16 kHz).
 */
import { describe, expect, it, vi } from 'vitest';

type Processor = {
  process(inputs: Float32Array[][]): boolean;
  port: { postMessage: (b: ArrayBuffer) => void };
};

async function loadProcessor(rate: number): Promise<{ processor: Processor; frames: ArrayBuffer[] }> {
  vi.resetModules();
  const frames: ArrayBuffer[] = [];
  let Registered: (new () => Processor) | undefined;
  Object.assign(globalThis, {
    sampleRate: rate,
    AudioWorkletProcessor: class {
      port = { postMessage: (buffer: ArrayBuffer) => frames.push(buffer) };
    },
    registerProcessor: (_name: string, cls: new () => Processor) => (Registered = cls),
  });
  await import('../../web/src/live/mic-worklet.ts');
  return { processor: new Registered!(), frames };
}

function feedSine(processor: Processor, rate: number, seconds: number, hz: number, channels = 1) {
  const total = Math.round(rate * seconds);
  for (let start = 0; start < total; start += 128) {
    const block = new Float32Array(128).map(
      (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * (start + i)) / rate),
    );
    processor.process([Array.from({ length: channels }, () => block)]);
  }
}

const samples = (frames: ArrayBuffer[]) =>
  frames.flatMap((f) => {
    const view = new DataView(f);
    return Array.from({ length: f.byteLength / 2 }, (_, i) => view.getInt16(2 * i, true) / 32767);
  });

/** Frequency estimate from zero crossings, and the peak amplitude. */
function describeSignal(x: number[], rate: number) {
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 !== x[i]! < 0) crossings++;
  return { hz: (crossings / 2) * (rate / x.length), peak: Math.max(...x.map(Math.abs)) };
}

describe('mic-worklet', () => {
  it('at 16 kHz posts 100 ms s16le frames of the input as it is', async () => {
    const { processor, frames } = await loadProcessor(16_000);
    feedSine(processor, 16_000, 1.0, 440, 2);
    expect(frames.length).toBe(10); // 16,000 samples → 10 frames of 1,600
    expect(frames.every((f) => f.byteLength === 3200)).toBe(true);
    const x = samples(frames);
    expect(x[1]).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 440) / 16_000), 4);
    const { hz, peak } = describeSignal(x, 16_000);
    expect(hz).toBeGreaterThan(435);
    expect(hz).toBeLessThan(445);
    expect(peak).toBeCloseTo(0.5, 2);
  });

  it('at 48 kHz resamples to 16 kHz, keeping the pitch of speech-band tones', async () => {
    const { processor, frames } = await loadProcessor(48_000);
    feedSine(processor, 48_000, 1.0, 1000);
    const x = samples(frames);
    expect(x.length).toBeGreaterThanOrEqual(14_400);
    const { hz, peak } = describeSignal(x, 16_000);
    expect(hz).toBeGreaterThan(990);
    expect(hz).toBeLessThan(1010);
    expect(peak).toBeGreaterThan(0.4); // the box filter costs a little at 1 kHz
  });

  it('attenuates a tone above the new Nyquist frequency instead of folding it back at full level', async () => {
    const { processor, frames } = await loadProcessor(48_000);
    feedSine(processor, 48_000, 0.5, 15_000);
    // A box filter of 3 samples passes 15 kHz at 0.08 of its level: 0.04 here instead of 0.5.
    expect(describeSignal(samples(frames), 16_000).peak).toBeLessThan(0.06);
  });
});
