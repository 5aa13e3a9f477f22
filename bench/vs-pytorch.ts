/**
 * `npm run bench:vs-pytorch`: RealTone against the project's own model in PyTorch (bench/vs_pytorch.py:
 * models/training/wavlm.py with the committed weights, Debian's python3-torch), whole processes, on three inputs:
 * 60 s WAV 44.1 kHz stereo, 60 s MP3 128 kbit/s, 600 s WAV 16 kHz mono (espeak-ng speech looped, encoded by
 * ffmpeg: bench/audio-inputs.ts).
 *
 * Contenders, each a whole process timed from spawn to exit:
 *   realtone (npx)   `npx realtone analyze FILE`
 *   realtone (node)  `node scripts/realtone.mjs analyze FILE` (the same without npx's own start-up)
 *   seeds            torchaudio decode and resample, batch-1 PyTorch, a Redis SET per chunk, Debian's reference
 *                    BLAS (libblas3) in front where installed
 *   batched          torchaudio decode and resample, PyTorch in batches of 8, OpenBLAS's OpenMP build in front,
 *                    OpenMP threads waiting passively; and the same with OpenMP's default wait policy (spinning):
 *                    the ratios use the faster of the two
 * First the scores are checked: RealTone against PyTorch where decoding is the same (16 kHz mono WAV: no
 * resampling, no mixdown; plus 20 s of pink noise, whose scores are far from 0 and 1), and the two PyTorch designs
 * against each other. Then BENCH_ROUNDS (default 5) alternating rounds (the order rotates each round), medians;
 * then warm per-file times (each contender analyses every file in one process after one warm-up run, BENCH_WARM
 * times each, default 2: the median). JSON out.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'redis';
import { ROOT } from '../test/support/local-stack-process.ts';
import { makeInputs, type BenchInput } from './audio-inputs.ts';
import { median, round, warmAnalyzer } from './warm-analysis.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARM = Number(process.env.BENCH_WARM ?? 2);
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `rt:bench:vs-pytorch:${process.pid}:${Date.now()}:`;
const OPENMP_BLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
const REFERENCE_BLAS = '/usr/lib/x86_64-linux-gnu/blas';
const REFERENCE_LAPACK = '/usr/lib/x86_64-linux-gnu/lapack';
const PARITY_TOLERANCE = 1e-4;

interface Contender {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const openblas = existsSync(path.join(OPENMP_BLAS, 'libblas.so.3'));
const referenceBlas = existsSync(path.join(REFERENCE_BLAS, 'libblas.so.3'));
/**
 * Batched PyTorch: 2 threads, OpenBLAS's OpenMP build in front, and OpenMP threads that sleep instead of spinning
 * while they wait (as RealTone's server-side onnxruntime threads do): on a shared machine spinning made batched
 * PyTorch 5–9× slower (docs/benchmarks.md). The same with OpenMP's default wait policy (spinning) runs too, and
 * the acceptance ratios use whichever of the two was faster.
 */
const torchEnv = {
  OMP_NUM_THREADS: '2',
  OMP_WAIT_POLICY: 'PASSIVE',
  ...(openblas ? { LD_LIBRARY_PATH: OPENMP_BLAS } : {}),
};
const { OMP_WAIT_POLICY: _passive, ...torchEnvDefaultWait } = torchEnv;
/**
 * The seeds' design ran on Debian's torch with its reference BLAS (libblas3, netlib): that library in front when
 * installed (`apt-get install libblas3 liblapack3`; it does not change the system's choice of libblas.so.3), else
 * the system's libblas.so.3, named in the JSON.
 */
const seedsEnv = {
  OMP_NUM_THREADS: '2',
  OMP_WAIT_POLICY: 'PASSIVE',
  ...(referenceBlas ? { LD_LIBRARY_PATH: `${REFERENCE_BLAS}:${REFERENCE_LAPACK}` } : {}),
};
const contenders: Contender[] = [
  { name: 'realtone_npx', command: 'npx', args: ['realtone', 'analyze'] },
  { name: 'realtone_node', command: process.execPath, args: ['scripts/realtone.mjs', 'analyze'] },
  {
    name: 'pytorch_seeds',
    command: PYTHON,
    args: ['bench/vs_pytorch.py', '--mode', 'seeds', '--redis-url', REDIS_URL, '--redis-prefix', PREFIX],
    env: seedsEnv,
  },
  {
    name: 'pytorch_batched',
    command: PYTHON,
    args: ['bench/vs_pytorch.py', '--mode', 'batched'],
    env: torchEnv,
  },
  {
    name: 'pytorch_batched_default_wait',
    command: PYTHON,
    args: ['bench/vs_pytorch.py', '--mode', 'batched'],
    env: torchEnvDefaultWait,
  },
];

