#!/usr/bin/env node
// Runs one of the bundled entry points (scripts/bundle.mjs ENTRIES: worker, container, stream, health, grpc…) the
// way `realtone` runs the CLI: a stat check in this process, a rebuild only when a source changed, then the bundle.
//   node scripts/run-entry.mjs stream
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleState } from './bundle-state.mjs';

const name = process.argv[2];
let { state, dir } = bundleState();
if (state !== 'fresh') {
  const { buildBundles, BUNDLE_DIR } = await import('./bundle.mjs');
  dir = path.join(BUNDLE_DIR, (await buildBundles()).dir);
}
const { readFileSync } = await import('node:fs');
const { entries } = JSON.parse(readFileSync(path.join(dir, '..', 'stamp.json'), 'utf8'));
if (!name || !entries.includes(name)) {
  process.stderr.write(`usage: node scripts/run-entry.mjs ${entries.join('|')}\n`);
  process.exit(2);
}
process.argv.splice(1, 2, path.join(dir, `${name}.mjs`)); // the entry sees its own argv, as when run directly
await import(pathToFileURL(path.join(dir, `${name}.mjs`)).href);
