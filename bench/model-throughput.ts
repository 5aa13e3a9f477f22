/**
 * Model cost on this CPU: 4 s chunks per second at batch 1, 8 and 32 through the runtime's inference module
 * (normalised random speech-like input), plus the model's parameters and FLOPs per chunk from its manifest.
 *
 *   npm run bench:model                                                   # the default model
 *   BENCH_MODEL=models/.cache/wavlm-base-random/model.json npm run bench:model   # WavLM-Base-sized graph
 *   BENCH_THREADS=1 npm run bench:model                                   # one intra-op thread
 *
 * Then, in the same run, the same model in a DetectorPool (BENCH_WORKERS threads, default 2, each with one session
 * and its share of the cores; 0 skips it) at batch 8 with one batch per thread in flight, as a server's inference
 * queue drives it, and its ratio to one session in this thread at batch 8.
 */
import { cpus } from 'node:os';
import { DetectorPool } from '../functions/inference/detector-pool.ts';
import { threadsPerSession } from '../functions/inference/load-detector.ts';
import { OnnxDetector } from '../functions/inference/onnx-detector.ts';
import { DEFAULT_MODEL_MANIFEST, resolveProjectPath } from '../functions/shared/config.ts';

const manifestPath = resolveProjectPath(process.env.BENCH_MODEL ?? DEFAULT_MODEL_MANIFEST);
const threads = Number(process.env.BENCH_THREADS ?? 0);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const batches = (process.env.BENCH_BATCHES ?? '1,8,32').split(',').map(Number);
const workers = Number(process.env.BENCH_WORKERS ?? 2);

function speechLike(length: number) {
  const input = new Float32Array(length);
  for (let i = 0; i < input.length; i++)
    input[i] = Math.sin(i * 0.07) * Math.sin(i * 0.0009) + 0.1 * (Math.random() - 0.5);
  return input;
}

/** Chunks per second of a DetectorPool at batch 8, one batch per thread in flight. */
async function poolThroughput(window: number) {
  const perSession = threadsPerSession(threads, workers);
  const pool = await DetectorPool.load(manifestPath, { workers, threads: perSession, device: 'cpu' });
  const input = speechLike(8 * window);
  await Promise.all(Array.from({ length: workers }, () => pool.score(input, 8))); // warm-up
  let runs = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() - t0 < seconds * 1000) {
        await pool.score(input, 8);
        runs++;
      }
    }),
  );
  const ms = performance.now() - t0;
  await pool.close();
  return {
    workers,
    threads_per_session: perSession,
    chunks_per_s: Math.round(((runs * 8 * 1000) / ms) * 10) / 10,
  };
}

const detector = await OnnxDetector.load(manifestPath, { threads, device: 'cpu' });
const window = detector.manifest.chunk.window_samples;
const results: Record<
  string,
  { chunks_per_s: number; ms_per_batch: number; ms_per_chunk: number; runs: number }
> = {};
for (const batch of batches) {
  const input = speechLike(batch * window);
  await detector.raw(input, batch); // warm-up: allocations, kernel selection
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || runs < 2) {
    await detector.raw(input, batch);
    runs++;
  }
  const ms = (performance.now() - t0) / runs;
  results[`batch_${batch}`] = {
    chunks_per_s: Math.round(((batch * 1000) / ms) * 10) / 10,
    ms_per_batch: Math.round(ms * 10) / 10,
    ms_per_chunk: Math.round((ms / batch) * 100) / 100,
    runs,
  };
}
await detector.close();
const pooled = workers > 0 ? await poolThroughput(window) : undefined;
const m = detector.manifest;
console.log(
  JSON.stringify(
    {
      bench: 'model_throughput',
      model: { name: m.name, version: m.version, fixture: m.fixture },
      parameters: m.parameters,
      flops_per_chunk: m.flops_per_chunk,
      gflops_per_chunk: Math.round(m.flops_per_chunk / 1e7) / 100,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      intra_op_threads: threads || 'onnxruntime default',
      real_time_factor_batch_8: results.batch_8
        ? Math.round(results.batch_8.chunks_per_s * 4 * 10) / 10
        : undefined,
      results,
      pool: pooled && {
        ...pooled,
        batch: 8,
        over_one_session_batch_8: results.batch_8
          ? Math.round((pooled.chunks_per_s / results.batch_8.chunks_per_s) * 100) / 100
          : undefined,
      },
    },
    null,
    2,
  ),
);
