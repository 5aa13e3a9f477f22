#!/usr/bin/env node
// The `realtone` command (package.json "bin"). It runs the TypeScript sources through tsx, so a clean clone needs
// only `npm install`: no build step, no Python. Logs go to stderr; stdout carries one JSON line per file.
import { register } from 'tsx/esm/api';

process.env.LOG_TO_STDERR ??= '1';
process.env.LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../functions/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
