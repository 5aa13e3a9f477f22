/**
 * The gRPC services on the local stack (default model), as outside callers see them. Prints JSON on stdout.
 *
 * 1. Latency of one 60 s WAV: `AnalyzeAudio` (the original contract) on an object already in the upload bucket,
 *    `Analyze` with the same WAV inline, and the upload → `completed` path of the HTTP API (presigned POST, S3
 *    event, queue, worker, poll every 50 ms), alternating, median of BENCH_RUNS (5) after a warm-up.
 * 2. Throughput: `AnalyzeAudio` on a 5 s clip from 1, 8 and 32 concurrent clients (each its own HTTP/2
 *    connection, calling back to back) for BENCH_SECONDS (10) each: requests per second and latency percentiles.
 *
 *   npm run bench:grpc
 */
import os from 'node:os';
import type * as grpc from '@grpc/grpc-js';
import { ApiClient } from '../test/support/api-client.ts';
import { connect, unary } from '../test/support/grpc-clients.ts';
import { startStackProcess } from '../test/support/local-stack-process.ts';
import { benchModel, speechWav } from './stack-inputs.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = (process.env.BENCH_CLIENTS ?? '1,8,32').split(',').map(Number);
const BUCKET = 'realtone-uploads';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const round1 = (x: number) => Math.round(x * 10) / 10;

const loadAtStart = os.loadavg().map(round1);
const stack = await startStackProcess({ MODEL_MANIFEST: benchModel, LOG_LEVEL: 'ERROR' });
const clients: grpc.Client[] = [];
try {
  const api = new ApiClient(stack.api);
  await api.signUp();
  const upload = async (wav: Uint8Array, name: string) => {
    const slot = await api.requestUpload(name, 'audio/wav', wav.length);
    const t0 = performance.now();
    if ((await ApiClient.postToS3(slot, wav, name, 'audio/wav')) !== 204)
      throw new Error('S3 refused the upload');
    const job = await api.waitForJob(slot.job_id, 120_000, 50);
    if (job.status !== 'completed') throw new Error(`job failed: ${JSON.stringify(job.error)}`);
    return { key: slot.upload.fields.key!, ms: performance.now() - t0 };
  };

  const wav60 = speechWav(60);
  const legacy = connect('legacy', stack.grpc);
  const detector = connect('detector', stack.grpc);
  clients.push(legacy, detector);
  const object60 = await upload(wav60, 'bench-60s.wav');
  const analyzeObject = () =>
    unary(legacy, 'AnalyzeAudio', { minio_bucket_name: BUCKET, minio_object_key: object60.key });
  const analyzeInline = () =>
    unary(detector, 'Analyze', { audio: { data: wav60, content_type: 'audio/wav' } });
  await analyzeObject(); // warm-up
  await analyzeInline();

  const latency = {
    analyze_audio_ms: [] as number[],
    analyze_inline_ms: [] as number[],
    upload_ms: [] as number[],
  };
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    const predictions = (await analyzeObject()).predictions as unknown[];
    if (predictions.length !== 15) throw new Error(`expected 15 predictions, got ${predictions.length}`);
    latency.analyze_audio_ms.push(performance.now() - t0);
    t0 = performance.now();
    await analyzeInline();
    latency.analyze_inline_ms.push(performance.now() - t0);
    latency.upload_ms.push((await upload(wav60, `bench-60s-${i}.wav`)).ms);
  }

  const clip = await upload(speechWav(5), 'bench-5s.wav');
  const throughput = [];
  for (const n of CONCURRENCY) {
    // Each client is its own connection (no shared subchannel), as separate callers would be.
    const own = Array.from({ length: n }, () =>
      connect('legacy', stack.grpc, { 'grpc.use_local_subchannel_pool': 1 }),
    );
    clients.push(...own);
    const call = (c: grpc.Client) =>
      unary(c, 'AnalyzeAudio', { minio_bucket_name: BUCKET, minio_object_key: clip.key });
    await Promise.all(own.map(call)); // connect and warm up
    const times: number[] = [];
    let errors = 0;
    const until = performance.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      own.map(async (c) => {
        while (performance.now() < until) {
          const t0 = performance.now();
          await call(c).then(
            () => times.push(performance.now() - t0),
            () => errors++,
          );
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    throughput.push({
      clients: n,
      requests: times.length,
      errors,
      requests_per_s: round1(times.length / elapsed),
      audio_seconds_per_s: round1((times.length * 5) / elapsed),
      p50_ms: Math.round(percentile(times, 50)),
      p95_ms: Math.round(percentile(times, 95)),
    });
    for (const c of own) c.close();
  }

  const med = (xs: number[]) => Math.round(median(xs));
  console.log(
    JSON.stringify(
      {
        bench: 'grpc',
        model: benchModel,
        machine: {
          cpus: os.cpus().length,
          loadavg_at_start: loadAtStart,
          loadavg_at_end: os.loadavg().map(round1),
        },
        latency_60s_wav: {
          runs: RUNS,
          analyze_audio_object_median_ms: med(latency.analyze_audio_ms),
          analyze_inline_median_ms: med(latency.analyze_inline_ms),
          upload_to_completed_median_ms: med(latency.upload_ms),
          ratio_upload_over_analyze_audio: round1(
            median(latency.upload_ms) / median(latency.analyze_audio_ms),
          ),
          runs_ms: Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, v.map(Math.round)])),
        },
        throughput_5s_clips: throughput,
      },
      null,
      2,
    ),
  );
} finally {
  for (const c of clients) c.close();
  await stack.stop();
}