function run(c: Contender, files: string[], extra: string[] = []): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(c.command, [...c.args, ...extra, ...files], {
    cwd: ROOT,
    env: { ...process.env, ...c.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0
        ? resolve({ ms: performance.now() - started, stdout })
        : reject(new Error(`${c.name} exited ${code}: ${stderr.slice(-800)}`)),
    ),
  );
}

/** Scores per file: RealTone's JSON lines or the Python JSON. */
function scoresOf(c: Contender, stdout: string): (number | null)[][] {
  if (c.name.startsWith('realtone'))
    return stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { chunks: { score: number | null }[] }).chunks.map((ch) => ch.score));
  return (JSON.parse(stdout) as { files: { scores: (number | null)[] }[] }).files.map((f) => f.scores);
}

function maxDiff(a: (number | null)[], b: (number | null)[]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === null) !== (b[i] === null)) return Infinity;
    if (a[i] !== null) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  return worst;
}

const systemBlas = realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
const uptime = () => execFileSync('uptime').toString().trim();
const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).toString().trim();
const loadBefore = uptime();
const short = makeInputs(60, ['wav-44k-stereo-pcm16', 'mp3-44k-stereo-128k']);
const long = makeInputs(600, ['wav-16k-mono-pcm16']);
const noise = path.join(long.dir, 'pink-noise-16k.wav');
execFileSync('ffmpeg', [
  ...['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi'],
  ...['-i', 'anoisesrc=d=20:c=pink:r=16000:a=0.1:seed=29', '-ac', '1', '-c:a', 'pcm_s16le', noise],
]);
const inputs: (BenchInput & { label: string })[] = [
  { ...short.inputs[0]!, label: 'wav_60s_44k_stereo' },
  { ...short.inputs[1]!, label: 'mp3_60s_128k' },
  { ...long.inputs[0]!, label: 'wav_600s_16k_mono' },
];
const redis = createClient({ url: REDIS_URL });
await redis.connect();
try {
  // 1. Scores: the same decoding must give the same scores.
  const byName = Object.fromEntries(contenders.map((c) => [c.name, c]));
  const files = [...inputs.map((i) => i.file), noise];
  const scores: Record<string, (number | null)[][]> = {};
  for (const name of ['realtone_node', 'pytorch_seeds', 'pytorch_batched'])
    scores[name] = scoresOf(byName[name]!, (await run(byName[name]!, files)).stdout);
  const labels = [...inputs.map((i) => i.label), 'pink_noise_20s_16k_mono'];
  const parity = labels.map((label, k) => ({
    input: label,
    same_decoding: label.includes('16k_mono'),
    realtone_vs_pytorch: maxDiff(scores.realtone_node![k]!, scores.pytorch_batched![k]!),
    seeds_vs_batched: maxDiff(scores.pytorch_seeds![k]!, scores.pytorch_batched![k]!),
    realtone_scores_sample: scores.realtone_node![k]!.slice(0, 3),
  }));
  const parityOk = parity.every(
    (p) =>
      p.seeds_vs_batched <= PARITY_TOLERANCE &&
      (!p.same_decoding || p.realtone_vs_pytorch <= PARITY_TOLERANCE),
  );
  if (!parityOk) throw new Error(`scores disagree: ${JSON.stringify(parity)}`);

  // 2. Whole processes, alternating rounds.
  const times: Record<string, Record<string, number[]>> = Object.fromEntries(
    inputs.map((i) => [i.label, Object.fromEntries(contenders.map((c) => [c.name, [] as number[]]))]),
  );
  const loads: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    loads.push(uptime());
    process.stderr.write(`vs-pytorch: round ${r + 1} of ${ROUNDS} (${loads.at(-1)})\n`);
    for (const input of inputs) {
      const order = [
        ...contenders.slice(r % contenders.length),
        ...contenders.slice(0, r % contenders.length),
      ];
      for (const c of order) times[input.label]![c.name]!.push((await run(c, [input.file])).ms);
    }
  }
  const whole = Object.fromEntries(
    inputs.map((i) => {
      const t = times[i.label]!;
      const med = (n: string) => median(t[n]!) / 1000;
      const rt = med('realtone_npx');
      // The faster of the two wait policies: the comparison must not pick the configuration that flatters RealTone.
      const batched = Math.min(med('pytorch_batched'), med('pytorch_batched_default_wait'));
      return [
        i.label,
        {
          median_s: Object.fromEntries(contenders.map((c) => [c.name, round(med(c.name))])),
          runs_s: Object.fromEntries(
            contenders.map((c) => [c.name, t[c.name]!.map((x) => round(x / 1000, 2))]),
          ),
          seeds_over_realtone_npx: round(med('pytorch_seeds') / rt, 2),
          batched_faster_wait_policy:
            med('pytorch_batched') <= med('pytorch_batched_default_wait') ? 'PASSIVE' : 'default',
          batched_over_realtone_npx: round(batched / rt, 2),
          seeds_over_realtone_node: round(med('pytorch_seeds') / med('realtone_node'), 2),
          batched_over_realtone_node: round(batched / med('realtone_node'), 2),
        },
      ];
    }),
  );

  process.stderr.write('vs-pytorch: warm per-file times\n');
  // 3. Warm per-file times: every file in one process after one warm-up run, WARM times each, the median.
  const warm: Record<string, Record<string, number>> = {};
  const analyzer = await warmAnalyzer();
  try {
    await analyzer.run(inputs[0]!.file);
    for (const i of inputs) {
      const ms: number[] = [];
      for (let k = 0; k < WARM; k++) ms.push((await analyzer.run(i.file)).ms);
      (warm.realtone ??= {})[i.label] = Math.round(median(ms));
    }
  } finally {
    await analyzer.close();
  }
  for (const name of ['pytorch_seeds', 'pytorch_batched', 'pytorch_batched_default_wait']) {
    const out = await run(
      byName[name]!,
      inputs.map((i) => i.file),
      ['--warm', String(WARM)],
    );
    const parsed = JSON.parse(out.stdout) as { files: { warm_ms: number }[] };
    warm[name] = Object.fromEntries(inputs.map((i, k) => [i.label, Math.round(parsed.files[k]!.warm_ms)]));
  }

  const acceptance = Object.fromEntries(
    Object.entries(whole).map(([label, w]) => [
      label,
      { seeds_ge_5x: w.seeds_over_realtone_npx >= 5, batched_ge_2x: w.batched_over_realtone_npx >= 2 },
    ]),
  );
  console.log(
    JSON.stringify(
      {
        bench: 'vs-pytorch',
        machine: { cpu, cores: execFileSync('nproc').toString().trim(), node: process.version },
        torch_blas: {
          batched: openblas
            ? `OpenBLAS OpenMP build (${OPENMP_BLAS})`
            : `the system libblas.so.3 (${systemBlas})`,
          seeds: referenceBlas
            ? `reference BLAS, libblas3 (${REFERENCE_BLAS})`
            : `the system libblas.so.3 (${systemBlas})`,
        },
        torch_env: { seeds: seedsEnv, batched: torchEnv, batched_default_wait: torchEnvDefaultWait },
        inputs: inputs.map((i) => ({ label: i.label, format: i.name, bytes: i.bytes })),
        parity: { tolerance: PARITY_TOLERANCE, ok: parityOk, inputs: parity },
        rounds: ROUNDS,
        whole_process: whole,
        warm_ms: warm,
        acceptance,
        load: { before: loadBefore, rounds: loads, after: uptime() },
      },
      null,
      2,
    ),
  );
} finally {
  for await (const keys of redis.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 500 }))
    if (keys.length) await redis.del(keys);
  await redis.quit();
  short.cleanup();
  long.cleanup();
}
