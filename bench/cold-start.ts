/**
 * Cold start of the API functions, measured locally: every route's Lambda bundle built with the stack's own esbuild
 * settings (infra/lib/bundling.ts) and its size; then, for a few routes, fresh Node processes that load the bundle
 * and serve one API Gateway request, timed from the process's start (module load, configuration, first request).
 * Alternating rounds (BENCH_RUNS, default 10); medians; `uptime`. Prints JSON. Target: under 300 ms in all.
 * Lambda's own start (its sandbox, the runtime's bootstrap) comes on top and cannot be measured here.
 *
 *   npm run bench:cold-start
 * The entry-point bundles of the CLI and containers (.local/bundles) are listed with their sizes too.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ROUTES } from '../functions/api/routes.ts';
import { bundlingOptions } from '../infra/lib/bundling.ts';
import { ROOT } from '../test/support/local-stack-process.ts';
import { median } from './warm-analysis.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const TARGET_MS = 300;
/** Routes started cold: no dependency, the model manifest from disk, and the Postgres pool created. */
const COLD = ['health', 'models-get', 'openapi-get'];

const loadBefore = execFileSync('uptime').toString().trim();
const out = mkdtempSync(path.join(tmpdir(), 'realtone-cold-'));
const options = bundlingOptions();
const sizes: Record<string, number> = {};
try {
  for (const route of ROUTES) {
    const outfile = path.join(out, route.handler, 'index.mjs');
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [path.join(ROOT, 'functions/api/handlers', `${route.handler}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: options.target,
      mainFields: options.mainFields,
      banner: { js: options.banner! },
      minify: options.minify,
      external: options.externalModules,
      logLevel: 'error',
    });
    sizes[route.handler] = statSync(outfile).size;
  }
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    UPLOAD_BUCKET: 'realtone-bench',
    JOBS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/jobs',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
    IDEMPOTENCY_TABLE: 'realtone-bench',
    MODEL_MANIFEST: path.join(ROOT, 'models/realtone-wavlm-small/model.json'),
    LOG_LEVEL: 'ERROR',
  };
  const runOnce = (handler: string) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [path.join(ROOT, 'bench/cold-start-child.mjs'), path.join(out, handler, 'index.mjs'), handler],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        if (code !== 0 || !line.startsWith('{'))
          reject(new Error(`${handler}: exit ${code} ${stderr.slice(-600)}`));
        else resolve(JSON.parse(line) as Record<string, number>);
      });
    });
  const runs: Record<string, Record<string, number>[]> = Object.fromEntries(COLD.map((h) => [h, []]));
  for (const h of COLD) await runOnce(h); // page cache
  for (let r = 0; r < RUNS; r++)
    for (const h of r % 2 ? [...COLD].reverse() : COLD) runs[h]!.push(await runOnce(h));
  const cold = Object.fromEntries(
    COLD.map((h) => {
      const field = (k: string) => Math.round(median(runs[h]!.map((x) => x[k]!)));
      return [
        h,
        {
          status: runs[h]![0]!.status,
          node_start_ms: field('node_start_ms'),
          module_load_ms: field('module_load_ms'),
          first_request_ms: field('first_request_ms'),
          total_ms: field('total_ms'),
        },
      ];
    }),
  );
  const stamp = JSON.parse(readFileSync(path.join(ROOT, '.local/bundles/stamp.json'), 'utf8')) as {
    dir: string;
    entries: string[];
  };
  const entryDir = path.join(ROOT, '.local/bundles', stamp.dir);
  const entrySizes = Object.fromEntries(
    stamp.entries.map((e) => [`${e}.mjs`, statSync(path.join(entryDir, `${e}.mjs`)).size]),
  );
  const chunkBytes = readdirSync(entryDir)
    .filter((f) => f.endsWith('.mjs'))
    .reduce((n, f) => n + statSync(path.join(entryDir, f)).size, 0);
  console.log(
    JSON.stringify(
      {
        bench: 'cold-start',
        runs: RUNS,
        target_ms: TARGET_MS,
        lambda_bundle_bytes: sizes,
        cold_start_median: cold,
        meets_target: Object.values(cold).every((c) => c.total_ms < TARGET_MS),
        entry_bundles: {
          dir: path.relative(ROOT, entryDir),
          entry_bytes: entrySizes,
          all_mjs_bytes: chunkBytes,
        },
        load: { before: loadBefore, after: execFileSync('uptime').toString().trim() },
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
