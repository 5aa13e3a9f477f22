#!/usr/bin/env node
// Builds the web app (web/ → web/dist) when its inputs changed since the last build: `npm start` runs this every
// time, so it must be fast when nothing changed. The inputs are hashed (web sources, the OpenAPI contract, the
// model card the app ships, the lockfile); the hash is kept in web/dist/.build-hash. `--force` always builds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const dist = path.join(web, 'dist');
const stamp = path.join(dist, '.build-hash');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : files(full);
    return [full];
  });
}

export function webSourceHash() {
  const inputs = [
    ...files(web),
    path.join(root, 'proto/openapi.json'),
    path.join(root, 'models/realtone-wavlm-small/MODEL_CARD.md'),
    path.join(root, 'package-lock.json'),
  ].sort();
  const hash = createHash('sha256');
  for (const file of inputs) hash.update(path.relative(root, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

export async function buildWeb({ force = false, quiet = false } = {}) {
  const hash = webSourceHash();
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash)
    return { built: false, hash };
  if (!quiet) process.stderr.write('realtone: building the web app (web/ changed since the last build)…\n');
  const { build } = await import('vite');
  await build({ configFile: path.join(web, 'vite.config.ts'), logLevel: quiet ? 'error' : 'warn' });
  writeFileSync(stamp, `${hash}\n`);
  return { built: true, hash };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildWeb({ force: process.argv.includes('--force') });
  } catch (error) {
    process.stderr.write(`realtone: the web app failed to build: ${error?.message ?? error}\n`);
    process.exit(1);
  }
}
