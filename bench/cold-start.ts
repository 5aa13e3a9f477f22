/**
 * Cold start of the API functions, measured locally: every route's Lambda bundle built with the stack's own esbuild
 * settings (infra/lib/bundling.ts) and its size; then, for a few routes, fresh Node processes that load the bundle
 * and serve one API Gateway request, timed from the process's start (module load, configuration, first request).
 * The processes get the environment a Lambda has (AWS_LAMBDA_FUNCTION_NAME set: metrics go out as EMF). Routes:
 * `health` (nothing but the configuration), `models-get` (the model manifest from disk), `openapi-get`, and
 * `jobs-get`, an authenticated poll of a real job: token verified, Redis and Postgres connected and read (its own
 * schema and key prefix on the local Postgres and Redis, dropped afterwards; skipped, saying why, without them).
 * Alternating rounds (BENCH_RUNS, default 10); medians; `uptime`. Prints JSON. Target: under 300 ms in all.
 * Lambda's own start (its sandbox, the runtime's bootstrap) comes on top and cannot be measured here.
 * Then the detector container's start to ready (bench/container-start.ts), BENCH_CONTAINER_RUNS (5) alternating
 * starts of the worker and the streaming service, and the entry-point bundles' sizes (.local/bundles, rebuilt
 * first where a source changed).
 *
 *   npm run bench:cold-start
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ROUTES } from '../functions/api/routes.ts';
import { lambdaBuildOptions } from '../infra/lib/bundling.ts';
import { ROOT } from '../test/support/local-stack-process.ts';
import { coldStartFixture, type ColdStartFixture } from './cold-start-fixture.ts';
import { startToReady } from './container-start.ts';
import { median } from './warm-analysis.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
/** Starts of each detector container entry (they load the model: about a second each). */
const CONTAINER_RUNS = Number(process.env.BENCH_CONTAINER_RUNS ?? 5);
const TARGET_MS = 300;
interface Request {
  rawPath: string;
  routeKey: string;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
}
const get = (rawPath: string): Request => ({ rawPath, routeKey: `GET ${rawPath}` });
/** Routes started cold, and their request (jobs-get's comes from the fixture). */
const REQUESTS: Record<string, Request> = {
  health: get('/v1/health'),
  'models-get': get('/v1/models'),
  'openapi-get': get('/v1/openapi.json'),
};
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const range = (xs: number[]) => [Math.min(...xs), Math.max(...xs)];

const loadBefore = execFileSync('uptime').toString().trim();
const out = mkdtempSync(path.join(tmpdir(), 'realtone-cold-'));
/** Per route: the bytes of JavaScript its cold start reads (index.mjs and the chunks it imports statically) and
 * all of its JavaScript (with the chunks loaded on demand). Source maps are not counted. */
