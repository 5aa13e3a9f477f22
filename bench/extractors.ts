/**
 * Cost of each extractor per 4 s window, relative to the detector, measured in one run on one signal: 60 s of the
 * speech fixture (resampled to 16 kHz and looped) fed as a file is (disjoint windows), and as a stream at hop 1 s
 * (overlapping windows; extractors are fed each sample once, so their cost per window drops with the hop while the
 * detector's does not). The detector is timed at batch 1 and at the manifest's batch size through the inference
 * module. Prints JSON. Options: BENCH_SECONDS (audio length, default 60), BENCH_ROUNDS (default 3, median kept).
 *
 *   npm run bench:extractors
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resample } from '../functions/audio/resample.ts';
import { pitchExtractor } from '../functions/core/extractors/pitch.ts';
import { tempoExtractor } from '../functions/core/extractors/tempo.ts';
import type { ExtractorRun } from '../functions/core/extractors/types.ts';
import { VadRun } from '../functions/core/extractors/vad.ts';
import { OnnxDetector } from '../functions/inference/onnx-detector.ts';
import { SileroVad } from '../functions/inference/silero-vad.ts';
import { DEFAULT_MODEL_MANIFEST, resolveProjectPath } from '../functions/shared/config.ts';
import { decodeWav16Mono, loopTo } from '../test/support/wav.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW = 64000;

const wav = decodeWav16Mono(readFileSync(resolveProjectPath('test/fixtures/e2e/speech-9.5s.wav')));
const audio = loopTo(resample(wav.samples, wav.sampleRate, 16000), 16000, SECONDS);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** ms per window for one run fed window by window at `hop` samples, as ExtractorStage feeds it. */
async function perWindow(open: () => ExtractorRun, hop: number): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const run = open();
    let seen = 0;
    let windows = 0;
    const t0 = performance.now();
    for (let start = 0; start + WINDOW <= audio.length; start += hop) {
      await run.push(audio.subarray(seen, start + WINDOW), seen);
      seen = start + WINDOW;
      run.window(start, start + WINDOW);
      windows++;
    }
    run.file();
    times.push((performance.now() - t0) / windows);
  }
  return median(times);
}

const detector = await OnnxDetector.load(resolveProjectPath(DEFAULT_MODEL_MANIFEST), { device: 'cpu' });
const vad = await SileroVad.load();
const detectorMs: Record<string, number> = {};
for (const batch of [1, detector.manifest.batch_size]) {
  const input = new Float32Array(batch * WINDOW);
  for (let b = 0; b < batch; b++) input.set(audio.subarray(b * WINDOW, (b + 1) * WINDOW), b * WINDOW);
  await detector.score(input, batch);
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const runs = Math.max(2, Math.round(16 / batch));
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await detector.score(input, batch);
    times.push((performance.now() - t0) / (runs * batch));
  }
  detectorMs[`batch_${batch}`] = median(times);
}
const reference = detectorMs[`batch_${detector.manifest.batch_size}`]!;
const extractors = {
  pitch: () => pitchExtractor.open(),
  tempo: () => tempoExtractor.open(),
  vad: () => new VadRun(Promise.resolve(vad), 0.5),
};
const result: Record<string, unknown> = {};
for (const [name, open] of Object.entries(extractors)) {
  const file = await perWindow(open, WINDOW);
  const stream = await perWindow(open, 16000);
  result[name] = {
    ms_per_window_file: r3(file),
    ms_per_window_stream_hop_1s: r3(stream),
    relative_to_detector_file: r3(file / reference),
    relative_to_detector_stream_hop_1s: r3(stream / reference),
  };
}
await Promise.all([detector.close(), vad.close()]);
console.log(
  JSON.stringify(
    {
      audio_s: SECONDS,
      rounds: ROUNDS,
      detector_ms_per_window: Object.fromEntries(Object.entries(detectorMs).map(([k, v]) => [k, r3(v)])),
      relative_to: `detector at batch ${detector.manifest.batch_size} (the inference queue's batch)`,
      extractors: result,
      loadavg_1m: r3(loadavg()[0]!),
    },
    null,
    2,
  ),
);
