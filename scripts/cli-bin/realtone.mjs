#!/usr/bin/env node
// The `realtone` bin (node_modules/.bin/realtone, linked by npm from this workspace package at install). The root
// package.json has no bin on purpose: when it has one, `npx realtone` loads npm's whole dependency tree and installs
// the project into npx's cache before it runs (~0.9 s); with only this link, npx finds node_modules/.bin/realtone
// and runs it at once (docs/performance.md). A bin path cannot leave its package, hence this one-line hop.
import '../realtone.mjs';