const sizes: Record<string, { start_bytes: number; all_bytes: number }> = {};
let fixture: ColdStartFixture | undefined;
try {
  for (const route of ROUTES) {
    const dir = path.join(out, route.handler);
    const { metafile } = await esbuild.build({
      ...lambdaBuildOptions(`functions/api/handlers/${route.handler}.ts`, dir),
      metafile: true,
    });
    const outputs = metafile.outputs;
    const js = Object.keys(outputs).filter((f) => f.endsWith('.mjs'));
    const atStart = new Set<string>();
    const visit = (f: string) => {
      if (atStart.has(f)) return;
      atStart.add(f);
      for (const i of outputs[f]!.imports)
        if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
    };
    visit(js.find((f) => f.endsWith('/index.mjs'))!);
    const bytes = (files: Iterable<string>) => [...files].reduce((n, f) => n + outputs[f]!.bytes, 0);
    sizes[route.handler] = { start_bytes: bytes(atStart), all_bytes: bytes(js) };
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
    JWT_SECRET,
    IDEMPOTENCY_TABLE: 'realtone-bench',
    MODEL_MANIFEST: path.join(ROOT, 'models/realtone-wavlm-small/model.json'),
    LOG_LEVEL: 'ERROR',
    // Set by the Lambda runtime; the handlers then write EMF and never load the Prometheus client.
    AWS_LAMBDA_FUNCTION_NAME: 'realtone-bench',
  };
  const routeEnv: Record<string, Record<string, string>> = {};
  const skipped: Record<string, string> = {};
  try {
    fixture = await coldStartFixture({
      databaseUrl: env.DATABASE_URL,
      redisUrl: env.REDIS_URL,
      jwtSecret: JWT_SECRET,
    });
    REQUESTS['jobs-get'] = fixture.event;
    routeEnv['jobs-get'] = fixture.env;
  } catch (error) {
    skipped['jobs-get'] = `no Postgres or Redis: ${(error as Error).message}`;
  }
  const COLD = Object.keys(REQUESTS);
  const runOnce = async (handler: string) => {
    await fixture?.reset();
    return new Promise<Record<string, number>>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          path.join(ROOT, 'bench/cold-start-child.mjs'),
          path.join(out, handler, 'index.mjs'),
          handler,
          JSON.stringify(REQUESTS[handler]),
        ],
        { env: { ...env, ...routeEnv[handler] }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        if (code !== 0 || !line.startsWith('{'))
          return reject(new Error(`${handler}: exit ${code} ${stderr.slice(-600)}`));
        const timing = JSON.parse(line) as Record<string, number>;
        // A cold start that ends in an error is no measurement of the route.
        if (timing.status !== 200)
          reject(new Error(`${handler}: status ${timing.status} ${stdout.slice(-600)}`));
        else resolve(timing);
      });
    });
  };
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
          cpu_ms: field('cpu_ms'),
        },
      ];
    }),
  );
  // The entry-point bundles as the image builds them, rebuilt first where a source changed.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs'), '--if-stale'], { stdio: 'inherit' });
  const stamp = JSON.parse(readFileSync(path.join(ROOT, '.local/bundles/stamp.json'), 'utf8')) as {
    dir: string;
    entries: string[];
  };
  const entryDir = path.join(ROOT, '.local/bundles', stamp.dir);
  const entrySizes = Object.fromEntries(
    stamp.entries.map((e) => [`${e}.mjs`, statSync(path.join(entryDir, `${e}.mjs`)).size]),
  );
  const containers: Record<string, { median_ms: number; runs_ms: number[] }> = {};
  if (fixture) {
    const { AWS_LAMBDA_FUNCTION_NAME: _lambda, ...containerEnv } = env;
    const entries = ['container', 'stream'];
    const runsMs: Record<string, number[]> = { container: [], stream: [] };
    for (let r = 0; r < CONTAINER_RUNS; r++)
      for (const e of r % 2 ? [...entries].reverse() : entries)
        runsMs[e]!.push(
          await startToReady(entryDir, e, {
            ...containerEnv,
            ...fixture.env,
            SQS_ENDPOINT: 'http://127.0.0.1:9',
            S3_ENDPOINT: 'http://127.0.0.1:9',
          }),
        );
    for (const e of entries)
      containers[e] = { median_ms: Math.round(median(runsMs[e]!)), runs_ms: runsMs[e]! };
  } else skipped.containers = 'no Postgres or Redis';
  const chunkBytes = readdirSync(entryDir)
    .filter((f) => f.endsWith('.mjs'))
    .reduce((n, f) => n + statSync(path.join(entryDir, f)).size, 0);
  console.log(
    JSON.stringify(
      {
        bench: 'cold-start',
        runs: RUNS,
        target_ms: TARGET_MS,
        node: process.version,
        lambda_bundles: sizes,
        lambda_start_bytes_range: range(Object.values(sizes).map((x) => x.start_bytes)),
        lambda_all_bytes_range: range(Object.values(sizes).map((x) => x.all_bytes)),
        cold_start_median: cold,
        ...(Object.keys(skipped).length ? { skipped } : {}),
        meets_target: Object.values(cold).every((c) => c.total_ms < TARGET_MS),
        container_start_to_ready: containers,
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
  await fixture?.drop();
}
