/**
 * Ingestion throughput per format: decode + downmix + resample to 16 kHz + chunk plan, in × real time.
 * Prints JSON only (stdout). Run on one core, as the acceptance figure is stated:
 *
 *   taskset -c 0 npm run bench:audio                    (120 s inputs, 5 rounds)
 *   taskset -c 0 npm run bench:audio -- --seconds 60 --rounds 3 --formats mp3-44k-stereo-128k
 *
 * Two figures per format: `wall_x` (audio seconds / wall seconds, best and median of the rounds) and `cpu_x`
 * (audio seconds / CPU seconds of this process, best round), which is steadier on a shared machine. Rounds visit
 * the formats in turn, so a burst of load from elsewhere spreads over all of them. `isolated_x` is the best of two runs through
 * ingestIsolated (the path the CLI and worker use: worker thread, transfer back), warm thread.
 */
import { createReadStream } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { planChunks } from '../functions/audio/chunk.ts';
import { ingest, type IngestOptions } from '../functions/audio/ingest.ts';
import { ingestIsolated } from '../functions/audio/isolate.ts';
import { ENCODINGS, makeInputs } from './audio-inputs.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    rounds: { type: 'string', default: '5' },
    formats: { type: 'string', default: Object.keys(ENCODINGS).join(',') },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const options: IngestOptions = {
  targetRate: 16000,
  minSamples: 16000,
  maxDurationS: 6 * 3600,
  maxBytes: 8 * 1024 ** 3,
  timeLimitMs: 600_000,
};
const spec = { window_samples: 64000, hop_samples: 64000, min_samples: 16000 };

const { inputs, cleanup } = makeInputs(seconds, values.formats!.split(','));
const open = (file: string) => createReadStream(file, { highWaterMark: 1 << 20 });

async function once(file: string) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const audio = await ingest(open(file), options);
  const plan = planChunks(audio.samples.length, spec);
  const wallS = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return { audio, plan, wallS, cpuS: (used.user + used.system) / 1e6 };
}

try {
  for (const input of inputs) await once(input.file); // warm-up: WASM compilation, JIT
  const runs = new Map<
    string,
    { wall: number[]; cpu: number[]; durationS: number; rate: number; chunks: number }
  >();
  for (let r = 0; r < rounds; r++) {
    for (const input of inputs) {
      const { audio, plan, wallS, cpuS } = await once(input.file);
      const entry = runs.get(input.name) ?? {
        wall: [],
        cpu: [],
        durationS: audio.durationS,
        rate: audio.sampleRateIn,
        chunks: plan.length,
      };
      entry.wall.push(audio.durationS / wallS);
      entry.cpu.push(audio.durationS / cpuS);
      runs.set(input.name, entry);
    }
  }
  const results = [];
  for (const input of inputs) {
    const r = runs.get(input.name)!;
    const sorted = [...r.wall].sort((a, b) => a - b);
    await ingestIsolated(open(input.file), options); // warm the thread
    let isolatedX = 0;
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      const isolated = await ingestIsolated(open(input.file), options);
      isolatedX = Math.max(isolatedX, isolated.durationS / ((performance.now() - t0) / 1000));
    }
    results.push({
      format: input.name,
      file_bytes: input.bytes,
      duration_s: Math.round(r.durationS * 1000) / 1000,
      sample_rate_in: r.rate,
      chunks: r.chunks,
      wall_x: {
        best: Math.round(sorted[sorted.length - 1]!),
        median: Math.round(sorted[sorted.length >> 1]!),
      },
      cpu_x: Math.round(Math.max(...r.cpu)),
      isolated_x: Math.round(isolatedX),
    });
  }
  const out = {
    bench: 'audio-throughput',
    what: 'decode + downmix + resample to 16 kHz + chunk plan, × real time',
    seconds,
    rounds,
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cpus_available: os.availableParallelism(),
    load_average_1m: Math.round(os.loadavg()[0]! * 100) / 100,
    results,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  cleanup();
}
