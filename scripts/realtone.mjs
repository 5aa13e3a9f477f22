#!/usr/bin/env node
// The `realtone` command (package.json "bin"). It runs from an esbuild bundle of functions/cli (scripts/bundle.mjs),
// built on first run and again whenever a source changed, so a clean clone needs no build step and no Python; on a
// fresh clone it installs dependencies first (messages on stderr). Both checks are a few stat calls in this
// process: no second Node process and no TypeScript transpiling on the way to the first file. REALTONE_TSX=1 runs
// the TypeScript sources through tsx instead (development). Logs go to stderr; stdout carries one JSON line per
// file.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleState } from './bundle-state.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

/** Same test as ensure-deps.mjs, in-process: node_modules was installed from the current lockfile. */
function depsInstalled() {
  try {
    const installed = statSync(path.join(root, 'node_modules', '.package-lock.json')).mtimeMs;
    return installed >= statSync(path.join(root, 'package-lock.json')).mtimeMs;
  } catch {
    return false;
  }
}

if (!depsInstalled()) {
  const ensured = spawnSync(process.execPath, [path.join(here, 'ensure-deps.mjs')], {
    stdio: ['ignore', 2, 2],
  });
  if (ensured.status !== 0) process.exit(2);
}

process.env.LOG_TO_STDERR ??= '1';
process.env.LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The bundled CLI, built first when a source changed; undefined when it cannot be built (a read-only checkout). */
async function bundledCli() {
  let { state, dir } = bundleState();
  if (state !== 'fresh') {
    try {
      const { buildBundles, BUNDLE_DIR } = await import('./bundle.mjs');
      dir = path.join(BUNDLE_DIR, (await buildBundles()).dir);
    } catch (error) {
      process.stderr.write(`realtone: cannot build the bundle (${error.message}); running the sources\n`);
      return undefined;
    }
  }
  return import(pathToFileURL(path.join(dir, 'cli.mjs')).href);
}

let cli = process.env.REALTONE_TSX === '1' ? undefined : await bundledCli();
if (!cli) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../functions/cli/main.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));
