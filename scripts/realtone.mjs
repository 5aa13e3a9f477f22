#!/usr/bin/env node
// The `realtone` command (package.json "bin"). It runs the TypeScript sources through tsx, so a clean clone needs
// no build step and no Python; on a fresh clone it installs dependencies first (messages on stderr). Logs go to
// stderr; stdout carries one JSON line per file.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ensured = spawnSync(process.execPath, [path.join(here, 'ensure-deps.mjs')], {
  stdio: ['ignore', 2, 2],
});
if (ensured.status !== 0) process.exit(2);

process.env.LOG_TO_STDERR ??= '1';
process.env.LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../functions/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
