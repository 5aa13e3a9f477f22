/**
 * Start-up of `realtone analyze`: the time from spawning the command until it starts reading its first file
 * (REALTONE_TRACE_START's mark), and until it exits, for a short speech file. Three ways to start it, alternating
 * each round so machine load hits them alike: `npx realtone`, `node scripts/realtone.mjs` (what npx ends up
 * running), and the TypeScript sources through tsx (REALTONE_TRACE_START with REALTONE_TSX=1, the old path).
 * Prints JSON: p50, min and max over BENCH_RUNS rounds (default 10), after one warm-up round, and `uptime`.
 *
 *   npm run bench:startup
 */
import { execFileSync, spawn } from 'node:child_process';
import { ROOT } from '../test/support/local-stack-process.ts';
import { benchModel } from './stack-inputs.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const FILE = 'test/fixtures/e2e/speech-9.5s.wav';
const TARGET_MS = 300;

interface Way {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}
const ways: Way[] = [
  { name: 'npx realtone', command: 'npx', args: ['realtone'] },
  { name: 'node scripts/realtone.mjs', command: process.execPath, args: ['scripts/realtone.mjs'] },
  {
    name: 'tsx sources (REALTONE_TSX=1)',
    command: process.execPath,
    args: ['scripts/realtone.mjs'],
    env: { REALTONE_TSX: '1' },
  },
];

/** One run: ms from spawn to the first-read mark, and to exit. */
function runOnce(way: Way): Promise<{ first_read_ms: number; exit_ms: number }> {
  const env = { ...process.env, REALTONE_TRACE_START: '1', MODEL_MANIFEST: benchModel, ...way.env };
  const started = performance.timeOrigin + performance.now();
  const child = spawn(way.command, [...way.args, 'analyze', FILE], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stdout += d));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const exit = performance.timeOrigin + performance.now() - started;
      const mark = stderr.split('\n').find((l) => l.includes('"first_read"'));
      if (code !== 0 || !mark || !stdout.includes('"ok":true'))
        return reject(new Error(`${way.name} failed (exit ${code}): ${stderr.slice(-500)}`));
      const at = (JSON.parse(mark) as { epoch_ms: number }).epoch_ms;
      resolve({ first_read_ms: Math.round(at - started), exit_ms: Math.round(exit) });
    });
  });
}

const p50 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : Math.round((s[s.length / 2 - 1]! + s[s.length / 2]!) / 2);
};

const loadBefore = execFileSync('uptime').toString().trim();
const results = new Map(ways.map((w) => [w.name, [] as { first_read_ms: number; exit_ms: number }[]]));
for (const way of ways) await runOnce(way); // warm-up: bundles built, files in the page cache
for (let round = 0; round < RUNS; round++) {
  const order = round % 2 ? [...ways].reverse() : ways;
  for (const way of order) results.get(way.name)!.push(await runOnce(way));
}
const summary = Object.fromEntries(
  [...results].map(([name, runs]) => {
    const first = runs.map((r) => r.first_read_ms);
    const exit = runs.map((r) => r.exit_ms);
    return [
      name,
      {
        first_read_ms: { p50: p50(first), min: Math.min(...first), max: Math.max(...first) },
        exit_ms: { p50: p50(exit), min: Math.min(...exit), max: Math.max(...exit) },
      },
    ];
  }),
);
const node = summary['node scripts/realtone.mjs']!.first_read_ms.p50;
const npx = summary['npx realtone']!.first_read_ms.p50;
console.log(
  JSON.stringify(
    {
      bench: 'startup',
      file: FILE,
      model: benchModel,
      runs: RUNS,
      target_first_read_ms: TARGET_MS,
      results: summary,
      npx_overhead_ms: npx - node,
      meets_target: { node: node <= TARGET_MS, npx: npx <= TARGET_MS },
      load: { before: loadBefore, after: execFileSync('uptime').toString().trim() },
      node_version: process.version,
    },
    null,
    2,
  ),
);
