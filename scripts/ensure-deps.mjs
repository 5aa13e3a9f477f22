#!/usr/bin/env node
// Runs before `npm start`, `npm test` and the `realtone` command: installs dependencies when node_modules is
// missing or older than package-lock.json, so a fresh clone needs no separate install step. npm rewrites
// node_modules/.package-lock.json after every install, so it is newer than package-lock.json exactly when the
// installed tree matches the lockfile. Uses only Node built-ins until the install is done: it must work before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const installed = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) install();
// Then the entry-point bundles (scripts/bundle.mjs), when a source changed since they were built: once here rather
// than in each of the parallel `realtone` processes a test run starts. esbuild exists only after the install.
const { bundleState } = await import('./bundle-state.mjs');
if (bundleState().state !== 'fresh') await (await import('./bundle.mjs')).buildBundles();

function install() {
  console.error('realtone: installing dependencies (node_modules missing or older than package-lock.json)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // onnxruntime-node's install script would download CUDA binaries from NuGet (its CPU binaries ship in the
  // package): skipped through the environment, so the install needs only the npm registry. Not through .npmrc: npm
  // 11 warns about the unknown setting on every npm and npx command, and npm 12 stops passing it to scripts
  // (there package.json's allowScripts denies the script instead).
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip' };
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    env,
    stdio: ['ignore', 2, 2],
  });
  if (result.status !== 0) {
    console.error('realtone: npm ci failed');
    process.exit(result.status ?? 1);
  }
}
