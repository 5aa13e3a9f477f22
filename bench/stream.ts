/**
 * `npm run bench:stream`: N concurrent real-time streams at hop 1 s against the local stack (the default model),
 * each a client written against docs/streaming.md. Per N: window latency (the window's last sample handed to the
 * socket → its verdict received) at p50/p99, the stack's CPU use, and sessions refused or closed; then the largest
 * N whose p99 stays ≤ 500 ms, found by widening past the listed Ns and bisecting. Run with cross-session
 * batching on (the default INFERENCE_MAX_BATCH, the manifest's batch_size, or BENCH_BATCH) and off (batch 1).
 * Prints JSON on stdout.
 *
 *   BENCH_NS=1,10,50,100 BENCH_SECONDS=15 [BENCH_BATCH=16] npm run bench:stream
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ingest, bytesSource } from '../functions/audio/ingest.ts';
import { streamPcm, type StreamClientResult } from '../functions/stream/client.ts';
import { ApiClient } from '../test/support/api-client.ts';
import { ROOT, startStackProcess, type StackProcess } from '../test/support/local-stack-process.ts';
import { loopTo } from '../test/support/wav.ts';

const NS = (process.env.BENCH_NS ?? '1,10,50,100').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const BATCH = process.env.BENCH_BATCH; // undefined: the default configuration
const TARGET_MS = 500;
const HOP_S = 1;
const RATE = 16000;

const speech = await ingest(bytesSource(readFileSync(path.join(ROOT, 'test/fixtures/e2e/speech-9.5s.wav'))), {
  targetRate: RATE,
  maxDurationS: 3600,
  maxBytes: 1 << 30,
  minSamples: 1,
});
const looped = loopTo(speech.samples, RATE, SECONDS);
const pcm = new Uint8Array(looped.length * 2);
const view = new DataView(pcm.buffer);
looped.forEach((v, i) => view.setInt16(2 * i, Math.round(Math.max(-1, Math.min(1, v)) * 32767), true));

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

const percentile = (xs: number[], p: number) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
};

/** Latency of each judged window: its last sample's frame handed to the socket → the window message. */
function latencies(run: StreamClientResult, received: Map<number, number>): number[] {
  const out: number[] = [];
  for (const [index, at] of received) {
    const lastByte = Math.round((index * HOP_S + 4) * RATE) * 2;
    const frame = run.sent.find((f) => f.end >= lastByte);
    if (frame) out.push(at - frame.at);
  }
  return out;
}

async function measure(stack: StackProcess, clients: ApiClient[], n: number) {
  const pid = stack.child.pid!;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const c = clients[i % clients.length]!;
      const url = (await c.call('POST', '/v1/stream/tickets')).json.url as string;
      await new Promise((r) => setTimeout(r, (i / n) * 1000)); // starts spread over a second, as real calls are
      const received = new Map<number, number>();
      const run = await streamPcm({
        url,
        start: { hop_s: HOP_S },
        pcm,
        realtime: true,
        onMessage: (m, at) => {
          if (m.type === 'window' && m.score !== null) received.set(m.index, at);
        },
      });
      return { run, received };
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const all = runs.flatMap(({ run, received }) => latencies(run, received));
  const expected = n * (Math.floor(SECONDS / HOP_S) - 3);
  return {
    n,
    windows: all.length,
    windows_expected: expected,
    p50_ms: percentile(all, 50),
    p99_ms: percentile(all, 99),
    max_ms: percentile(all, 100),
    closed_not_1000: runs.filter(({ run }) => run.code !== 1000).length,
    stack_cpu_cores: Math.round(((cpuSeconds(pid) - cpu0) / wall) * 100) / 100,
    ok: all.length === expected && (percentile(all, 99) ?? Infinity) <= TARGET_MS,
  };
}

async function series(batch: string | undefined) {
  const stack = await startStackProcess({
    INFERENCE_MAX_BATCH: batch,
    STREAM_MAX_SESSIONS_PER_USER: '10000',
    STREAM_MAX_SESSIONS: '10000',
    LOG_LEVEL: 'ERROR',
  });
  try {
    const clients = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const c = new ApiClient(stack.api);
        await c.signUp();
        return c;
      }),
    );
    await measure(stack, clients, 2); // warm-up
    const results = [];
    for (const n of NS) results.push(await measure(stack, clients, n));
    // The largest N at p99 ≤ 500 ms: widen past the last passing N, then bisect between pass and fail.
    let pass = Math.max(0, ...results.filter((r) => r.ok).map((r) => r.n));
    let fail = Math.min(Infinity, ...results.filter((r) => !r.ok && r.n > pass).map((r) => r.n));
    while (fail === Infinity && pass < 1000) {
      const r = await measure(stack, clients, pass * 2);
      results.push(r);
      if (r.ok) pass = r.n;
      else fail = r.n;
    }
    while (fail - pass > Math.max(5, pass * 0.1)) {
      const mid = Math.round((pass + fail) / 2);
      const r = await measure(stack, clients, mid);
      results.push(r);
      if (r.ok) pass = mid;
      else fail = mid;
    }
    return {
      max_batch: batch ? Number(batch) : 'manifest batch_size',
      results,
      largest_n_p99_under_500ms: pass,
    };
  } finally {
    await stack.stop();
  }
}

const batched = await series(BATCH);
const unbatched = await series('1');
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'stream',
      hop_s: HOP_S,
      seconds_per_stream: SECONDS,
      model: 'models/realtone-wavlm-small (default)',
      note: 'client and stack share this machine; stack_cpu_cores is the stack process alone',
      batching_on: batched,
      batching_off: unbatched,
    },
    null,
    2,
  )}\n`,
);
