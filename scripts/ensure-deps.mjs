#!/usr/bin/env node
// Runs before `npm start` and `npm test`: installs dependencies when node_modules is missing or stale (package.json
// or package-lock.json changed since the last install), so a fresh clone needs no separate install step.
// Uses only Node built-ins: it must work before anything is installed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'node_modules', '.realtone-install-stamp');
const hash = createHash('sha256');
for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(path.join(root, file)));
const digest = hash.digest('hex');

if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) process.exit(0);
console.error('realtone: installing dependencies (node_modules missing or stale)…');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// onnxruntime-node's CUDA download is skipped through .npmrc; the install needs only the npm registry.
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('realtone: npm ci failed');
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, digest);
