/**
 * Polling cost: autocannon with 50 concurrent clients against GET /v1/jobs/{id} (a finished job, served from the
 * warm cache through the local API Gateway adapter, middy, JWT check and the handler), and against a bare Node HTTP
 * server returning the same JSON bytes, in the same run, alternating ROUNDS times (default 5). The figure is the median of the
 * per-round throughput ratios (target ≥ 0.5); api/bare_node_http show the last round.
 *
 *   npm run bench:api            # Redis on 127.0.0.1 as the cache (as in AWS), embedded PGlite
 *   BENCH_SECONDS=20 npm run bench:api
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { ApiClient } from '../test/support/api-client.ts';
import { ROOT, startStackProcess } from '../test/support/local-stack-process.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/**
 * BENCH_PIN=1: the server under test (stack or bare) gets CPU 1 and this process (autocannon) CPU 0, so neither
 * server competes with the load generator for a core; the default leaves scheduling to the OS.
 */
const PIN = process.env.BENCH_PIN === '1';
function pin(pid: number | undefined, cpu: number) {
  if (!PIN || pid === undefined) return;
  const r = spawnSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error('BENCH_PIN=1 needs taskset (util-linux) and 2 CPUs');
}

function run(url: string, headers: Record<string, string> = {}) {
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
}

const stack = await startStackProcess({
  MODEL_MANIFEST: 'test/fixtures/models/energy-fixture/model.json',
  LOG_LEVEL: 'ERROR',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: `rt:bench:${Date.now()}:`,
});
function readyUrl(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /ready (\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
  });
}

const summary = (r: autocannon.Result) => ({
  requests_per_s: Math.round(r.requests.average),
  latency_p50_ms: r.latency.p50,
  latency_p99_ms: r.latency.p99,
  non_2xx: r.non2xx,
  errors: r.errors,
});

let bare: ReturnType<typeof spawn> | undefined;
try {
  pin(process.pid, 0);
  pin(stack.child.pid, 1);
  const client = new ApiClient(stack.api);
  await client.signUp();
  const wav = new Uint8Array(readFileSync(path.join(ROOT, 'test/fixtures/e2e/speech-9.5s.wav')));
  const slot = await client.requestUpload('bench.wav', 'audio/wav', wav.length);
  await ApiClient.postToS3(slot, wav, 'bench.wav', 'audio/wav');
  await client.waitForJob(slot.job_id);
  const jobUrl = `${stack.api}/v1/jobs/${slot.job_id}`;
  const auth = { authorization: `Bearer ${client.token}` };
  const body = (await client.call('GET', `/v1/jobs/${slot.job_id}`)).text;

  bare = spawn(process.execPath, [path.join(ROOT, 'bench/bare-server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BARE_BODY: body },
  });
  pin(bare.pid, 1);
  const bareUrl = `${await readyUrl(bare)}/v1/jobs/${slot.job_id}`;
  // Warm both servers (JIT, connection pools) before measuring.
  await autocannon({ url: jobUrl, connections: CONNECTIONS, duration: 2, headers: auth });
  await autocannon({ url: bareUrl, connections: CONNECTIONS, duration: 2 });
  // Alternate the two targets, and which goes first (A B, B A, ...), so that drift in the machine's speed (other
  // tenants, frequency) hits both alike.
  const rounds: { api: autocannon.Result; bare: autocannon.Result }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      const api = await run(jobUrl, auth);
      rounds.push({ api, bare: await run(bareUrl) });
    } else {
      const bare = await run(bareUrl);
      rounds.push({ bare, api: await run(jobUrl, auth) });
    }
  }
  const ratios = rounds.map((r) => r.api.requests.average / r.bare.requests.average).sort((a, b) => a - b);
  const api = rounds[rounds.length - 1]!.api;
  const baseline = rounds[rounds.length - 1]!.bare;
  console.log(
    JSON.stringify(
      {
        bench: 'poll_job_status',
        connections: CONNECTIONS,
        seconds: SECONDS,
        cpu_pinning: PIN ? 'server on CPU 1, autocannon on CPU 0' : 'none (OS scheduling)',
        body_bytes: Buffer.byteLength(body),
        api: summary(api),
        bare_node_http: summary(baseline),
        round_ratios: ratios.map((r) => Math.round(r * 1000) / 1000),
        throughput_ratio: Math.round(ratios[Math.floor(ratios.length / 2)]! * 1000) / 1000,
        target_ratio: 0.5,
      },
      null,
      2,
    ),
  );
} finally {
  bare?.kill('SIGTERM');
  await stack.stop();
}
