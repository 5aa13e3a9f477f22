/**
 * Fair scheduling, measured: the latency of one user's single upload (start of its S3 POST → a poll sees
 * `completed`) while another user's 100-file batch runs, against the same upload on an idle stack. Runs the local
 * stack twice, with fair scheduling (the default) and with plain queue order (WORKER_FAIR_SCHEDULING=false), so
 * the two are compared in one run. Prints JSON on stdout.
 *
 *   npm run bench:fairness
 *   BENCH_ITEMS=100 BENCH_SECONDS=30 BENCH_SINGLES=3 BENCH_MODES=fair,fifo npm run bench:fairness
 */
import { ApiClient } from '../test/support/api-client.ts';
import { startStackProcess } from '../test/support/local-stack-process.ts';
import { benchModel, speechWav } from './stack-inputs.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const SINGLES = Number(process.env.BENCH_SINGLES ?? 3);
const MODES = (process.env.BENCH_MODES ?? 'fair,fifo').split(',');
const model = benchModel;
const wav = speechWav(SECONDS);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function single(client: ApiClient): Promise<number> {
  const slot = await client.requestUpload('single.wav', 'audio/wav', wav.length);
  const t0 = performance.now();
  if ((await ApiClient.postToS3(slot, wav, 'single.wav', 'audio/wav')) !== 204) throw new Error('S3 refused');
  const job = await client.waitForJob(slot.job_id, 600_000, 50);
  if (job.status !== 'completed') throw new Error(`single job failed: ${JSON.stringify(job.error)}`);
  return Math.round(performance.now() - t0);
}

async function uploadAll(items: (ApiClientSlot & { filename: string })[]) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const status = await ApiClient.postToS3(item, wav, item.filename, 'audio/wav');
        if (status !== 204) throw new Error(`S3 answered ${status}`);
      }
    }),
  );
}
type ApiClientSlot = Parameters<typeof ApiClient.postToS3>[0];

async function runMode(mode: string) {
  const stack = await startStackProcess({
    MODEL_MANIFEST: model,
    LOG_LEVEL: 'ERROR',
    WORKER_FAIR_SCHEDULING: mode === 'fair' ? 'true' : 'false',
  });
  try {
    const batchUser = new ApiClient(stack.api);
    const singleUser = new ApiClient(stack.api);
    await batchUser.signUp();
    await singleUser.signUp();
    await single(singleUser); // warm-up: model, decoder thread, connections
    const alone: number[] = [];
    for (let i = 0; i < SINGLES; i++) alone.push(await single(singleUser));

    const created = await batchUser.call('POST', '/v1/batches', {
      items: Array.from({ length: ITEMS }, (_, i) => ({
        filename: `item-${i}.wav`,
        content_type: 'audio/wav',
        size_bytes: wav.length,
      })),
    });
    if (created.status !== 201) throw new Error(`batch refused: ${created.text}`);
    const batchStart = performance.now();
    await uploadAll(created.json.items);
    const during: { ms: number; batch_progress_at_start: number }[] = [];
    for (let i = 0; i < SINGLES; i++) {
      const state = await batchUser.call('GET', `/v1/batches/${created.json.batch_id}`);
      if (state.json.status === 'completed') break;
      during.push({ ms: await single(singleUser), batch_progress_at_start: state.json.progress });
    }
    const done = await batchUser.waitForBatch(created.json.batch_id, 1_800_000, 250);
    const batchMs = Math.round(performance.now() - batchStart);
    const duringMs = during.map((d) => d.ms);
    return {
      mode,
      single_alone_ms: { median: median(alone), runs: alone },
      single_during_batch_ms: duringMs.length ? { median: median(duringMs), runs: duringMs } : null,
      batch_progress_when_single_started: during.map((d) => d.batch_progress_at_start),
      slowdown_vs_alone: duringMs.length ? Math.round((median(duringMs) / median(alone)) * 100) / 100 : null,
      batch: { items: ITEMS, status: done.status, completed: done.counts.completed, wall_ms: batchMs },
    };
  } finally {
    await stack.stop();
  }
}

const results = [];
for (const mode of MODES) results.push(await runMode(mode));
console.log(
  JSON.stringify(
    {
      bench: 'fairness',
      question: "one user's single upload while another user's batch runs",
      model,
      audio: { seconds: SECONDS, format: 'wav pcm16 mono', bytes: wav.length },
      worker: {
        concurrency: 2,
        note: 'fair: 2 slots + 1 kept for users with nothing running; fifo: 2 slots',
      },
      results,
    },
    null,
    2,
  ),
);
