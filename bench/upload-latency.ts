/**
 * Time from upload to `completed` for a 60 s WAV on the local stack (median of 5 runs), measured as a client sees
 * it: from the start of the multipart POST to S3 until a poll (every 50 ms) returns `completed`. Also reports the
 * worker's own stage timings, and how busy inference was: the stack's /metrics scraped around each run
 * (realtone_inference_busy_seconds_total over the run's wall time and realtone_inference_runners). Prints JSON on
 * stdout.
 *
 *   npm run bench:pipeline                       # embedded PGlite + in-process cache, default model
 *   BENCH_REAL_SERVICES=1 npm run bench:pipeline # Postgres and Redis on 127.0.0.1
 */
import { ApiClient } from '../test/support/api-client.ts';
import { startStackProcess } from '../test/support/local-stack-process.ts';
import { sample, scrapeMetric } from '../test/support/prometheus.ts';
import { benchModel, speech, speechWav } from './stack-inputs.ts';
import { median } from './warm-analysis.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const model = benchModel;
const wav = speechWav(60);

const env: Record<string, string> = { MODEL_MANIFEST: model, LOG_LEVEL: 'ERROR' };
if (process.env.BENCH_REAL_SERVICES) {
  env.DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  env.REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  env.REDIS_KEY_PREFIX = `rt:bench:${Date.now()}:`;
}
const stack = await startStackProcess(env);

/** A metric's value on the stack's /metrics (no labels). */
const metric = async (name: string) => {
  const samples = await scrapeMetric(stack.endpoints.metrics!, name);
  if (!samples.has('')) throw new Error(`/metrics has no ${name}`);
  return sample(samples);
};

try {
  const client = new ApiClient(stack.api);
  await client.signUp();
  const runs: { total_ms: number; inference_busy: number; worker: Record<string, number> }[] = [];
  const runners = await metric('realtone_inference_runners');
  for (let i = 0; i < RUNS + 1; i++) {
    const slot = await client.requestUpload('bench-60s.wav', 'audio/wav', wav.length);
    const busy0 = await metric('realtone_inference_busy_seconds_total');
    const t0 = performance.now();
    const status = await ApiClient.postToS3(slot, wav, 'bench-60s.wav', 'audio/wav');
    if (status !== 204) throw new Error(`S3 answered ${status}`);
    const job = await client.waitForJob(slot.job_id, 120_000, 50);
    const total = performance.now() - t0;
    if (job.status !== 'completed') throw new Error(`job failed: ${JSON.stringify(job.error)}`);
    const busy = (await metric('realtone_inference_busy_seconds_total')) - busy0;
    const inferenceBusy = Math.round((busy / (total / 1000) / runners) * 1000) / 1000;
    // run 0 warms up
    if (i > 0)
      runs.push({ total_ms: Math.round(total), inference_busy: inferenceBusy, worker: job.result.timings });
  }
  const totals = runs.map((r) => r.total_ms).sort((a, b) => a - b);
  console.log(
    JSON.stringify(
      {
        bench: 'upload_to_completed',
        audio: { seconds: 60, sample_rate: speech.sampleRate, format: 'wav pcm16 mono', bytes: wav.length },
        model,
        services: process.env.BENCH_REAL_SERVICES ? 'postgres+redis' : 'embedded pglite + in-process cache',
        runs: runs.length,
        median_ms: totals[Math.floor(totals.length / 2)],
        min_ms: totals[0],
        max_ms: totals[totals.length - 1],
        runs_ms: runs.map((r) => r.total_ms),
        // Share of each run's wall time (upload → completed) the model's runners were busy, averaged over them.
        inference_runners: runners,
        inference_busy_median: median(runs.map((r) => r.inference_busy)),
        inference_busy_runs: runs.map((r) => r.inference_busy),
        worker_timings_last_run: runs[runs.length - 1]?.worker,
      },
      null,
      2,
    ),
  );
} finally {
  await stack.stop();
}
